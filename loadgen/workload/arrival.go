package workload

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Stream names one random part of a scenario: each draws from its own
// stream of the seed.
type Stream uint64

// The streams of a scenario's seed.
const (
	StreamArrivals Stream = iota + 1
	StreamSleep
	StreamCPU
)

// Rand is the generator of stream s of seed.
func Rand(seed uint64, s Stream) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(s)))
}

// Constant is n sends, interval apart, the first at 0: today's schedule,
// exact to the nanosecond.
func Constant(n int, interval time.Duration) []time.Duration {
	send := make([]time.Duration, n)
	for i := range send {
		send[i] = time.Duration(i) * interval
	}
	return send
}

// Poisson is n sends whose gaps are exponential with mean interval, the
// first at 0, drawn from rng.
func Poisson(n int, interval time.Duration, rng *rand.Rand) []time.Duration {
	send := make([]time.Duration, n)
	at := 0.0
	for i := range send {
		if i > 0 {
			at += rng.ExpFloat64() * float64(interval)
		}
		send[i] = nanos(at)
	}
	return send
}

// Stage is one stretch of a schedule whose rate goes linearly from From
// to To requests per second over Duration: a step when they are equal, a
// ramp otherwise.
type Stage struct {
	Duration time.Duration
	From, To float64
}

// expected is the expected count of arrivals in the first t of the stage:
// the integral of its rate.
func (g Stage) expected(t float64) float64 {
	d := g.Duration.Seconds()
	return g.From*t + (g.To-g.From)*t*t/(2*d)
}

// at is the offset into the stage, in seconds, at which the expected count
// of arrivals reaches u (0 <= u <= expected(Duration)): the root of
// a·t² + From·t = u, with a = (To-From)/(2·Duration), written in the form
// that stays exact as a goes to 0.
func (g Stage) at(u float64) float64 {
	if u <= 0 {
		return 0
	}
	a := (g.To - g.From) / (2 * g.Duration.Seconds())
	disc := math.Max(0, g.From*g.From+4*a*u)
	return 2 * u / (g.From + math.Sqrt(disc))
}

// Stages places requests on stages that follow each other from 0: request
// k is sent when the expected count of arrivals reaches k (rng nil) or
// reaches the k-th point of a unit-rate Poisson process drawn from rng,
// whose first point is at 0. The requests whose point falls at or past
// the stages' end are not sent, and none past the first limit. It returns
// the sends and each stage's window.
func Stages(stages []Stage, rng *rand.Rand, limit int) ([]time.Duration, []Step) {
	var send []time.Duration
	steps := make([]Step, len(stages))
	var start time.Duration
	total, next := 0.0, 0.0 // expected count before this stage; the next request's point
	for i, g := range stages {
		steps[i] = Step{Start: start, End: start + g.Duration, From: g.From, To: g.To}
		first := len(send)
		in := g.expected(g.Duration.Seconds())
		// A point that rounding puts a hair below the stage's end is at
		// its end, and belongs to the next stage.
		end := total + in - 1e-9*math.Max(1, total+in)
		for next < end && len(send) < limit {
			send = append(send, start+nanos(g.at(next-total)*float64(time.Second)))
			next = nextPoint(next, rng)
		}
		steps[i].Requests = len(send) - first
		total += in
		start += g.Duration
	}
	return send, steps
}

// nextPoint is the point after u: one further on, or an exponential gap
// drawn from rng.
func nextPoint(u float64, rng *rand.Rand) float64 {
	if rng == nil {
		return u + 1
	}
	return u + rng.ExpFloat64()
}

// Burst is Requests requests sent all at once, At after the start.
type Burst struct {
	At       time.Duration
	Requests int
}

// WithBursts adds the bursts' requests to send, keeping it in order: a
// burst's requests come after the sends due at the same instant.
func WithBursts(send []time.Duration, bursts []Burst) []time.Duration {
	for _, b := range bursts {
		i, _ := slices.BinarySearch(send, b.At+1)
		send = slices.Insert(send, i, slices.Repeat([]time.Duration{b.At}, b.Requests)...)
	}
	return send
}

// nanos rounds a count of nanoseconds to a time.Duration.
func nanos(ns float64) time.Duration { return time.Duration(math.Round(ns)) }
