package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/workload"
)

// The arrival processes (Scenario.Arrival).
const (
	ArrivalConstant = "constant"
	ArrivalPoisson  = "poisson"
)

// Stage is one stretch of a staged schedule: Duration at Rate requests
// per second (a step), or a linear ramp over Duration from the previous
// stage's rate (0 before the first) to Target.
type Stage struct {
	Duration Duration `yaml:"duration"`
	Rate     *float64 `yaml:"rate,omitempty"`
	Target   *float64 `yaml:"target,omitempty"`
}

// Burst is Requests requests sent at once, At after the start, on top of
// the rest of the schedule.
type Burst struct {
	At       Duration `yaml:"at"`
	Requests int      `yaml:"requests"`
}

// Random reports whether any part of the schedule is drawn from the seed.
func (s *Scenario) Random() bool {
	return s.Arrival == ArrivalPoisson || s.Sleep.Drawn() || s.CPU.Drawn()
}

// newSeed is the seed of a scenario that has random parts and gives no
// seed: written to the resolved scenario, so that the run can be repeated.
func newSeed() uint64 { return rand.Uint64N(1<<31-1) + 1 }

// Schedule is what each target is sent: every request's send time and
// work, drawn from Seed. The same scenario always gives the same
// schedule. It assumes a validated scenario.
func (s *Scenario) Schedule() *workload.Schedule {
	sc, _ := s.schedule()
	return sc
}

// schedule builds the schedule, or says which field keeps it from being
// built.
func (s *Scenario) schedule() (*workload.Schedule, *problem) {
	if s.Users > 0 {
		return s.closedSchedule()
	}
	sc := &workload.Schedule{}
	var rng *rand.Rand
	if s.Arrival == ArrivalPoisson {
		rng = workload.Rand(s.Seed, workload.StreamArrivals)
	}
	if len(s.Stages) > 0 {
		// One past the most a scenario may send, to say it sends too many.
		sc.Send, sc.Steps = workload.Stages(s.stages(), rng, maxRequests+1)
		for _, g := range s.Stages {
			sc.Span += time.Duration(g.Duration)
		}
		if len(sc.Send) == 0 {
			return nil, problemf("stages", "add up to no requests: every stage's rate is 0")
		}
	} else {
		interval := s.interval()
		if rng != nil {
			sc.Send = workload.Poisson(s.Requests, interval, rng)
		} else {
			sc.Send = workload.Constant(s.Requests, interval)
		}
		sc.Span = time.Duration(s.Requests) * interval
	}
	if n := len(sc.Send) + s.burstRequests(); n > maxRequests {
		if len(s.Stages) == 0 {
			return nil, problemf("bursts", "add up to more than %d requests with the rest", maxRequests)
		}
		return nil, problemf("stages", "add up to more than %d requests, bursts included", maxRequests)
	}
	bursts := make([]workload.Burst, len(s.Bursts))
	for i, b := range s.Bursts {
		bursts[i] = workload.Burst{At: time.Duration(b.At), Requests: b.Requests}
		sc.Span = max(sc.Span, time.Duration(b.At))
	}
	sc.Send = workload.WithBursts(sc.Send, bursts)
	return sc, s.drawWork(sc)
}

// drawWork draws every request's sleep and CPU work.
func (s *Scenario) drawWork(sc *workload.Schedule) *problem {
	for _, w := range []struct {
		kind   string
		work   *Work
		stream workload.Stream
		out    *[]time.Duration
	}{{"sleep", &s.Sleep, workload.StreamSleep, &sc.Sleep}, {"cpu", &s.CPU, workload.StreamCPU, &sc.CPU}} {
		d, p := w.work.dist(w.kind)
		if p != nil {
			return p
		}
		*w.out = workload.Draw(d, sc.Len(), workload.Rand(s.Seed, w.stream))
	}
	return nil
}

// interval is the time between two requests at Rate, 1/Rate, to the
// nanosecond.
func (s *Scenario) interval() time.Duration {
	if !(s.Rate > 0) {
		return 0
	}
	d, ok := scaleNanos(float64(time.Second), 1/s.Rate)
	if !ok {
		return math.MaxInt64
	}
	return d
}

// stages are the scenario's stages as the workload package takes them.
func (s *Scenario) stages() []workload.Stage {
	out := make([]workload.Stage, len(s.Stages))
	from := 0.0
	for i, g := range s.Stages {
		to := from
		switch {
		case g.Rate != nil:
			from, to = *g.Rate, *g.Rate
		case g.Target != nil:
			to = *g.Target
		}
		out[i] = workload.Stage{Duration: time.Duration(g.Duration), From: from, To: to}
		from = to
	}
	return out
}

// burstRequests is the requests of every burst.
func (s *Scenario) burstRequests() int {
	n := 0
	for _, b := range s.Bursts {
		n += b.Requests
	}
	return n
}

// checkTraffic validates the arrival fields: arrival, stages and bursts.
func (s *Scenario) checkTraffic() *problem {
	switch s.Arrival {
	case ArrivalConstant, ArrivalPoisson:
	default:
		return problemf("arrival", "unknown arrival process %s; valid: %s, %s", quote(s.Arrival), ArrivalConstant, ArrivalPoisson)
	}
	for i, g := range s.Stages {
		at := fmt.Sprintf("stages[%d]", i)
		if g.Duration <= 0 || g.Duration > maxWork {
			return problemf(at+".duration", "must be > 0 and <= %v, got %v", maxWork, g.Duration)
		}
		switch {
		case g.Rate != nil && g.Target != nil:
			return problemf(at+".target", "cannot be combined with rate: a stage is a step (rate) or a ramp (target)")
		case g.Rate == nil && g.Target == nil:
			return problemf(at+".rate", "required: a step's rate, or a ramp's target")
		case g.Rate != nil && (!(*g.Rate > 0) || *g.Rate > maxRate):
			return problemf(at+".rate", "must be > 0 and <= %s (requests per second), got %s", formatFloat(maxRate), formatFloat(*g.Rate))
		case g.Target != nil && (!(*g.Target >= 0) || *g.Target > maxRate):
			return problemf(at+".target", "must be >= 0 and <= %s (requests per second), got %s", formatFloat(maxRate), formatFloat(*g.Target))
		}
	}
	var total time.Duration
	for _, g := range s.Stages {
		if total += time.Duration(g.Duration); total > time.Duration(maxWork) {
			return problemf("stages", "last longer than %v in all", maxWork)
		}
	}
	for i, b := range s.Bursts {
		at := fmt.Sprintf("bursts[%d]", i)
		switch {
		case b.At < 0 || b.At > maxWork:
			return problemf(at+".at", "must be >= 0 and <= %v, got %v", maxWork, b.At)
		case b.Requests < 1 || b.Requests > maxRequests:
			return problemf(at+".requests", "must be >= 1 and <= %d, got %d", maxRequests, b.Requests)
		}
	}
	return nil
}

// checkDraws checks every drawn work against max_sleep.
func (s *Scenario) checkDraws(sc *workload.Schedule) *problem {
	for _, w := range []struct {
		path  string
		work  *Work
		draws []time.Duration
	}{{"sleep", &s.Sleep, sc.Sleep}, {"cpu", &s.CPU, sc.CPU}} {
		for i, d := range w.draws {
			switch {
			case Duration(d) <= s.MaxSleep:
			case w.work.Drawn():
				return problemf(w.path, "request %d draws %v, above max_sleep (%v): raise max_sleep or narrow the distribution",
					i, d, s.MaxSleep)
			default:
				return problemf("max_sleep", "must be >= %s (%v), got %v", w.path, d, s.MaxSleep)
			}
		}
	}
	return nil
}

// Traffic says in words what each target is sent: "1000 requests at 2/s
// (one every 500ms)", "1000 requests, Poisson at 2/s (a gap of 500ms on
// average)", "4500 requests in 3 stages over 2m0s", each with ", plus a
// burst of 200 at 30s".
func (s *Scenario) Traffic(sc *workload.Schedule) string {
	var b strings.Builder
	switch {
	case s.Users > 0:
		return s.usersText()
	case len(s.Stages) > 0:
		kind := ""
		if s.Arrival == ArrivalPoisson {
			kind = "Poisson "
		}
		fmt.Fprintf(&b, "%d requests in %d %sstages over %v", sc.Len()-s.burstRequests(), len(s.Stages), kind, sc.Span)
	case s.Arrival == ArrivalPoisson:
		fmt.Fprintf(&b, "%d requests, Poisson at %g/s (a gap of %v on average)", s.Requests, s.Rate, s.interval())
	default:
		fmt.Fprintf(&b, "%d requests at %g/s (one every %v)", s.Requests, s.Rate, s.interval())
	}
	for i, burst := range s.Bursts {
		sep := ", plus bursts of "
		if len(s.Bursts) == 1 {
			sep = ", plus a burst of "
		} else if i > 0 {
			sep = ", "
		}
		fmt.Fprintf(&b, "%s%d at %v", sep, burst.Requests, burst.At)
	}
	return b.String()
}

// WorkText says in words what each request asks of the handler:
// "800ms of sleep", "lognormal, median 10ms, p99 1s of sleep and 5ms of
// CPU".
func (s *Scenario) WorkText() string {
	text := s.Sleep.String() + " of sleep"
	if s.CPU.Drawn() || s.CPU.Fixed > 0 {
		text += " and " + s.CPU.String() + " of CPU"
	}
	return text
}

// AtRate returns a deep copy of s that offers rate requests per second
// over the same sending span: Requests grows or shrinks with the rate
// (rounded, at least 1), so that every rate of a sweep runs as long. Its
// bursts stay where they are. A staged scenario has no single rate.
func (s *Scenario) AtRate(rate float64) (*Scenario, error) {
	if len(s.Stages) > 0 {
		return nil, fmt.Errorf("scenario %s: its stages set the rate; a sweep needs requests and rate", s.Name)
	}
	if s.Users > 0 {
		return nil, fmt.Errorf("scenario %s: its users set the load; a sweep needs requests and rate", s.Name)
	}
	c := s.clone()
	c.Rate = rate
	if n := float64(s.Requests) * rate / s.Rate; n < maxRequests+1 {
		c.Requests = max(1, int(math.Round(n)))
	} else {
		c.Requests = maxRequests + 1 // refused below, as requests
	}
	if p := c.validate(); p != nil {
		return nil, fmt.Errorf("rate %s: %s: %s", formatFloat(rate), p.path, p.msg)
	}
	return c, nil
}
