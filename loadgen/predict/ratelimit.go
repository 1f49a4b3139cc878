package predict

import (
	"errors"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// rateLimit is net/http behind golang.org/x/time/rate's token bucket
// (servers/ratelimit). A request is admitted when it is accepted if the
// bucket holds a token, and runs at once; the bucket gains TokenRate
// tokens a second, up to Burst, and starts full. Without a token it gets
// 429 at once. With RateWait it reserves the next token and waits for it
// in the application queue, unless the wait would exceed QueueTimeout
// (then it gives the token back and gets 429); a client that gives up
// while it waits gives its token back too.
//
// The bucket's arithmetic is x/time/rate's, step for step (advance,
// reserveN, CancelAt), in the same float64 tokens and integer
// nanoseconds, so that the simulation admits exactly the requests the
// server does when both see the same instants.
type rateLimit struct {
	rate      float64
	burst     float64
	wait      bool
	timeout   time.Duration
	tokens    float64
	last      time.Duration // when tokens was last updated
	lastEvent time.Duration // when the latest reserved token is due
	reserved  map[int]time.Duration
}

func newRateLimit(l Limits) *rateLimit {
	return &rateLimit{rate: l.TokenRate, burst: float64(l.Burst), wait: l.RateWait, timeout: l.QueueTimeout,
		tokens: float64(l.Burst), reserved: map[int]time.Duration{}}
}

func (b *rateLimit) willAccept(*engine) bool   { return true }
func (b *rateLimit) workEnded(*engine, int)    {}
func (b *rateLimit) timer(e *engine, ev event) { b.tokenDue(e, ev.idx) }

func (b *rateLimit) accepted(e *engine, r int) {
	if !b.wait {
		if _, ok := b.reserve(e.now, 0); ok {
			e.startWork(r)
		} else {
			e.end(r, outcome.HTTP429)
		}
		return
	}
	due, _ := b.reserve(e.now, infinite)
	switch delay := max(due-e.now, 0); {
	case b.timeout > 0 && delay > b.timeout:
		b.cancel(due, e.now)
		e.end(r, outcome.HTTP429)
	case delay == 0:
		e.startWork(r)
	default:
		e.enterQueue(r)
		b.reserved[r] = due
		e.events.push(event{t: due, kind: kindServerTimer, idx: r})
	}
}

// tokenDue: request r's reserved token is due, and its goroutine wakes.
func (b *rateLimit) tokenDue(e *engine, r int) {
	if _, ok := b.reserved[r]; !ok || e.st[r].phase != phaseAppQueued {
		return
	}
	delete(b.reserved, r)
	e.handOver(r, 0)
}

// leftQueue: the client of a waiting request gave up; its handler sees the
// context cancelled and gives the token back.
func (b *rateLimit) leftQueue(e *engine, r int) {
	if due, ok := b.reserved[r]; ok {
		delete(b.reserved, r)
		b.cancel(due, e.now)
	}
}

// infinite is x/time/rate's InfDuration.
const infinite = time.Duration(1<<63 - 1)

// advance is the bucket's tokens at t (rate.Limiter.advance).
func (b *rateLimit) advance(t time.Duration) float64 {
	last := min(b.last, t)
	tokens := b.tokens + b.fromDuration(t-last)
	return min(tokens, b.burst)
}

// reserve takes one token at t, waiting at most maxWait for it
// (rate.Limiter.reserveN with n = 1): when it is due, or false with the
// bucket unchanged when it would come later than that.
func (b *rateLimit) reserve(t, maxWait time.Duration) (time.Duration, bool) {
	tokens := b.advance(t) - 1
	var wait time.Duration
	if tokens < 0 {
		wait = b.toDuration(-tokens)
	}
	if wait > maxWait {
		return 0, false
	}
	b.last, b.tokens, b.lastEvent = t, tokens, t+wait
	return t + wait, true
}

// cancel gives back at t the token reserved for due, less the tokens
// reserved after it (rate.Reservation.CancelAt).
func (b *rateLimit) cancel(due, t time.Duration) {
	if due < t {
		return
	}
	restore := 1 - b.fromDuration(b.lastEvent-due)
	if restore <= 0 {
		return
	}
	b.tokens, b.last = min(b.advance(t)+restore, b.burst), t
	if due == b.lastEvent {
		if prev := due + b.toDuration(-1); prev >= t {
			b.lastEvent = prev
		}
	}
}

// fromDuration and toDuration are rate.Limit's tokensFromDuration and
// durationFromTokens.
func (b *rateLimit) fromDuration(d time.Duration) float64 { return d.Seconds() * b.rate }

func (b *rateLimit) toDuration(tokens float64) time.Duration {
	d := tokens / b.rate * float64(time.Second)
	if d > float64(infinite) {
		return infinite
	}
	return time.Duration(d)
}

func checkRateLimit(l Limits) error {
	switch {
	case !(l.TokenRate > 0):
		return errors.New("Limits.TokenRate: a token bucket needs a rate above 0")
	case l.Burst < 1:
		return errors.New("Limits.Burst: a token bucket needs a burst of at least 1")
	}
	return nil
}

func init() {
	disciplines[catalog.TokenBucket] = discipline{check: checkRateLimit,
		build: func(l Limits) server { return newRateLimit(l) }}
}
