package verdict

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// callerSlot is where a pool's caller-runs policy runs the work: on the
// caller's own goroutine, many at once, so no slot is handed over.
const callerSlot = "caller"

// HandOverTimes are how long the run's hand-overs of a freed slot or
// worker to a request already waiting for it took, as the servers'
// replies timed them: from one request's end to the next one's start on
// the same slot.
type HandOverTimes struct {
	// Alone are the hand-overs with no refusal decided between that end
	// and that start; nil without such pairs.
	Alone []time.Duration
	// AloneAt is, for each of Alone, in its order, when on the schedule's
	// clock that end came, as workEnds places it; Alone is then in
	// ascending order of it. nil, and Alone ascending, unless the run
	// timed every such end's request at the gate.
	AloneAt []time.Duration
	// PerRefusal is how much longer a hand-over took for each refusal
	// decided between them: a deadline queue refuses its hopeless waiters
	// at the release that then hands the slot on, and their goroutines
	// write their 503s before the handed one starts. It is those
	// hand-overs' total excess over the mean of Alone, divided by their
	// total refusals; 0 without such hand-overs.
	PerRefusal time.Duration
	// AfterRefusals are the hand-overs with refusals decided between that
	// end and that start, by how many.
	AfterRefusals map[int][]time.Duration
}

// slotWork is a request's work w on a slot: its answered work (Served),
// or, stopped, the one its client left during (Stopped).
type slotWork struct {
	m       Measured
	w       *Served
	stopped bool
}

// HandOvers measures the run's hand-overs. A pair of requests on one slot
// is a hand-over when the second had reached the gate before the first
// ended and, where the replies count the slot's turns, came right after it:
// a request between them whose client left first (its answer lost) would
// otherwise make its whole work look like a hand-over. A hand-over to a
// work whose client left during it counts as well, where the server's
// passage said where it ran (Measured.Stopped): a hand-over slow enough
// that the handed work then ends past its client's deadline is one of
// those, and leaving them out kept a run's slowest hand-overs from the
// replicas. In a burst-after-deploy run (2026-12-07, 16:47 UTC), the
// hand-overs after a release that refused 53 waiters took 3.1 to 3.2 ms,
// and the four works handed the slots all ended past their clients'
// deadlines; the hand-overs to answered works after 29 to 46 refusals
// took 0.7 ms. A hand-over from such a work does not count. In the
// ramp's semaphore-4 they outnumber the others two to one and are
// shorter (a median 0.09 against 0.13 ms, timed from the passages'
// ended), and with them the replicas missed one of two ramps, and one of
// three earlier, where without them they did not (docs/traffic.md).
func HandOvers(measured []Measured) HandOverTimes {
	bySlot := map[string][]slotWork{}
	var refusals []time.Time
	for _, m := range measured {
		for _, w := range []slotWork{{m: m, w: m.Served}, {m: m, w: m.Stopped, stopped: true}} {
			if w.w != nil && w.w.Slot != "" && w.w.Slot != callerSlot {
				bySlot[w.w.Slot] = append(bySlot[w.w.Slot], w)
			}
		}
		if !m.Refused.IsZero() {
			refusals = append(refusals, m.Refused)
		}
	}
	slices.SortFunc(refusals, time.Time.Compare)
	between := func(from, to time.Time) int {
		lo := sort.Search(len(refusals), func(i int) bool { return !refusals[i].Before(from) })
		hi := sort.Search(len(refusals), func(i int) bool { return refusals[i].After(to) })
		return hi - lo
	}
	out := HandOverTimes{AfterRefusals: map[int][]time.Duration{}}
	var aloneTimed []timed
	allTimed := true
	for _, held := range bySlot {
		slices.SortFunc(held, func(a, b slotWork) int { return a.w.Start.Compare(b.w.Start) })
		for i := 1; i < len(held); i++ {
			if held[i-1].stopped {
				continue // from a work whose client left
			}
			prev, next := held[i-1].w, held[i].w
			if !next.Arrived.Before(prev.End) || next.Start.Before(prev.End) ||
				(prev.Turn > 0 && next.Turn > 0 && next.Turn != prev.Turn+1) {
				continue
			}
			took := next.Start.Sub(prev.End)
			if k := between(prev.End, next.Start); k > 0 {
				out.AfterRefusals[k] = append(out.AfterRefusals[k], took)
				continue
			}
			at, ok := endAt(held[i-1].m, prev)
			allTimed = allTimed && ok
			aloneTimed = append(aloneTimed, timed{at: at, d: took})
		}
	}
	// Sorted whole, so that a map's order does not reach the seeded draws.
	slices.SortFunc(aloneTimed, func(a, b timed) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.d, b.d)) })
	for _, h := range aloneTimed {
		out.Alone = append(out.Alone, h.d)
		if allTimed {
			out.AloneAt = append(out.AloneAt, h.at)
		}
	}
	if !allTimed {
		slices.Sort(out.Alone)
	}
	if len(out.AfterRefusals) == 0 {
		out.AfterRefusals = nil
		return out
	}
	var alone, excess time.Duration
	for _, d := range out.Alone {
		alone += d
	}
	if len(out.Alone) > 0 {
		alone /= time.Duration(len(out.Alone))
	}
	total := 0
	for k, took := range out.AfterRefusals {
		slices.Sort(took) // a map's order must not reach the seeded draws
		for _, d := range took {
			excess += d - alone
		}
		total += k * len(took)
	}
	out.PerRefusal = max(0, excess/time.Duration(total))
	return out
}
