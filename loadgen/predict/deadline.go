package predict

import "github.com/conclab/conclab/internal/catalog"

// deadlineWait is the deadline-aware queue (servers/deadline), the policy
// of a semaphore: FIFO, and a waiter taken when it could no longer finish
// its work (Service) by its client's deadline, its send plus
// ClientTimeout, gets 503 at once; the slot goes to the next.
type deadlineWait struct{ fixedWait }

func (deadlineWait) hopeless(e *engine, r int) bool {
	return e.in.ClientTimeout > 0 && e.now+e.service(r) > e.deadline(r)
}

func init() {
	disciplines[catalog.DeadlineQueue] = discipline{check: needLimit, build: func(l Limits) server {
		return &semaphore{free: l.Limit, qcap: l.Queue, policy: deadlineWait{}}
	}}
}
