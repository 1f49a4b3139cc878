package attack

import (
	"container/heap"
	"net/url"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// closedPacer sends a closed schedule (workload.Users): each request when
// its user is ready, which for all but a user's first is Think after the
// user's previous request ended. It is vegeta's pacer, and waits itself
// until a user is ready: vegeta then sends the tick at once, and the
// targeter takes the request that the pacer chose from next.
type closedPacer struct {
	opt   Options
	spin  time.Duration
	done  <-chan struct{} // the attack's context: an interrupted run stops waiting
	began scheduleZero
	// next hands the requests the pacer chose to the targeter, in order.
	next chan int64
	wake chan struct{} // a user became ready

	mu    sync.Mutex
	ready readyHeap       // users ready to send, by when they became ready
	due   []time.Duration // per request, when its user was ready, from the start
}

func newClosedPacer(opt Options, done <-chan struct{}) *closedPacer {
	u := opt.Schedule.Users
	p := &closedPacer{opt: opt, done: done, next: make(chan int64, u.N()), wake: make(chan struct{}, 1),
		due: make([]time.Duration, u.Requests()), spin: time.Millisecond}
	for id, start := range u.Starts {
		p.due[id] = opt.Offset + start
		p.ready = append(p.ready, ready{at: p.due[id], id: int64(id)})
	}
	heap.Init(&p.ready)
	return p
}

func (p *closedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.began.mark(elapsed, hits)
	if hits >= uint64(len(p.due)) {
		return 0, true
	}
	began := p.began.time()
	for {
		p.mu.Lock()
		var at time.Duration
		waiting := p.ready.Len() > 0
		if waiting {
			at = p.ready[0].at
		}
		wait := at - time.Since(began)
		if waiting && wait <= p.spin {
			r := heap.Pop(&p.ready).(ready)
			p.mu.Unlock()
			for time.Since(began) < at { // spin the last moment, as cappedPacer does
			}
			p.next <- r.id
			return 0, false
		}
		p.mu.Unlock()
		if !p.await(waiting, wait-p.spin) {
			return 0, true
		}
	}
}

// await waits until a user becomes ready, or for d if one is waiting
// already; false if the attack was interrupted.
func (p *closedPacer) await(waiting bool, d time.Duration) bool {
	var timer <-chan time.Time
	if waiting {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-p.wake:
	case <-p.done:
		return false
	}
	return true
}

// Rate is 0: a closed schedule's rate is whatever the server allows.
func (p *closedPacer) Rate(time.Duration) float64 { return 0 }

// ended: request id ended for its client at end (from the schedule's
// zero), so its user sends its next request after thinking.
func (p *closedPacer) ended(id int64, end time.Duration) {
	users := p.opt.Schedule.Users
	next, ok := users.Next(int(id))
	if !ok {
		return
	}
	p.mu.Lock()
	p.due[next] = end + users.Think
	heap.Push(&p.ready, ready{at: p.due[next], id: int64(next)})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// dueOf is when request id's user was ready, from the schedule's zero.
func (p *closedPacer) dueOf(id uint64) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.due[id]
}

// requestID reads the request number that the targeter put in a result's
// URL; false if it has none.
func requestID(r *vegeta.Result) (int64, bool) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(u.Query().Get("id"), 10, 64)
	return id, err == nil && id >= 0
}

// ready is a user ready to send request id since at.
type ready struct {
	at time.Duration
	id int64
}

// readyHeap orders ready users by when they became ready, then by request.
type readyHeap []ready

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].id < h[j].id)
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)   { *h = append(*h, x.(ready)) }
func (h *readyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
