package predict

import (
	"fmt"
	"time"
)

// gauges is the state that a Point reports.
type gauges struct {
	inflight, queued, acceptQueue, connections, clientInflight, synPending int
	// synQueue is the request sockets the listener holds: connections in
	// limbo, which only replicas with the timer wheel have.
	synQueue int
}

// snapshot is the state after every event at or before t.
type snapshot struct {
	t time.Duration
	g gauges
}

func (e *engine) gauges() gauges {
	return gauges{e.inflight, e.queued, e.aq.len() + e.reading, e.connections, e.clientInflight, e.synPending, e.requestSockets()}
}

// observe folds the state after an event into the peaks and records it for
// the series (collapsing events at the same instant and events that changed
// nothing).
func (e *engine) observe() {
	g := e.gauges()
	p := &e.peak
	p.Inflight = max(p.Inflight, g.inflight)
	p.Queued = max(p.Queued, g.queued)
	p.AcceptQueue = max(p.AcceptQueue, g.acceptQueue)
	p.Connections = max(p.Connections, g.connections)
	p.ClientInflight = max(p.ClientInflight, g.clientInflight)
	p.SynPending = max(p.SynPending, g.synPending)
	p.SynQueue = max(p.SynQueue, g.synQueue)

	if n := len(e.snaps); n > 0 {
		last := &e.snaps[n-1]
		if last.g == g {
			return
		}
		if last.t == e.now {
			last.g = g
			return
		}
	}
	e.snaps = append(e.snaps, snapshot{e.now, g})
}

// series samples the recorded states at T = 0, step, 2·step, … up to and
// including the first step at or after the last change of a gauge: End, or
// later where work outlived its client. Each point is the state after
// every event at or before T. Events after that (pool keep-alive
// expiries) change no gauge of a Point.
func (e *engine) series() ([]Point, error) {
	end := e.gaugesEnd()
	k := end / e.step
	if k*e.step < end {
		k++
	}
	if k >= maxSeriesPoints {
		return nil, fmt.Errorf("predict: Step: %v gives more than %d series points up to %v; use a larger step", e.step, maxSeriesPoints, end)
	}
	out := make([]Point, 0, k+1)
	var g gauges
	j := 0
	for i := time.Duration(0); i <= k; i++ {
		t := i * e.step
		for j < len(e.snaps) && e.snaps[j].t <= t {
			g = e.snaps[j].g
			j++
		}
		out = append(out, Point{
			T:              t,
			Inflight:       g.inflight,
			Queued:         g.queued,
			AcceptQueue:    g.acceptQueue,
			Connections:    g.connections,
			ClientInflight: g.clientInflight,
			SynPending:     g.synPending,
			SynQueue:       g.synQueue,
		})
	}
	return out, nil
}

// seen is, for each gauge, the highest value that it holds for at least a
// whole period: a sampler that looks once per period is sure to see at
// least that much, while a higher peak that lasts less may fall between
// two looks. Peak minus Seen is what sampling can miss. With reads (the
// run's own reads of the server's gauges, Input.Reads), a server gauge's
// is also at most what it held through a whole read, the least of the
// two: a read that came late or took long saw less than a look every
// period would have.
func (e *engine) seen(period time.Duration, reads []Span) Peak {
	n := len(e.snaps)
	b := e.bufs
	b.seenTimes, b.seenColumn = reuse(b.seenTimes, n), reuse(b.seenColumn, n)
	times, column := b.seenTimes, b.seenColumn
	for i := range e.snaps {
		times[i] = e.snaps[i].t
	}
	held := func(field func(*gauges) int) int {
		for i := range e.snaps {
			column[i] = field(&e.snaps[i].g)
		}
		var m int
		m, b.seenWindow = heldFor(times, column, period, b.seenWindow[:0])
		return m
	}
	read := func(field func(*gauges) int) int {
		m := held(field)
		if reads != nil {
			m = min(m, heldThrough(times, column, reads))
		}
		return m
	}
	return Peak{
		Inflight:       read(func(g *gauges) int { return g.inflight }),
		Queued:         read(func(g *gauges) int { return g.queued }),
		AcceptQueue:    read(func(g *gauges) int { return g.acceptQueue }),
		Connections:    read(func(g *gauges) int { return g.connections }),
		ClientInflight: held(func(g *gauges) int { return g.clientInflight }),
		SynPending:     held(func(g *gauges) int { return g.synPending }),
		SynQueue:       held(func(g *gauges) int { return g.synQueue }),
	}
}

// heldThrough is the largest m such that a gauge (values, each from its
// time on, 0 before the first) stays at m or more through some whole read
// of reads (ascending by From): a sampler that read it once within each
// is sure to see at least that much.
func heldThrough(times []time.Duration, values []int, reads []Span) int {
	best := 0
	j := -1 // the last value in effect at the read's start
	for _, r := range reads {
		for j+1 < len(times) && times[j+1] <= r.From {
			j++
		}
		least := 0
		if j >= 0 {
			least = values[j]
		}
		for k := j + 1; k < len(times) && times[k] <= r.To; k++ {
			least = min(least, values[k])
		}
		best = max(best, least)
	}
	return best
}

// heldFor is the largest m such that a gauge (values, each from its time
// on) stays at m or more for a whole period: the maximum, over windows
// [t, t+period), of the gauge's minimum in the window. The best window
// starts where a value starts, so a monotonic queue of values over a
// sliding window finds it in one pass. The last value lasts for ever.
//
// window is scratch space, returned grown for the next call.
func heldFor(times []time.Duration, values []int, period time.Duration, window []int) (int, []int) {
	best := 0
	window = window[:0] // indexes into values, increasing values
	head, j := 0, 0
	for i := range values {
		// Grow the window to every value that starts before times[i]+period.
		for ; j < len(values) && times[j] < times[i]+period; j++ {
			for len(window) > head && values[window[len(window)-1]] >= values[j] {
				window = window[:len(window)-1]
			}
			window = append(window, j)
		}
		for window[head] < i {
			head++
		}
		best = max(best, values[window[head]])
	}
	return best, window
}

// gaugesEnd is when the last gauge of a Point changed: the last request's
// end for its client, or the end of work that outlived its client. The
// SYN queue alone may change later: a ghost's request socket can outlive
// every request, and the series and band end with it still held.
func (e *engine) gaugesEnd() time.Duration { return max(e.lastEnd, e.workOutlivedUntil) }
