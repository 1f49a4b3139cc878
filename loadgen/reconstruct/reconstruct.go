package reconstruct

import (
	"math"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Request is one request as the client recorded it. Times are instants on
// one clock (the run's), so that they line up with the kernel's samples.
type Request struct {
	Sent time.Time // the client sent it (began its connect)
	// Connect is how long the TCP connect took; Dialed is false when the
	// request did not dial (a reused connection) or the connect is unknown.
	Connect time.Duration
	Dialed  bool
	Ended   time.Time // the answer arrived, or the client gave up
	Outcome outcome.Outcome
}

// Life is one request's rebuilt intervals. Zero Times are absent.
type Life struct {
	Sent      time.Time
	Connected time.Time // Sent when no connect was recorded
	// Started is when the work began: for ok requests ended − S; zero for
	// any other outcome.
	Started time.Time
	// WaitEnd ends the certain waiting: Started for ok, ended − S (at least
	// Sent) for timeouts, Ended for the rest.
	WaitEnd time.Time
	Ended   time.Time
	Outcome outcome.Outcome
}

// Running reports whether the request was doing its work at t.
func (l Life) Running(t time.Time) bool {
	return !l.Started.IsZero() && !t.Before(l.Started) && t.Before(l.Ended)
}

// Waiting reports whether the request was certainly waiting at t: sent,
// not started, not ended (connecting included).
func (l Life) Waiting(t time.Time) bool { return !t.Before(l.Sent) && t.Before(l.WaitEnd) }

// Connecting reports whether the request's handshake was not done at t.
func (l Life) Connecting(t time.Time) bool { return !t.Before(l.Sent) && t.Before(l.Connected) }

// Undetermined reports whether at t the request may have been running or
// waiting: a timed-out request in its last S before giving up.
func (l Life) Undetermined(t time.Time) bool {
	return l.Outcome == outcome.Timeout && !t.Before(l.WaitEnd) && t.Before(l.Ended)
}

// Rebuild turns the client's records into lives, given the service time
// (the work per request, > 0). The lives come in the order of reqs.
func Rebuild(reqs []Request, service time.Duration) []Life {
	lives := make([]Life, len(reqs))
	for i, r := range reqs {
		l := Life{Sent: r.Sent, Connected: r.Sent, Ended: r.Ended, Outcome: r.Outcome}
		if l.Ended.Before(l.Sent) {
			l.Ended = l.Sent
		}
		if r.Dialed && r.Connect > 0 {
			l.Connected = minTime(r.Sent.Add(r.Connect), l.Ended)
		}
		switch r.Outcome {
		case outcome.OK:
			l.Started = maxTime(l.Ended.Add(-service), l.Connected)
			l.WaitEnd = l.Started
		case outcome.Timeout:
			l.WaitEnd = maxTime(l.Ended.Add(-service), l.Sent)
		default:
			l.WaitEnd = l.Ended
		}
		lives[i] = l
	}
	return lives
}

// Point is the rebuilt state at one instant.
type Point struct {
	At           time.Time
	Running      int // doing their work
	Waiting      int // sent, not started and not ended, for certain
	Connecting   int // of Waiting: handshake not done yet
	Undetermined int // timed out later, and within S of it: running or waiting
}

// At counts the lives at instant t.
func At(lives []Life, t time.Time) Point {
	p := Point{At: t}
	for _, l := range lives {
		switch {
		case l.Running(t):
			p.Running++
		case l.Waiting(t):
			p.Waiting++
			if l.Connecting(t) {
				p.Connecting++
			}
		case l.Undetermined(t):
			p.Undetermined++
		}
	}
	return p
}

// Timeline counts the lives at each instant.
func Timeline(lives []Life, at []time.Time) []Point {
	out := make([]Point, len(at))
	for i, t := range at {
		out[i] = At(lives, t)
	}
	return out
}

// Peak is the largest count of each kind at any instant of the run,
// computed exactly over the lives' edges, not at sample times.
type Peak struct {
	Running int
	Waiting int // connecting included
	// Connected counts the waiting whose handshake was done: in the accept
	// queue or in the app. A burst of requests all wait for their
	// handshakes for a moment, which Waiting counts and this does not.
	Connected    int
	Undetermined int
}

// Peaks sweeps the lives' edges. An interval [a, b) counts at a and not at
// b, so two requests that hand over at the same instant never count twice.
// Being exact, the peaks include moments a 1 Hz sample would miss, such as
// the milliseconds between a burst's handshakes and its handlers' starts,
// when the whole burst counts as waiting.
func Peaks(lives []Life) Peak {
	type edge struct {
		at    time.Time
		delta int
		kind  int // 0 running, 1 waiting, 2 undetermined, 3 connected
	}
	var edges []edge
	add := func(a, b time.Time, kind int) {
		if a.Before(b) {
			edges = append(edges, edge{a, +1, kind}, edge{b, -1, kind})
		}
	}
	for _, l := range lives {
		if !l.Started.IsZero() {
			add(l.Started, l.Ended, 0)
		}
		add(l.Sent, l.WaitEnd, 1)
		if l.Outcome == outcome.Timeout {
			add(l.WaitEnd, l.Ended, 2)
		}
		add(l.Connected, l.WaitEnd, 3)
	}
	// Ends before starts at the same instant.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	var now, peak [4]int
	for _, e := range edges {
		now[e.kind] += e.delta
		peak[e.kind] = max(peak[e.kind], now[e.kind])
	}
	return Peak{Running: peak[0], Waiting: peak[1], Undetermined: peak[2], Connected: peak[3]}
}

// EstimateService is the shortest latency of an ok request: the service
// time plus the least waiting any request had. The first request of an
// open-model run meets an idle server, so this is close to the service
// time, and a value well above the assumed S says the server is slower
// than assumed. ok is false when no request succeeded.
func EstimateService(reqs []Request) (time.Duration, bool) {
	best := time.Duration(math.MaxInt64)
	for _, r := range reqs {
		if r.Outcome == outcome.OK {
			best = min(best, r.Ended.Sub(r.Sent))
		}
	}
	return best, best != time.Duration(math.MaxInt64)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
