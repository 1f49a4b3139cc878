package verdict

import (
	"cmp"
	"slices"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/predict"
)

// QueueTimeoutsLate are predict.Spread's QueueTimeoutLate and
// QueueTimeoutAt, and its QueueTimeoutStep and QueueTimeoutStepAt, from
// the requests measured. Each waiter that the server refused after a
// queue timeout left the queue some time after that timeout came due
// (its decided, from its arrival at the gate, less the timeout). Its
// timeout is the longest of the policy's (the semaphore's QueueTimeout,
// and a CoDel queue's CodelTarget too) that it waited out; a refusal
// sooner than all of them was no timeout (a full queue), and a CoDel
// waiter given 5 ms that left 100 ms or more later counts against the
// 100 ms (too rare to tell apart). The waiters are grouped by the
// runtime's wake that fired their timers (queueWakes). late is how much
// later than the earliest timeout of its group each group's first waiter
// left, and steps how much later than the one before each further waiter
// of a group left; both by when that earliest timeout came due on the
// schedule's clock. Only these two disciplines time their waiters out of
// a queue. Requests the server did not time are left out; none: nil.
func QueueTimeoutsLate(measured []Measured, l predict.Limits) (late, at, steps, stepAt []time.Duration) {
	var timeouts []time.Duration
	switch l.Discipline {
	case catalog.AppQueue:
		timeouts = []time.Duration{l.QueueTimeout}
	case catalog.AdaptiveLIFO:
		timeouts = []time.Duration{l.QueueTimeout, l.CodelTarget}
	default:
		return nil, nil, nil, nil
	}
	var leaves []queueLeave
	for _, m := range measured {
		if m.Decided <= 0 || m.ToGate <= 0 {
			continue
		}
		var waited time.Duration
		for _, t := range timeouts {
			if t > 0 && t <= m.Decided {
				waited = max(waited, t)
			}
		}
		if waited > 0 {
			gate := m.SentAt() + m.ToGate
			leaves = append(leaves, queueLeave{due: gate + waited, left: gate + m.Decided})
		}
	}
	var lates, stepsTimed []timed
	for _, g := range queueWakes(leaves) {
		wk := g.members
		first := slices.MinFunc(wk, func(a, b queueLeave) int { return cmp.Compare(a.due, b.due) }).due
		lates = append(lates, timed{at: first, d: wk[0].left - first})
		for k := 1; k < len(wk); k++ {
			stepsTimed = append(stepsTimed, timed{at: first, d: wk[k].left - wk[k-1].left})
		}
	}
	late, at = splitTimed(lates)
	steps, stepAt = splitTimed(stepsTimed)
	return late, at, steps, stepAt
}

// queueLeave is a waiter that left the queue after its timeout: when on
// the schedule's clock the timeout came due, and when it left.
type queueLeave struct{ due, left time.Duration }

// queueWakes groups leaves by the runtime's wake that fired their
// timers, each group in the order its waiters left: a waiter's wake is the
// first leave of any of them at or after its timeout came due. Where that
// leave is of a waiter of an earlier wake, whose goroutine ran late, the
// group's own first leave stands for its wake, as a replica runs a wake's
// first goroutine at the wake.
func queueWakes(leaves []queueLeave) []wakeGroup[queueLeave] {
	leaves = slices.Clone(leaves)
	slices.SortFunc(leaves, func(a, b queueLeave) int { return cmp.Compare(a.left, b.left) })
	return groupByWake(leaves, func(q, x queueLeave) int { return cmp.Compare(q.left, x.due) })
}
