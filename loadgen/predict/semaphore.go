package predict

import (
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// semaphore is net/http with a counting semaphore of limit slots around the
// handler. A request that finds no free slot waits in the application
// queue if the queue has room (capacity -1 = unbounded, else at most that many
// on the gate's list, which a waiter leaves as it is handed a slot or
// refused; 0 = no waiting), else it is rejected at once with 503. With a queue
// timeout, a waiter that has waited that long gets 503 (the engine's
// kindQueueTimeout; in a replica as late as the run's waiters of the moment
// left, queueTimeoutDue). A slot freed by a request that finished, or whose client
// gave up, goes to the longest waiter at that instant, or with Order lifo to
// the newest (skipping one whose client gives up at that very instant: it
// ends as "timeout"; refusing a hopeless one; and handing it to one whose
// queue timeout has fired but who has not left yet, which passes it on
// when it leaves: expiredAtHandOver).
type semaphore struct {
	noTimer
	free    int
	qcap    int
	policy  waitPolicy
	waiters deque // lazy: entries no longer in phaseAppQueued are skipped
}

// waitPolicy decides how long a request that must wait may wait, and
// which waiter a freed slot goes to (servers/semaphore.Policy).
type waitPolicy interface {
	// timeout is the longest wait of a request about to join the queue;
	// 0 is as long as its client waits.
	timeout(e *engine) time.Duration
	// newest reports whether a slot freed now goes to the newest waiter.
	newest(e *engine) bool
	// hopeless reports whether waiter r, taken now, is refused rather
	// than run: it could not finish in time.
	hopeless(e *engine, r int) bool
}

// fixedWait is the semaphore's policy: QueueTimeout, and Order.
type fixedWait struct {
	wait time.Duration
	lifo bool
}

func (f fixedWait) timeout(*engine) time.Duration { return f.wait }
func (f fixedWait) newest(*engine) bool           { return f.lifo }
func (f fixedWait) hopeless(*engine, int) bool    { return false }

func newSemaphore(l Limits) *semaphore {
	return &semaphore{free: l.Limit, qcap: l.Queue, policy: fixedWait{wait: l.QueueTimeout, lifo: l.newestFirst()}}
}

func (s *semaphore) willAccept(*engine) bool { return true }

func (s *semaphore) accepted(e *engine, r int) {
	switch {
	case s.free > 0:
		s.free--
		e.startWork(r)
	case s.qcap < 0 || e.listed < s.qcap:
		qt := s.policy.timeout(e)
		e.enterQueue(r)
		s.waiters.push(r)
		if qt > 0 {
			e.st[r].queueDue = e.now + qt
			e.armQueueTimer(r)
		}
	default:
		e.end(r, outcome.HTTP503)
	}
}

func (s *semaphore) workEnded(e *engine, _ int) {
	newest := s.policy.newest(e)
	refused := 0
	for s.waiters.len() > 0 {
		w := s.waiters.take(newest)
		if e.st[w].phase != phaseAppQueued {
			continue // left the queue earlier (client gave up, queue timeout)
		}
		if e.gaveUp(w) {
			e.leaveQueue(w)
			e.end(w, outcome.Timeout)
			continue
		}
		if s.policy.hopeless(e, w) {
			e.refuse(w)
			refused++
			continue
		}
		if e.expiredAtHandOver(w) {
			return
		}
		e.handOver(w, refused)
		return
	}
	s.free++
}

func init() {
	disciplines[catalog.AppQueue] = discipline{check: needLimit, build: func(l Limits) server {
		if l.Processes > 1 {
			return newProcesses(l)
		}
		return newSemaphore(l)
	}}
}
