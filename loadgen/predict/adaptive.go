package predict

import (
	"fmt"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/limiter"
	"github.com/conclab/conclab/loadgen/outcome"
)

// adaptive is net/http behind a concurrency limit that learns
// (servers/adaptive): an accepted request runs if fewer than the limit
// run, else it gets 503; when its work stops, the limit takes its round
// trip, the running count when it was admitted, and whether its client
// left first. The limiter is the server's own code (internal/limiter).
type adaptive struct {
	noTimer
	limit    limiter.Limiter
	inflight int
	admitted map[int]int // per running request: the running count when it was admitted
}

func (a *adaptive) willAccept(*engine) bool { return true }

func (a *adaptive) accepted(e *engine, r int) {
	if a.inflight >= a.limit.Limit() {
		e.end(r, outcome.HTTP503)
		return
	}
	a.inflight++
	a.admitted[r] = a.inflight
	e.startWork(r)
}

func (a *adaptive) workEnded(e *engine, r int) {
	a.inflight--
	rtt := e.now - e.out[r].Started
	a.limit.Update(rtt, a.admitted[r], rtt < e.service(r)) // cut short: its client left
	delete(a.admitted, r)
}

func checkAdaptive(l Limits) error {
	if limiter.New(l.Limiter, l.InitialLimit, l.MinLimit, l.MaxLimit) == nil {
		return fmt.Errorf("Limits.Limiter: unknown limiter %q", l.Limiter)
	}
	return nil
}

func init() {
	disciplines[catalog.AdaptiveLimit] = discipline{check: checkAdaptive, build: func(l Limits) server {
		return &adaptive{limit: limiter.New(l.Limiter, l.InitialLimit, l.MinLimit, l.MaxLimit), admitted: map[int]int{}}
	}}
}
