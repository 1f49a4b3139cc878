package predict

import (
	"errors"
	"fmt"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// pool is net/http handing each request to a worker pool with
// java.util.concurrent.ThreadPoolExecutor semantics. execute(task):
//
//  1. if workers < Core, start a new worker with this task (even if other
//     workers are idle);
//  2. else if the queue accepts it, it waits in the queue. An idle worker
//     waiting on the queue takes it at once: the most recently idle one, as
//     the labserver's executor (servers/pool) hands tasks to its idle
//     workers last-in first-out, like Java's non-fair SynchronousQueue; so
//     under light load the same workers stay busy and the others time out.
//     Without an idle worker the queue accepts it if unbounded (Queue -1) or
//     holding fewer than Queue tasks; Queue 0 is a SynchronousQueue, which
//     accepts only a hand-off to an idle worker. If no worker is left
//     (Core 0), one is started to take it, as TPE's re-check does (the
//     labserver requires --core ≥ 1, so this only matters for other inputs);
//  3. else if workers < Max, start a new worker with it;
//  4. else the policy: "abort" → 503 at once; "discard" → the request is
//     dropped and its connection reset ("reset"); "discard-oldest" → the
//     oldest queued request is reset and execute is retried, which queues
//     the new one (with Queue 0 there is no oldest and the new request is
//     reset instead: Java would retry forever); "caller-runs" → it runs on
//     its own connection goroutine at once, counted in Inflight but not as
//     a worker. An empty policy is "abort", TPE's default.
//
// A worker whose task ends (it finished or its client gave up) takes the next
// queued task: the oldest, or with Order lifo the newest; if there is none it
// goes idle. An idle worker that went idle while there were more than Core
// workers exits after PoolKeepAlive idle if there still are more than Core
// then; otherwise it stays for good (core workers never time out). Queued
// requests whose client gave up are removed from the queue.
type pool struct {
	core, max, qcap int
	policy          string
	newest          bool // Order lifo
	workers         []poolWorker
	alive           int
	idle            []idleRef // LIFO stack, lazy: stale entries are skipped
	idleCount       int
	queue           deque // lazy: entries no longer in phaseAppQueued are skipped
	conns           connCap
}

type poolWorker struct {
	alive, idle bool
	idleGen     int
}

type idleRef struct{ id, gen int }

func newPool(l Limits) *pool {
	p := &pool{core: l.Core, max: l.Max, qcap: l.Queue, policy: l.Policy, newest: l.newestFirst(),
		conns: connCap{limit: l.MaxConnections}}
	if p.max == 0 {
		p.max = p.core // labserver's --max 0 means --core
	}
	if p.policy == "" {
		p.policy = catalog.PolicyAbort
	}
	return p
}

func (p *pool) willAccept(e *engine) bool { return p.conns.room(e) }
func (p *pool) accepted(e *engine, r int) { p.execute(e, r) }
func (p *pool) connClosed(e *engine)      { p.conns.closed(e) }

func (p *pool) execute(e *engine, r int) {
	switch {
	case p.alive < p.core:
		p.newWorker(e, r)
	case p.idleCount > 0:
		p.run(e, p.takeIdle(), r)
	case p.qcap < 0 || e.queued < p.qcap:
		e.enterQueue(r)
		p.queue.push(r)
		if p.alive == 0 {
			if next := p.nextQueued(e, p.newest); next >= 0 {
				e.leaveQueue(next)
				p.newWorker(e, next)
			}
		}
	case p.alive < p.max:
		p.newWorker(e, r)
	default:
		p.reject(e, r)
	}
}

func (p *pool) reject(e *engine, r int) {
	switch p.policy {
	case catalog.PolicyAbort:
		e.end(r, outcome.HTTP503)
	case catalog.PolicyDiscard:
		e.end(r, outcome.Reset)
	case catalog.PolicyDiscardOldest:
		oldest := p.nextQueued(e, false)
		if oldest < 0 {
			e.end(r, outcome.Reset)
			return
		}
		e.leaveQueue(oldest)
		e.end(oldest, outcome.Reset)
		p.execute(e, r)
	case catalog.PolicyCallerRuns:
		e.st[r].worker = -1
		e.startWork(r)
	}
}

// nextQueued pops the oldest request still waiting in the queue, or the
// newest, or -1. One whose client gives up at this very instant ends as
// "timeout" on the way.
func (p *pool) nextQueued(e *engine, newest bool) int {
	for p.queue.len() > 0 {
		r := p.queue.take(newest)
		if e.st[r].phase != phaseAppQueued {
			continue
		}
		if e.gaveUp(r) {
			e.leaveQueue(r)
			e.end(r, outcome.Timeout)
			continue
		}
		return r
	}
	return -1
}

func (p *pool) newWorker(e *engine, r int) {
	p.workers = append(p.workers, poolWorker{alive: true})
	p.alive++
	if e.onWorkers != nil {
		e.onWorkers(e.now, p.alive)
	}
	p.run(e, len(p.workers)-1, r)
}

func (p *pool) run(e *engine, w, r int) {
	e.st[r].worker = w
	e.startWork(r)
}

// takeIdle pops the most recently idle worker (idleCount must be > 0).
func (p *pool) takeIdle() int {
	for {
		n := len(p.idle) - 1
		ref := p.idle[n]
		p.idle = p.idle[:n]
		w := &p.workers[ref.id]
		if w.alive && w.idle && w.idleGen == ref.gen {
			w.idle = false
			p.idleCount--
			return ref.id
		}
	}
}

func (p *pool) workEnded(e *engine, r int) {
	w := e.st[r].worker
	if w < 0 {
		return // ran on the caller
	}
	if next := p.nextQueued(e, p.newest); next >= 0 {
		e.st[next].worker = w
		e.handOver(next, 0)
		return
	}
	pw := &p.workers[w]
	pw.idle = true
	pw.idleGen++
	p.idle = append(p.idle, idleRef{w, pw.idleGen})
	p.idleCount++
	if p.alive > p.core {
		e.events.push(event{t: e.now + e.in.Limits.PoolKeepAlive, kind: kindServerTimer, idx: w, gen: pw.idleGen})
	}
}

func (p *pool) timer(e *engine, ev event) {
	if ev.idx == acceptLoopWakes {
		p.conns.woke()
		return
	}
	w := &p.workers[ev.idx]
	if !w.alive || !w.idle || w.idleGen != ev.gen || p.alive <= p.core {
		return
	}
	w.alive, w.idle = false, false
	p.idleCount--
	p.alive--
	if e.onWorkers != nil {
		e.onWorkers(e.now, p.alive)
	}
}

// checkPool refuses a pool the executor could not be: no worker, or a
// maximum below its core.
func checkPool(l Limits) error {
	switch {
	case l.Max == 0 && l.Core == 0:
		return errors.New("Limits.Max: pool needs max (or core) of at least 1")
	case l.Max != 0 && l.Max < l.Core:
		return fmt.Errorf("Limits.Max: pool max %d is below core %d", l.Max, l.Core)
	}
	return nil
}

func init() {
	disciplines[catalog.ThreadPool] = discipline{check: checkPool, build: func(l Limits) server { return newPool(l) }}
}
