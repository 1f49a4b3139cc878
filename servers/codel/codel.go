// Package codel is net/http behind a semaphore whose queue adapts, as
// Facebook's "Fail at Scale" (ACM Queue, 2015) describes: controlled delay
// (CoDel) with adaptive LIFO. While the queue has been empty within the
// last --codel-interval, it is a plain FIFO queue, and a request waits up
// to --queue-timeout (by default the interval). Once the queue has stood
// longer than that, the server is behind: a request that joins it waits at
// most --codel-target, and a freed slot goes to the newest waiter, whose
// client is the likeliest still to be there.
package codel

import (
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/semaphore"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Codel,
	New: func(env *lab.Env) (lab.Model, error) {
		c := env.Config
		p := Policy{Target: c.CodelTarget, Interval: c.CodelInterval, Wait: c.QueueTimeout}
		g := semaphore.NewGate(c.Limit, c.Queue, p, env.Metrics)
		return env.GateModel(g), nil
	},
}

// Policy is adaptive LIFO with CoDel, a semaphore.Policy.
type Policy struct {
	Target   time.Duration // the longest wait once the queue stands
	Interval time.Duration // how long the queue may stay non-empty before it stands
	Wait     time.Duration // the longest wait while it drains
}

// standing reports whether the queue has held requests for longer than
// the interval: the server is not keeping up.
func (p Policy) standing(now time.Time, q semaphore.Queue) bool {
	return q.Waiting > 0 && now.Sub(q.LastEmpty) > p.Interval
}

// Timeout implements semaphore.Policy.
func (p Policy) Timeout(now time.Time, q semaphore.Queue) time.Duration {
	if p.standing(now, q) {
		return p.Target
	}
	return p.Wait
}

// Newest implements semaphore.Policy.
func (p Policy) Newest(now time.Time, q semaphore.Queue) bool { return p.standing(now, q) }

// Hopeless implements semaphore.Policy: CoDel runs every waiter it takes.
func (p Policy) Hopeless(time.Time, lab.Work) bool { return false }
