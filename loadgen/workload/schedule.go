package workload

import (
	"slices"
	"time"
)

// Schedule is what every target of a run is sent: request i is sent at
// Send[i] after the target's start and asks for Sleep[i] of sleep and
// CPU[i] of CPU work. Requests are numbered in the order they are sent.
// A closed schedule (Users set) has no Send: its users send each request
// when the one before it has ended.
type Schedule struct {
	Send  []time.Duration // ascending; nil for a closed schedule
	Sleep []time.Duration
	CPU   []time.Duration
	// Span is the time the schedule is meant to cover: the offered rate
	// is Len()/Span. For a steady rate it is Len()/rate, one interval
	// past the last send; for stages, their total duration.
	Span time.Duration
	// Steps are the stages' windows, in order; nil without stages.
	Steps []Step
	// Users, when set, makes the schedule closed: the users send Sleep's
	// requests themselves, numbered as Users says. Span is then 0: what
	// the schedule offers depends on the server.
	Users *Users
}

// Step is one stage's window of the schedule: the requests sent from
// Start up to End.
type Step struct {
	Start, End time.Duration
	// From and To are the rates at its start and end, per second: equal
	// for a step, different for a ramp.
	From, To float64
	// Requests is how many requests the stage sends, bursts not counted.
	Requests int
}

// Len is the number of requests.
func (s *Schedule) Len() int {
	if s.Users != nil {
		return s.Users.Requests()
	}
	return len(s.Send)
}

// Closed reports whether the schedule is a closed population of users.
func (s *Schedule) Closed() bool { return s.Users != nil }

// Work is request i's handler work: its sleep plus its CPU work.
func (s *Schedule) Work(i int) time.Duration { return s.Sleep[i] + s.CPU[i] }

// Works is every request's work, in order.
func (s *Schedule) Works() []time.Duration {
	w := make([]time.Duration, s.Len())
	for i := range w {
		w[i] = s.Work(i)
	}
	return w
}

// OfferedRate is the requests per second that the schedule offers.
func (s *Schedule) OfferedRate() float64 {
	if s.Span <= 0 {
		return 0
	}
	return float64(s.Len()) / s.Span.Seconds()
}

// MeanGap is the mean time between two sends, Span/Len(): the interval of
// a steady schedule, to the nanosecond.
func (s *Schedule) MeanGap() time.Duration {
	if s.Len() == 0 {
		return 0
	}
	return s.Span / time.Duration(s.Len())
}

// LastSend is when the last request is sent; for a closed schedule, the
// last user's start.
func (s *Schedule) LastSend() time.Duration {
	if s.Users != nil {
		return s.Users.Starts[s.Users.N()-1]
	}
	if s.Len() == 0 {
		return 0
	}
	return s.Send[s.Len()-1]
}

// MaxWork is the longest work any request asks for.
func (s *Schedule) MaxWork() time.Duration {
	var m time.Duration
	for i := range s.Len() {
		m = max(m, s.Work(i))
	}
	return m
}

// MeanWork is the mean work per request, rounded down to the nanosecond.
func (s *Schedule) MeanWork() time.Duration {
	if s.Len() == 0 {
		return 0
	}
	var sum float64
	for i := range s.Len() {
		sum += float64(s.Work(i))
	}
	return time.Duration(sum / float64(s.Len()))
}

// Steady reports whether every request asks for the same work.
func (s *Schedule) Steady() bool {
	return s.Len() == 0 || (allEqual(s.Sleep) && allEqual(s.CPU))
}

func allEqual(ds []time.Duration) bool {
	return !slices.ContainsFunc(ds, func(d time.Duration) bool { return d != ds[0] })
}

// MostWithin is the most requests sent within any window of length d,
// both ends included: how many a client that gives up d after each send
// can hold at once, at most. Closed users hold one each, at most.
func (s *Schedule) MostWithin(d time.Duration) int {
	if s.Users != nil {
		return s.Users.N()
	}
	most, j := 0, 0
	for i, t := range s.Send {
		for t-s.Send[j] > d {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// Steady is n requests interval apart, each asking for sleep and cpu:
// the seed experiment's kind of schedule.
func Steady(n int, interval, sleep, cpu time.Duration) *Schedule {
	return &Schedule{Send: Constant(n, interval), Sleep: slices.Repeat([]time.Duration{sleep}, n),
		CPU: slices.Repeat([]time.Duration{cpu}, n), Span: time.Duration(n) * interval}
}
