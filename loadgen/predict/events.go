package predict

import "time"

// kind orders events that happen at the same instant. Releases come before
// acquisitions, so capacity freed at an instant is available to requests that
// arrive at that instant; see the package documentation.
type kind uint8

const (
	kindFinish          kind = iota // handler work done: "ok", frees slot/worker and connection
	kindSleepEnded                  // replicas: a sleep of a wake ends as its goroutine runs (Spread.WakeStagger)
	kindAnswered                    // replicas: a rejection's answer reaches its client
	kindWorkStopped                 // replicas: the server stops a work whose client left (engine.stopsAt)
	kindRefusalWritten              // replicas: a refused waiter's goroutine writes its 503 (refuse)
	kindClientDeadline              // the client's whole-request timeout
	kindQueueTimeout                // semaphore: a waiter's goroutine runs after its queue timeout fired
	kindQueueTimerDue               // replicas: a waiter's queue timer comes due (Spread.QueueTimeoutStep)
	kindQueueWake                   // replicas: the runtime wakes and fires the due queue timers
	kindConnectDeadline             // connect gives up (kernel give-up or ConnectTimeout)
	kindSynRetry                    // a retransmitted SYN reaches the server
	kindLimboRetry                  // replicas: a request in limbo tries the accept queue again
	kindAccepted                    // replicas: a request on its way to the gate leaves the accept queue (Spread.InKernel)
	kindGate                        // replicas: an accepted request reaches the model's gate (Spread.Reach)
	kindArrival                     // the first SYN
	kindServerTimer                 // the server's own timer: a pool worker's keep-alive, a reserved token
	kindAcceptReady                 // replicas: the accept queue's head can be accepted
	kindAcceptRetry                 // net/http tries accept(2) again after an EMFILE
	kindWoken                       // replicas: a handed waiter's goroutine wakes
	kindSleepDue                    // replicas: a handler's sleep comes due (Spread.OvershootQuiet)
	kindClientSend                  // replicas: the client sends; its SYN leaves later (Spread.Syn)
)

// event is one scheduled happening. idx is the request index, or the worker
// id of a pool's kindServerTimer, or acceptLoopWakes for a connCap's wake;
// gen tells a worker's idle periods apart.
type event struct {
	t    time.Duration
	kind kind
	// lifo marks a SYN retransmission on the timer wheel: the wheel keeps
	// each bucket's timers in a list that it adds to at the head and
	// expires from the head, so of the timers that fire together, the last
	// armed runs first. An event is pushed when its timer is armed, so
	// that is the latest pushed.
	lifo bool
	idx  int
	gen  int
	seq  uint64 // insertion order, a final tie-break that keeps the order total
}

func (a *event) less(b *event) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	if a.lifo && b.lifo {
		return a.seq > b.seq
	}
	if a.idx != b.idx {
		return a.idx < b.idx
	}
	return a.seq < b.seq
}

// eventHeap is a binary min-heap of events (hand-rolled to avoid the
// interface boxing of container/heap on the hot path).
type eventHeap struct {
	ev  []event
	seq uint64
}

func (h *eventHeap) len() int { return len(h.ev) }

func (h *eventHeap) push(e event) {
	e.seq = h.seq
	h.seq++
	h.ev = append(h.ev, e)
	i := len(h.ev) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.ev[i].less(&h.ev[p]) {
			break
		}
		h.ev[i], h.ev[p] = h.ev[p], h.ev[i]
		i = p
	}
}

func (h *eventHeap) pop() event {
	top := h.ev[0]
	n := len(h.ev) - 1
	h.ev[0] = h.ev[n]
	h.ev = h.ev[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.ev[r].less(&h.ev[l]) {
			m = r
		}
		if !h.ev[m].less(&h.ev[i]) {
			break
		}
		h.ev[i], h.ev[m] = h.ev[m], h.ev[i]
		i = m
	}
	return top
}

// deque is a queue of ints that gives up its oldest entry (pop) or its
// newest (popBack).
type deque struct {
	items []int
	head  int
}

func (q *deque) len() int   { return len(q.items) - q.head }
func (q *deque) peek() int  { return q.items[q.head] }
func (q *deque) push(v int) { q.items = append(q.items, v) }

func (q *deque) pop() int {
	v := q.items[q.head]
	q.head++
	if q.head > 1024 && q.head*2 > len(q.items) {
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	return v
}

func (q *deque) popBack() int {
	n := len(q.items) - 1
	v := q.items[n]
	q.items = q.items[:n]
	return v
}

// take pops the newest entry when newest is set, else the oldest.
func (q *deque) take(newest bool) int {
	if newest {
		return q.popBack()
	}
	return q.pop()
}
