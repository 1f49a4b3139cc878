// Package deadline is net/http behind a semaphore whose FIFO queue knows
// each request's deadline, as deadline propagation (gRPC's grpc-timeout)
// lets a server know it: loadgen sends the instant its client gives up in
// the Conclab-Deadline header. When a freed slot takes a waiter that could
// not finish its work (its asked sleep and cpu) by then, the waiter gets
// 503 at once, and the slot goes to the next. No work is done for a client
// that will be gone.
package deadline

import (
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/semaphore"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Deadline,
	New: func(env *lab.Env) (lab.Model, error) {
		c := env.Config
		g := semaphore.NewGate(c.Limit, c.Queue, Policy{}, env.Metrics)
		return env.GateModel(g), nil
	},
}

// Policy is the deadline-aware queue, a semaphore.Policy: FIFO, no
// timeout of its own.
type Policy struct{ semaphore.Fixed }

// Hopeless implements semaphore.Policy: w, taken now, could not end by
// its deadline. A request without one is never hopeless.
func (Policy) Hopeless(now time.Time, w lab.Work) bool {
	return !w.Deadline.IsZero() && now.Add(w.Sleep+w.CPU).After(w.Deadline)
}
