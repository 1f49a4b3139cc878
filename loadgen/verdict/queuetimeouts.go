package verdict

import (
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/predict"
)

// QueueTimeoutsLate are predict.Spread.QueueTimeoutLate and
// QueueTimeoutAt from the requests measured: for each waiter that the
// server refused after a queue timeout, how much later than that timeout
// it left the queue (its decided, from its arrival at the gate, less the
// timeout), by when the timeout came due on the schedule's clock. Its
// timeout is the longest of the policy's (the semaphore's QueueTimeout,
// and a CoDel queue's CodelTarget too) that it waited out; a refusal
// sooner than all of them was no timeout (a full queue), and a CoDel
// waiter given 5 ms that left 100 ms or more later counts against the
// 100 ms (too rare to tell apart). Only these two disciplines time their
// waiters out of a queue. Requests the server did
// not time are left out; none: nil.
func QueueTimeoutsLate(measured []Measured, l predict.Limits) (late, at []time.Duration) {
	var timeouts []time.Duration
	switch l.Discipline {
	case catalog.AppQueue:
		timeouts = []time.Duration{l.QueueTimeout}
	case catalog.AdaptiveLIFO:
		timeouts = []time.Duration{l.QueueTimeout, l.CodelTarget}
	default:
		return nil, nil
	}
	var ts []timed
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
			ts = append(ts, timed{at: m.SentAt() + m.ToGate + waited, d: m.Decided - waited})
		}
	}
	return splitTimed(ts)
}
