package attack

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"time"
)

// ConnectHeader carries a hit's TCP connect time in milliseconds in the
// response headers vegeta keeps, so the .bin files hold it too.
const ConnectHeader = "X-Conclab-Connect-Ms"

// seqHeader is set by vegeta on every request it sends.
const seqHeader = "X-Vegeta-Seq"

// tracer is a RoundTripper that times each hit's TCP connect with
// httptrace, counts hits in flight, and ties every request to the run's
// context so that an interrupted run ends its requests at once.
type tracer struct {
	next http.RoundTripper
	ctx  context.Context
	obs  Observer

	mu       sync.Mutex
	connects map[uint64]time.Duration // by vegeta seq, for failed hits
}

// Observer hears about hits as they are sent.
type Observer interface {
	Sent()
}

func newTracer(ctx context.Context, next http.RoundTripper, obs Observer) *tracer {
	return &tracer{next: next, ctx: ctx, obs: obs, connects: map[uint64]time.Duration{}}
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	seq, _ := strconv.ParseUint(req.Header.Get(seqHeader), 10, 64)
	t.obs.Sent()
	// The transport dials on a goroutine of its own, which may outlive
	// this call when the request gives up first.
	var mu sync.Mutex
	var start time.Time
	var connect time.Duration
	trace := &httptrace.ClientTrace{
		ConnectStart: func(_, _ string) {
			mu.Lock()
			start = time.Now()
			mu.Unlock()
		},
		ConnectDone: func(_, _ string, _ error) {
			mu.Lock()
			connect = time.Since(start)
			mu.Unlock()
			t.record(seq, connect)
		},
	}
	ctx, stop := mergeCancel(req.Context(), t.ctx)
	defer stop()
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	mu.Lock()
	dialing, connected := !start.IsZero(), connect
	if err != nil && dialing && connected == 0 {
		// The dial never finished: the connect lasted until the error.
		t.record(seq, time.Since(start))
	}
	mu.Unlock()
	if resp != nil && dialing {
		resp.Header.Set(ConnectHeader, strconv.FormatFloat(float64(connected)/1e6, 'f', 3, 64))
	}
	return resp, err
}

func (t *tracer) record(seq uint64, d time.Duration) {
	t.mu.Lock()
	t.connects[seq] = d
	t.mu.Unlock()
}

// connect returns the connect time of hit seq and whether it dialed at all.
func (t *tracer) connect(seq uint64) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.connects[seq]
	delete(t.connects, seq)
	return d, ok
}

// mergeCancel returns a context that ends when either ends. The response
// body is read after RoundTrip returns, so stop only detaches the watcher.
func mergeCancel(a, b context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(a)
	stop := context.AfterFunc(b, cancel)
	return ctx, func() { stop() }
}
