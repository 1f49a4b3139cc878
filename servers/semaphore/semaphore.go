// Package semaphore is net/http behind a counting semaphore: --limit
// requests run at once, the rest wait in the process. A freed slot goes to
// the request that has waited longest, or with --order lifo to the newest:
// FastAPI's def endpoints on Debian behave like that, with AnyIO's 40 worker
// tokens. An optional --queue cap answers 503 beyond it, and
// --queue-timeout bounds the wait.
package semaphore

import (
	"container/list"
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
		c := env.Config
		g := NewGate(c.Limit, c.Queue, c.QueueTimeout, c.Order, env.Metrics)
		return &lab.HTTPModel{Server: env.NewHTTPServer(env.Handler(g))}, nil
	},
}

// Gate is a semaphore of limit slots with a bounded or unbounded wait
// queue, whose waiters take a freed slot in the gate's order.
type Gate struct {
	limit   int
	queue   int // catalog.Unbounded or the most requests that may wait
	timeout time.Duration
	newest  bool // catalog.OrderLIFO: a freed slot goes to the newest waiter
	metrics *lab.Metrics

	mu      sync.Mutex
	free    []int      // free slot numbers, the longest free first
	waiters *list.List // of *waiter, the oldest first
}

// waiter is a request waiting for a slot; release hands it one through
// slot, after taking it off the list under the gate's lock.
type waiter struct {
	slot   chan int // capacity 1
	handed bool     // guarded by Gate.mu
}

// NewGate makes a gate of limit slots; order is one of catalog.Orders.
func NewGate(limit, queue int, timeout time.Duration, order string, m *lab.Metrics) *Gate {
	g := &Gate{limit: limit, queue: queue, timeout: timeout, newest: order == catalog.OrderLIFO,
		metrics: m, waiters: list.New()}
	for i := range limit {
		g.free = append(g.free, i)
	}
	return g
}

// Run implements lab.Gate.
func (g *Gate) Run(ctx context.Context, work func(slot string)) error {
	slot, err := g.acquire(ctx)
	if err != nil {
		return err
	}
	defer g.release(slot)
	work("slot-" + strconv.Itoa(slot))
	return nil
}

func (g *Gate) acquire(ctx context.Context) (int, error) {
	g.mu.Lock()
	if len(g.free) > 0 {
		s := g.free[0]
		g.free = g.free[1:]
		g.mu.Unlock()
		return s, nil
	}
	if g.queue != catalog.Unbounded && g.waiters.Len() >= g.queue {
		g.mu.Unlock()
		return 0, &lab.Rejection{Reason: catalog.ReasonQueueFull,
			Detail: fmt.Sprintf("all %d slots busy and %d requests already waiting", g.limit, g.queue)}
	}
	w := &waiter{slot: make(chan int, 1)}
	elem := g.waiters.PushBack(w)
	g.mu.Unlock()
	g.metrics.Queued.Inc()
	defer g.metrics.Queued.Dec()

	var expired <-chan time.Time
	if g.timeout > 0 {
		t := time.NewTimer(g.timeout)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case s := <-w.slot:
		return s, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		err = &lab.Rejection{Reason: catalog.ReasonQueueTimeout,
			Detail: fmt.Sprintf("no slot free within --queue-timeout %s", g.timeout)}
	}
	g.mu.Lock()
	handed := w.handed
	if !handed {
		g.waiters.Remove(elem)
	}
	g.mu.Unlock()
	if handed {
		g.release(<-w.slot) // given a slot as it gave up: pass it on
	}
	return 0, err
}

// release hands slot to the next waiter in the gate's order, or frees it.
func (g *Gate) release(slot int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	next := g.waiters.Front()
	if g.newest {
		next = g.waiters.Back()
	}
	if next == nil {
		g.free = append(g.free, slot)
		return
	}
	w := g.waiters.Remove(next).(*waiter)
	w.handed = true
	w.slot <- slot
}
