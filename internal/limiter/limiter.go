// Package limiter holds the adaptive concurrency limits of the adaptive
// model, written from Netflix's concurrency-limits (AIMDLimit and
// Gradient2Limit) as its documentation and code describe them. labserver
// runs them, and the simulation runs the very same code on the same
// samples, so that both find the same limit.
package limiter

import (
	"math"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// The limiters, the values of the adaptive model's --limiter.
const (
	AIMD      = catalog.LimiterAIMD
	Gradient2 = catalog.LimiterGradient2
)

// Limiter is a concurrency limit that learns from each request's round
// trip.
type Limiter interface {
	// Limit is the number of requests that may run at once now.
	Limit() int
	// Update takes one request's sample: its round trip, how many
	// requests were running when it was admitted (itself included), and
	// whether it was dropped (its client left before the end).
	Update(rtt time.Duration, inflight int, dropped bool)
}

// New makes the named limiter, starting at initial and kept within
// [min, max]; nil for an unknown name.
func New(name string, initial, min, max int) Limiter {
	switch name {
	case AIMD:
		return &aimd{limit: initial, min: min, max: max}
	case Gradient2:
		return &gradient2{estimate: float64(initial), min: float64(min), max: float64(max),
			long: expAvg{window: 600, warmup: 10}}
	}
	return nil
}

// aimd grows the limit by one for each sample that used at least half
// of it, and cuts it by a tenth (rounding down) for a drop or a round
// trip above five seconds: AIMDLimit with its defaults.
type aimd struct {
	limit, min, max int
}

// aimdTimeout is AIMDLimit's default: a round trip above it counts as a
// drop.
const aimdTimeout = 5 * time.Second

// aimdBackoff is AIMDLimit's default backoff ratio.
const aimdBackoff = 0.9

func (a *aimd) Limit() int { return a.limit }

func (a *aimd) Update(rtt time.Duration, inflight int, dropped bool) {
	switch {
	case dropped || rtt > aimdTimeout:
		a.limit = int(float64(a.limit) * aimdBackoff)
	case inflight*2 >= a.limit:
		a.limit++
	}
	a.limit = min(a.max, max(a.min, a.limit))
}

// gradient2 follows the ratio of a long-term average round trip to the
// last one: Gradient2Limit with its defaults (a tolerance of 1.5, a
// smoothing of 0.2, a queue of 4, a long window of 600 samples).
type gradient2 struct {
	estimate, min, max float64
	long               expAvg
}

func (g *gradient2) Limit() int { return int(g.estimate) }

func (g *gradient2) Update(rtt time.Duration, inflight int, _ bool) {
	const tolerance, smoothing, queue = 1.5, 0.2, 4.0
	short := rtt.Seconds()
	if short <= 0 {
		return
	}
	long := g.long.add(short)
	// A long average far above the last round trip is brought down at
	// once, so that the limit recovers after a spell of overload.
	if long/short > 2 {
		g.long.value *= 0.95
	}
	// Not limited by the limit: it tells nothing of the right one.
	if float64(inflight) < g.estimate/2 {
		return
	}
	gradient := math.Max(0.5, math.Min(1.0, tolerance*long/short))
	next := g.estimate*gradient + queue
	next = g.estimate*(1-smoothing) + next*smoothing
	g.estimate = math.Max(g.min, math.Min(g.max, next))
}

// expAvg is an exponential average over window samples, a plain mean over
// the first warmup.
type expAvg struct {
	window, warmup, count int
	sum, value            float64
}

func (m *expAvg) add(v float64) float64 {
	if m.count < m.warmup {
		m.count++
		m.sum += v
		m.value = m.sum / float64(m.count)
		return m.value
	}
	f := 2 / float64(m.window+1)
	m.value = m.value*(1-f) + v*f
	return m.value
}
