package verdict

import (
	"cmp"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// stormMember is a waiter refused at a turn: when it reached the gate,
// became hopeless (its deadline less its work) and its goroutine ran, on
// the schedule's clock.
type stormMember struct {
	arrived, hopeless, ran time.Duration
	answered               bool // its 503 reached its client
}

// refusalStorms are the run's turns of releases that refused waiters as
// hopeless (predict.RefusalStorm): each refusal as the server timed it,
// and each waiter whose client gave up before its goroutine ran as the
// server timed the end of its way (Measured.Left, from its passages). A
// waiter counts as refused at the turn of the latest work end before its
// goroutine ran, provided it was hopeless by then; one that timed out
// counts only between the first and the last refused waiter of that turn
// in the queue's order, where it was refused with them. Without works
// timed by the server, or a client timeout, there are none.
func refusalStorms(measured []Measured, work func(seq int) time.Duration, timeout time.Duration) []predict.RefusalStorm {
	ends := workEnds(measured)
	if timeout <= 0 || len(ends) == 0 {
		return nil
	}
	turnOf := turns(ends)
	byTurn := map[int][]stormMember{}
	for _, m := range measured {
		if m.ToGate <= 0 {
			continue
		}
		mb := stormMember{arrived: m.SentAt() + m.ToGate, hopeless: m.SentAt() + timeout - work(m.Seq)}
		var until time.Duration
		switch {
		case m.Outcome == outcome.HTTP503 && !m.Refused.IsZero() && m.Decided > 0:
			mb.ran, mb.answered = mb.arrived+m.Decided, true
			until = mb.ran
		case m.Outcome == outcome.Timeout && m.Left > timeout:
			mb.ran = m.SentAt() + m.Left
			until = m.SentAt() + timeout
		default:
			continue
		}
		k, found := slices.BinarySearch(ends, until+1)
		if !found {
			k--
		}
		if k < 0 || ends[k] < mb.hopeless {
			continue
		}
		byTurn[turnOf[k]] = append(byTurn[turnOf[k]], mb)
	}
	var storms []predict.RefusalStorm
	for first, members := range byTurn {
		if s, ok := stormOf(ends, turnOf, first, members); ok {
			storms = append(storms, s)
		}
	}
	slices.SortFunc(storms, func(a, b predict.RefusalStorm) int { return cmp.Compare(a.At, b.At) })
	return storms
}

// turns gives each of ends (ascending) the index of the first end of its
// turn: ends no more than predict.StormJoin apart are one turn, as a
// replica cuts its turns.
func turns(ends []time.Duration) []int {
	out := make([]int, len(ends))
	for i := 1; i < len(ends); i++ {
		out[i] = i
		if ends[i]-ends[i-1] <= predict.StormJoin {
			out[i] = out[i-1]
		}
	}
	return out
}

// stormOf is the storm of the turn whose first end is ends[first], of its
// members: it starts at the turn's first end at which one of them was
// hopeless, and ranks them in the queue's order, which is the order its
// releases readied them. A turn without an answered refusal is none.
func stormOf(ends []time.Duration, turnOf []int, first int, members []stormMember) (predict.RefusalStorm, bool) {
	lo, hi, soonest := time.Duration(-1), time.Duration(-1), members[0].hopeless
	for _, mb := range members {
		soonest = min(soonest, mb.hopeless)
		if mb.answered {
			if lo < 0 || mb.arrived < lo {
				lo = mb.arrived
			}
			hi = max(hi, mb.arrived)
		}
	}
	if lo < 0 {
		return predict.RefusalStorm{}, false
	}
	at := ends[first]
	for k := first; k < len(ends) && turnOf[k] == first; k++ {
		if ends[k] >= soonest {
			at = ends[k]
			break
		}
	}
	members = slices.DeleteFunc(members, func(mb stormMember) bool {
		return !mb.answered && (mb.arrived < lo || mb.arrived > hi)
	})
	slices.SortFunc(members, func(a, b stormMember) int { return cmp.Compare(a.arrived, b.arrived) })
	s := predict.RefusalStorm{At: at, Delays: make([]time.Duration, len(members))}
	for i, mb := range members {
		s.Delays[i] = max(0, mb.ran-at)
	}
	return s, true
}
