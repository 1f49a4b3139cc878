package verdict

import (
	"cmp"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// stormMember is a waiter refused at a turn: when it reached the gate,
// when the release that refused it came, and when its goroutine ran, on
// the schedule's clock.
type stormMember struct {
	arrived, release, ran time.Duration
	answered              bool // its 503 reached its client
}

// refusalStorms are the run's turns of releases that refused waiters as
// hopeless (predict.RefusalStorm): each refusal as the server timed it,
// and each waiter that timed out as the server timed the end of its way
// (Measured.Left, from its passages): its client gave up before its
// goroutine ran, or did not read its 503 in time. A waiter counts as
// refused at the release refusingRelease finds before its goroutine ran
// (or its client gave up), one at which it was hopeless; one that timed
// out counts only between the first and the last refused waiter of its
// storm in the queue's order, where it was refused with them. A storm starts at its
// first refusing release and takes the refusing releases of the next
// predict.StormJoin, as a replica's turn does. With a client timeout and
// works timed by the server, a run without refusals has no storms (an
// empty slice: a replica's refusals then take predict.Spread.PerRefusal
// each); without them, nil. ends are the releases (releases).
func refusalStorms(measured []Measured, ends []time.Duration, work func(seq int) time.Duration, timeout time.Duration) []predict.RefusalStorm {
	if timeout <= 0 || len(ends) == 0 {
		return nil
	}
	var members []stormMember
	for _, m := range measured {
		if m.ToGate <= 0 {
			continue
		}
		mb := stormMember{arrived: m.SentAt() + m.ToGate}
		hopeless := m.SentAt() + timeout - work(m.Seq)
		var until time.Duration
		switch {
		case m.Outcome == outcome.HTTP503 && !m.Refused.IsZero() && m.Decided > 0:
			mb.ran, mb.answered = mb.arrived+m.Decided, true
			until = mb.ran
		case m.Outcome == outcome.Timeout && m.Left > 0 && m.StartedLeft == 0: // a waiter, not a holder
			mb.ran = m.SentAt() + m.Left
			until = min(mb.ran, m.SentAt()+timeout)
		default:
			continue
		}
		var found bool
		if mb.release, found = refusingRelease(ends, hopeless, until); found {
			members = append(members, mb)
		}
	}
	slices.SortFunc(members, func(a, b stormMember) int { return cmp.Compare(a.release, b.release) })
	storms := []predict.RefusalStorm{}
	for len(members) > 0 {
		n := 1
		for n < len(members) && members[n].release-members[0].release <= predict.StormJoin {
			n++
		}
		if s, ok := stormOf(members[:n]); ok {
			storms = append(storms, s)
		}
		members = members[n:]
	}
	return storms
}

// refusingRelease is the release (of ends, ascending) that refused a
// waiter hopeless after hopeless, whose goroutine ran (or whose client
// gave up) at until: the earliest of the latest turn of releases before
// until at which it was hopeless. The slots of a deadline queue free in
// lockstep, and the first of them refuses every hopeless waiter at the
// head of the queue. false: none found it hopeless (the server refuses
// when its now plus the work is past the deadline).
func refusingRelease(ends []time.Duration, hopeless, until time.Duration) (time.Duration, bool) {
	k, _ := slices.BinarySearch(ends, until+1)
	if k == 0 || ends[k-1] <= hopeless {
		return 0, false
	}
	j := k - 1
	for j > 0 && ends[j-1] > hopeless && ends[k-1]-ends[j-1] <= predict.StormJoin {
		j--
	}
	return ends[j], true
}

// stormOf is the storm of members, refused at releases of one turn and
// in the order of their releases: it keeps those refused and those that
// timed out between them in the queue's order, starts at the earliest of
// their releases, and ranks them in the queue's order, which is the order
// the releases readied them (their goroutines' order at a tie). A turn
// without an answered refusal is none.
func stormOf(members []stormMember) (predict.RefusalStorm, bool) {
	lo, hi := time.Duration(-1), time.Duration(-1)
	for _, mb := range members {
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
	members = slices.DeleteFunc(slices.Clone(members), func(mb stormMember) bool {
		return !mb.answered && (mb.arrived < lo || mb.arrived > hi)
	})
	at := members[0].release // the deletion kept their releases' order
	slices.SortFunc(members, func(a, b stormMember) int {
		return cmp.Or(cmp.Compare(a.arrived, b.arrived), cmp.Compare(a.ran, b.ran))
	})
	s := predict.RefusalStorm{At: at, Delays: make([]time.Duration, len(members))}
	for i, mb := range members {
		s.Delays[i] = max(0, mb.ran-at)
	}
	return s, true
}
