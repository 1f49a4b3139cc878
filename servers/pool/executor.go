package pool

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Options are a ThreadPoolExecutor's constructor arguments.
type Options struct {
	Core      int           // corePoolSize
	Max       int           // maximumPoolSize, >= Core
	Queue     int           // work-queue capacity: catalog.Unbounded, 0 (SynchronousQueue) or a bound
	KeepAlive time.Duration // keepAliveTime for workers above Core
	Policy    string        // catalog.PolicyAbort, PolicyCallerRuns, PolicyDiscard, PolicyDiscardOldest
	// Order is which queued task a free worker takes: catalog.OrderFIFO
	// (the oldest, as Java's queues do) or catalog.OrderLIFO (the newest).
	// discard-oldest drops the oldest either way.
	Order string
}

// Hooks let the executor report its state. Any may be nil.
type Hooks struct {
	Queued  func(delta int) // the work queue grew or shrank
	Workers func(n int)     // the number of live workers changed
}

// Executor runs tasks on worker goroutines with the rules of
// java.util.concurrent.ThreadPoolExecutor.execute:
//  1. fewer than Core workers: start a new worker with the task, even if
//     others are idle;
//  2. else offer the task to the queue (an idle worker takes it at once;
//     with capacity 0 the offer succeeds only if a worker is idle);
//  3. else, if fewer than Max workers, start a new worker with it — so a
//     pool grows past Core only when its queue is full;
//  4. else apply the rejection policy.
//
// A worker above Core exits after KeepAlive without a task.
type Executor struct {
	opt   Options
	hooks Hooks

	mu      sync.Mutex
	workers int
	nextID  int
	idle    []*worker  // idle workers, the most recent last
	queue   *list.List // of *task, the oldest first
	closed  bool
}

type worker struct {
	id    int
	tasks chan *task // a hand-off of capacity 1
}

type taskState int

const (
	stateQueued taskState = iota
	stateRunning
	stateDone
	stateCancelled
	stateDiscarded
)

type task struct {
	ctx   context.Context
	run   func(slot string)
	done  chan struct{}
	state taskState     // guarded by Executor.mu
	elem  *list.Element // its place in the queue while queued
}

// ErrDiscarded is returned for a task a discard policy dropped.
var ErrDiscarded = errors.New("task discarded by the pool's policy")

// NewExecutor makes an executor; it starts no worker until a task comes.
func NewExecutor(opt Options, hooks Hooks) *Executor {
	return &Executor{opt: opt, hooks: hooks, queue: list.New()}
}

// Run implements lab.Gate: it submits work and waits until it has run, or
// was rejected, or the client left while it was queued.
func (e *Executor) Run(ctx context.Context, _ lab.Work, run func(slot string)) error {
	t := &task{ctx: ctx, run: run, done: make(chan struct{})}
	callerRuns, err := e.execute(t)
	if err != nil {
		return err
	}
	if callerRuns {
		run("caller")
		return nil
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		e.mu.Lock()
		if t.state == stateQueued {
			e.dequeue(t, stateCancelled)
			e.mu.Unlock()
			return ctx.Err()
		}
		e.mu.Unlock()
		<-t.done // running: the work sees ctx too and returns promptly
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.state == stateDiscarded {
		return &lab.Rejection{Reason: catalog.ReasonPolicy, Reset: true,
			Detail: "discard-oldest dropped this queued request for a newer one"}
	}
	return nil
}

// execute places t; it reports true when the policy makes the caller run it.
func (e *Executor) execute(t *task) (bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false, &lab.Rejection{Reason: catalog.ReasonPolicy, Detail: "pool is shut down"}
	}
	if e.workers < e.opt.Core {
		e.startWorker(t)
		return false, nil
	}
	if e.offer(t) {
		return false, nil
	}
	if e.workers < e.opt.Max {
		e.startWorker(t)
		return false, nil
	}
	switch e.opt.Policy {
	case catalog.PolicyCallerRuns:
		t.state = stateRunning
		return true, nil
	case catalog.PolicyDiscard:
		return false, &lab.Rejection{Reason: catalog.ReasonPolicy, Reset: true,
			Detail: "discard dropped this request: pool and queue full"}
	case catalog.PolicyDiscardOldest:
		// Java polls the queue's head and retries execute.
		if front := e.queue.Front(); front != nil {
			e.dequeue(front.Value.(*task), stateDiscarded)
			if e.offer(t) {
				return false, nil
			}
		}
		return false, &lab.Rejection{Reason: catalog.ReasonPolicy, Reset: true,
			Detail: "discard-oldest found no queued request to drop: pool full"}
	default:
		return false, &lab.Rejection{Reason: catalog.ReasonPolicy,
			Detail: fmt.Sprintf("pool full: %d workers busy and the queue holds %d", e.workers, e.queue.Len())}
	}
}

// offer is BlockingQueue.offer with idle workers blocked in take().
func (e *Executor) offer(t *task) bool {
	if n := len(e.idle); n > 0 {
		w := e.idle[n-1]
		e.idle = e.idle[:n-1]
		t.state = stateRunning
		w.tasks <- t
		return true
	}
	if e.opt.Queue != catalog.Unbounded && e.queue.Len() >= e.opt.Queue {
		return false
	}
	t.state = stateQueued
	t.elem = e.queue.PushBack(t)
	e.queuedDelta(1)
	return true
}

func (e *Executor) dequeue(t *task, state taskState) {
	e.queue.Remove(t.elem)
	t.elem = nil
	t.state = state
	e.queuedDelta(-1)
	if state == stateDiscarded {
		close(t.done)
	}
}

func (e *Executor) queuedDelta(d int) {
	if e.hooks.Queued != nil {
		e.hooks.Queued(d)
	}
}

func (e *Executor) startWorker(first *task) {
	e.workers++
	e.nextID++
	w := &worker{id: e.nextID, tasks: make(chan *task, 1)}
	first.state = stateRunning
	if e.hooks.Workers != nil {
		e.hooks.Workers(e.workers)
	}
	go e.loop(w, first)
}

// loop is a worker's life: run a task, take the next, or idle and maybe
// time out.
func (e *Executor) loop(w *worker, t *task) {
	slot := "worker-" + strconv.Itoa(w.id)
	for t != nil {
		t.run(slot)
		e.mu.Lock()
		t.state = stateDone
		close(t.done)
		t = e.next(w)
	}
}

// next returns the worker's next task, waiting idle if there is none; nil
// when the worker exits. Called with e.mu held; returns with it released.
func (e *Executor) next(w *worker) *task {
	next := e.queue.Front()
	if e.opt.Order == catalog.OrderLIFO {
		next = e.queue.Back()
	}
	if next != nil {
		t := next.Value.(*task)
		e.queue.Remove(next)
		t.elem = nil
		t.state = stateRunning
		e.queuedDelta(-1)
		e.mu.Unlock()
		return t
	}
	if e.closed {
		e.exit()
		return nil
	}
	e.idle = append(e.idle, w)
	for {
		// Like Java's getTask: only a worker above Core waits with a
		// timeout, and on timeout it exits only if the pool is still above
		// Core then.
		timed := e.workers > e.opt.Core
		e.mu.Unlock()
		t, expired := e.wait(w, timed)
		if !expired {
			if t == nil { // Close
				e.mu.Lock()
				e.exit()
			}
			return t
		}
		e.mu.Lock()
		if !e.isIdle(w) {
			// A task was handed over as the timer fired.
			e.mu.Unlock()
			return <-w.tasks
		}
		if e.workers > e.opt.Core {
			e.removeIdle(w)
			e.exit()
			return nil
		}
	}
}

// wait blocks for a hand-off, for at most KeepAlive when timed.
func (e *Executor) wait(w *worker, timed bool) (t *task, expired bool) {
	if !timed {
		return <-w.tasks, false
	}
	timer := time.NewTimer(e.opt.KeepAlive)
	defer timer.Stop()
	select {
	case t := <-w.tasks:
		return t, false
	case <-timer.C:
		return nil, true
	}
}

func (e *Executor) isIdle(w *worker) bool {
	for _, x := range e.idle {
		if x == w {
			return true
		}
	}
	return false
}

func (e *Executor) removeIdle(w *worker) {
	for i, x := range e.idle {
		if x == w {
			e.idle = append(e.idle[:i], e.idle[i+1:]...)
			return
		}
	}
}

// exit retires the calling worker; called with e.mu held, releases it.
func (e *Executor) exit() {
	e.workers--
	if e.hooks.Workers != nil {
		e.hooks.Workers(e.workers)
	}
	e.mu.Unlock()
}

// Close lets idle workers exit and refuses new tasks. Running tasks finish.
func (e *Executor) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	for _, w := range e.idle {
		w.tasks <- nil
	}
	e.idle = nil
}

// Workers is the number of live workers.
func (e *Executor) Workers() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.workers
}
