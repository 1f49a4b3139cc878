// Package semaphore is net/http behind a counting semaphore: --limit
// requests run at once, the rest wait in the process, first come first
// served — FastAPI's `def` endpoints behave the same with AnyIO's 40
// worker tokens. An optional --queue cap answers 503 beyond it, and
// --queue-timeout bounds the wait.
package semaphore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Semaphore,
	New: func(env *lab.Env) (lab.Model, error) {
		g := NewGate(env.Config.Limit, env.Config.Queue, env.Config.QueueTimeout, env.Metrics)
		return &lab.HTTPModel{Server: env.NewHTTPServer(env.Handler(g))}, nil
	},
}

// Gate is a FIFO semaphore with a bounded or unbounded wait queue.
type Gate struct {
	slots   chan int // free slot numbers; receivers are served in arrival order
	queue   int      // catalog.Unbounded or the most requests that may wait
	timeout time.Duration
	metrics *lab.Metrics

	mu      sync.Mutex
	waiting int
}

// NewGate makes a gate of limit slots.
func NewGate(limit, queue int, timeout time.Duration, m *lab.Metrics) *Gate {
	g := &Gate{slots: make(chan int, limit), queue: queue, timeout: timeout, metrics: m}
	for i := 0; i < limit; i++ {
		g.slots <- i
	}
	return g
}

// Run implements lab.Gate.
func (g *Gate) Run(ctx context.Context, work func(slot string)) error {
	slot, err := g.acquire(ctx)
	if err != nil {
		return err
	}
	defer func() { g.slots <- slot }()
	work("slot-" + strconv.Itoa(slot))
	return nil
}

func (g *Gate) acquire(ctx context.Context) (int, error) {
	select {
	case s := <-g.slots:
		return s, nil
	default:
	}
	g.mu.Lock()
	if g.queue != catalog.Unbounded && g.waiting >= g.queue {
		// A slot may have come free since the first try.
		select {
		case s := <-g.slots:
			g.mu.Unlock()
			return s, nil
		default:
		}
		g.mu.Unlock()
		return 0, &lab.Rejection{Reason: lab.ReasonQueueFull,
			Detail: fmt.Sprintf("all %d slots busy and %d requests already waiting", cap(g.slots), g.queue)}
	}
	g.waiting++
	g.mu.Unlock()
	g.metrics.Queued.Inc()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
		g.metrics.Queued.Dec()
	}()

	var expired <-chan time.Time
	if g.timeout > 0 {
		t := time.NewTimer(g.timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case s := <-g.slots:
		return s, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-expired:
		return 0, &lab.Rejection{Reason: lab.ReasonQueueTimeout,
			Detail: fmt.Sprintf("no slot free within --queue-timeout %s", g.timeout)}
	}
}
