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
	"math/rand/v2"
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
		policy := Fixed{Wait: c.QueueTimeout, LIFO: c.Order == catalog.OrderLIFO}
		var g lab.Gate = NewGate(c.Limit, c.Queue, policy, env.Metrics)
		if c.Processes > 1 {
			p := make(Processes, c.Processes)
			for i := range p {
				p[i] = NewGate(c.Limit, c.Queue, policy, env.Metrics)
			}
			g = p
		}
		return env.GateModel(g), nil
	},
}

// Processes are gates of worker processes, as gunicorn's: each request goes
// to one of them at random (which worker's accept wins is the kernel's
// affair), and waits there for that one's slots.
type Processes []*Gate

// Run implements lab.Gate.
func (p Processes) Run(ctx context.Context, w lab.Work, work func(slot string)) error {
	i := rand.IntN(len(p))
	return p[i].Run(ctx, w, func(slot string) { work("p" + strconv.Itoa(i) + "-" + slot) })
}

// Queue is what a Policy sees of a gate's queue.
type Queue struct {
	Waiting   int       // requests waiting now
	LastEmpty time.Time // when the queue last held no request
}

// Policy decides how long a request that must wait may wait, and which
// waiter a freed slot goes to. A semaphore's is Fixed; CoDel's
// (servers/codel) follows the queue.
type Policy interface {
	// Timeout is the longest wait of a request that starts waiting now,
	// before it joins q; 0 is as long as its client waits.
	Timeout(now time.Time, q Queue) time.Duration
	// Newest reports whether a slot freed now goes to the newest waiter
	// rather than the oldest.
	Newest(now time.Time, q Queue) bool
	// Hopeless reports whether a waiter taken now, whose work is w,
	// should be refused rather than run: it could not finish in time.
	Hopeless(now time.Time, w lab.Work) bool
}

// Fixed is the semaphore's policy: one timeout, one order.
type Fixed struct {
	Wait time.Duration // 0: as long as the client waits
	LIFO bool          // a freed slot goes to the newest waiter
}

// Timeout implements Policy.
func (f Fixed) Timeout(time.Time, Queue) time.Duration { return f.Wait }

// Newest implements Policy.
func (f Fixed) Newest(time.Time, Queue) bool { return f.LIFO }

// Hopeless implements Policy: a semaphore runs every waiter it takes.
func (f Fixed) Hopeless(time.Time, lab.Work) bool { return false }

// Gate is a semaphore of limit slots with a bounded or unbounded wait
// queue, whose waiters take a freed slot as its policy says.
type Gate struct {
	limit   int
	queue   int // catalog.Unbounded or the most requests that may wait
	policy  Policy
	metrics *lab.Metrics

	mu        sync.Mutex
	free      []int      // free slot numbers, the longest free first
	waiters   *list.List // of *waiter, the oldest first
	lastEmpty time.Time  // when waiters last became empty
}

// waiter is a request waiting for a slot; release hands it one through
// slot, after taking it off the list under the gate's lock.
type waiter struct {
	slot   chan int // capacity 1; refused: the policy found it hopeless
	handed bool     // guarded by Gate.mu
	work   lab.Work
	// refusedAt is when the release found it hopeless; written before
	// refused is sent on slot, and read after it is received.
	refusedAt time.Time
}

// refused is the slot a waiter is handed when the policy refuses it.
const refused = -1

// NewGate makes a gate of limit slots.
func NewGate(limit, queue int, policy Policy, m *lab.Metrics) *Gate {
	g := &Gate{limit: limit, queue: queue, policy: policy, metrics: m, waiters: list.New(), lastEmpty: time.Now()}
	for i := range limit {
		g.free = append(g.free, i)
	}
	return g
}

// Run implements lab.Gate.
func (g *Gate) Run(ctx context.Context, w lab.Work, work func(slot string)) error {
	slot, err := g.acquire(ctx, w)
	if err != nil {
		return err
	}
	defer g.release(slot)
	work("slot-" + strconv.Itoa(slot))
	return nil
}

func (g *Gate) acquire(ctx context.Context, work lab.Work) (int, error) {
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
	now := time.Now()
	if g.waiters.Len() == 0 {
		g.lastEmpty = now
	}
	timeout := g.policy.Timeout(now, Queue{Waiting: g.waiters.Len(), LastEmpty: g.lastEmpty})
	w := &waiter{slot: make(chan int, 1), work: work}
	elem := g.waiters.PushBack(w)
	g.mu.Unlock()
	g.metrics.Queued.Inc()
	defer g.metrics.Queued.Dec()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case s := <-w.slot:
		if s == refused {
			return 0, &lab.Rejection{Reason: catalog.ReasonDeadline, Decided: w.refusedAt,
				Detail: fmt.Sprintf("its work of %s could not end by its deadline %s", w.work.Sleep+w.work.CPU,
					w.work.Deadline.Format(time.RFC3339Nano))}
		}
		return s, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		err = &lab.Rejection{Reason: catalog.ReasonQueueTimeout,
			Detail: fmt.Sprintf("no slot free within %s", timeout)}
	}
	g.mu.Lock()
	handed := w.handed
	if !handed {
		g.remove(elem)
	}
	g.mu.Unlock()
	if handed {
		if s := <-w.slot; s != refused {
			g.release(s) // given a slot as it gave up: pass it on
		}
	}
	return 0, err
}

// release hands slot to the next waiter as the policy says, or frees it.
func (g *Gate) release(slot int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		now := time.Now()
		next := g.waiters.Front()
		if g.policy.Newest(now, Queue{Waiting: g.waiters.Len(), LastEmpty: g.lastEmpty}) {
			next = g.waiters.Back()
		}
		if next == nil {
			g.free = append(g.free, slot)
			return
		}
		w := g.remove(next)
		w.handed = true
		if g.policy.Hopeless(now, w.work) {
			w.refusedAt = now
			w.slot <- refused
			continue
		}
		w.slot <- slot
		return
	}
}

// remove takes a waiter off the list, noting when the list empties. The
// caller holds g.mu.
func (g *Gate) remove(e *list.Element) *waiter {
	w := g.waiters.Remove(e).(*waiter)
	if g.waiters.Len() == 0 {
		g.lastEmpty = time.Now()
	}
	return w
}
