package predict

import (
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// codelWait is adaptive LIFO with CoDel (servers/codel), the policy of a
// semaphore: while the application queue has been empty within the last
// CodelInterval, a request waits up to QueueTimeout and a freed slot goes
// to the oldest waiter; once the queue has stood longer, a request that
// joins it waits at most CodelTarget, and a freed slot goes to the newest.
type codelWait struct {
	target, interval, wait time.Duration
}

// standing reports whether the queue has held requests for longer than
// the interval.
func (c codelWait) standing(e *engine) bool {
	return e.listed > 0 && e.now-e.queueEmpty > c.interval
}

func (c codelWait) timeout(e *engine) time.Duration {
	if c.standing(e) {
		return c.target
	}
	return c.wait
}

func (c codelWait) newest(e *engine) bool      { return c.standing(e) }
func (c codelWait) hopeless(*engine, int) bool { return false }

func init() {
	disciplines[catalog.AdaptiveLIFO] = discipline{check: needLimit, build: func(l Limits) server {
		return &semaphore{free: l.Limit, qcap: l.Queue,
			policy: codelWait{target: l.CodelTarget, interval: l.CodelInterval, wait: l.QueueTimeout}}
	}}
}
