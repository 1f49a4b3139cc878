package verdict

import (
	"slices"
	"time"
)

// WakeCut is how soon after the server woke for another request a sleep
// that had come due ended, when that wake is what ended it (cutByWake). A
// Go server whose goroutines all wait sleeps in epoll_wait to a
// millisecond's resolution: a sleep's own timer fires up to a millisecond
// after it comes due. A connection's accept, or a request's read, wakes
// the runtime sooner, and the runtime then fires every timer that is due.
// In a ramp run (2026-12-06), 84 of fasthttp-4's accepts came in the
// 100 µs before some sleep's end and 1 in the 100 µs after one, and 78 of
// its 1,650 sleeps ended within WakeCut after another connection's
// accept.
const WakeCut = 150 * time.Microsecond

// wakeAt is a moment the server woke for request seq: its accept, its
// arrival at the gate or its refusal, on the server's clock.
type wakeAt struct {
	t   time.Time
	seq int
}

// serverWakes are the moments the server timed of each request, in order:
// the ok requests' accepts and arrivals, and labserver's refusals.
// fasthttp refuses a connection without reading it, so its refusals are
// not among them.
func serverWakes(measured []Measured) []wakeAt {
	var wakes []wakeAt
	add := func(t time.Time, seq int) {
		if !t.IsZero() {
			wakes = append(wakes, wakeAt{t, seq})
		}
	}
	for _, m := range measured {
		add(m.Refused, m.Seq)
		if s := m.Served; s != nil {
			add(s.Accepted, m.Seq)
			add(s.Arrived, m.Seq)
		}
	}
	slices.SortFunc(wakes, func(a, b wakeAt) int { return a.t.Compare(b.t) })
	return wakes
}

// cutByWake reports whether the sleep of request seq, due at due and ended
// at end, ended within WakeCut after another request woke the server.
func cutByWake(wakes []wakeAt, seq int, due, end time.Time) bool {
	from := end.Add(-WakeCut)
	if due.After(from) {
		from = due
	}
	i, _ := slices.BinarySearchFunc(wakes, from, func(w wakeAt, t time.Time) int { return w.t.Compare(t) })
	for ; i < len(wakes) && !wakes[i].t.After(end); i++ {
		if wakes[i].seq != seq {
			return true
		}
	}
	return false
}

// sleepSpan is one sleep as the server timed it: when it came due and
// when it ended.
type sleepSpan struct{ due, end time.Time }

// rodeWake reports whether sleep x ended at the wake of another sleep of
// sleeps (ascending by end) that came due before it: one that ended
// within WakeCut of x's end, after x came due. The Go runtime arms one
// wake, for its earliest timer, and fires every due timer when it comes.
func rodeWake(sleeps []sleepSpan, x sleepSpan) bool {
	i, _ := slices.BinarySearchFunc(sleeps, x.end.Add(-WakeCut), func(s sleepSpan, t time.Time) int { return s.end.Compare(t) })
	for ; i < len(sleeps) && !sleeps[i].end.After(x.end.Add(WakeCut)); i++ {
		if o := sleeps[i]; o.due.Before(x.due) && !o.end.Before(x.due) {
			return true
		}
	}
	return false
}

// sleepWake is one wake of the server's runtime for its sleeps, as the
// server timed them: the first end of a sleep after some came due, and the
// sleeps that came due for it, in the order they ended. The sleep that
// ended at it (at) may have come due for an earlier wake.
type sleepWake struct {
	at      time.Time
	atSeq   int
	members []timedWork
}

// sleepWakes groups the works that are samples of a wake's lateness (the
// run's sleeps that ran to their timers) by their wake: the first end of
// any of them at or after it came due. The runtime fires every due timer
// then, and the goroutines of the sleeps it fired run one after another,
// each ending its sleep in turn.
func sleepWakes(works []timedWork) []sleepWake {
	var sleeps []timedWork
	for _, w := range works {
		if w.sample {
			sleeps = append(sleeps, w)
		}
	}
	slices.SortFunc(sleeps, func(a, b timedWork) int { return a.end.Compare(b.end) })
	var out []sleepWake
	for _, g := range groupByWake(sleeps, func(s, w timedWork) int { return s.end.Compare(w.due) }) {
		out = append(out, sleepWake{at: sleeps[g.at].end, atSeq: sleeps[g.at].seq, members: g.members})
	}
	return out
}

// wakeGroup is one wake of timers: the index of the end that stands for
// it, and the timers it fired, in the order they ended.
type wakeGroup[T any] struct {
	at      int
	members []T
}

// groupByWake groups xs, ascending by when each ended, by the runtime's
// wake that fired them: the first end of any of them at or after each
// came due. endVsDue compares one's end with another's due.
func groupByWake[T any](xs []T, endVsDue func(end, due T) int) []wakeGroup[T] {
	byEnd := make([][]T, len(xs)) // by the index of the wake's end
	for _, x := range xs {
		i, _ := slices.BinarySearchFunc(xs, x, endVsDue)
		byEnd[i] = append(byEnd[i], x)
	}
	var out []wakeGroup[T]
	for i, members := range byEnd {
		if len(members) > 0 {
			out = append(out, wakeGroup[T]{at: i, members: members})
		}
	}
	return out
}

// wakeStaggers are, for each sleep of a wake but the one that ended at it,
// how much later than the previous sleep of that wake it ended, each at
// when that wake came on the schedule's clock. A wake none of whose sleeps
// has a known schedule time gives none.
func wakeStaggers(wakes []sleepWake) []timed {
	var out []timed
	for _, wk := range wakes {
		k := slices.IndexFunc(wk.members, func(w timedWork) bool { return w.atKnown })
		if k < 0 {
			continue
		}
		at := wk.members[k].at + wk.at.Sub(wk.members[k].due)
		prev := wk.at
		for _, w := range wk.members {
			if w.seq == wk.atSeq {
				continue
			}
			out = append(out, timed{at: at, d: w.end.Sub(prev)})
			prev = w.end
		}
	}
	return out
}
