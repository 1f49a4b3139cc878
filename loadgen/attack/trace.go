package attack

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/workapi"
)

// ConnectHeader carries a hit's TCP connect time in milliseconds in the
// response headers vegeta keeps, so the .bin files hold it too.
const ConnectHeader = "X-Conclab-Connect-Ms"

// formatConnect is the ConnectHeader value of a connect time: whole
// microseconds, rounded as Duration.Round rounds, so that a half
// microsecond does not read back one lower through a float's binary
// fraction (0.3095 ms is 0.30949… in binary).
func formatConnect(d time.Duration) string {
	us := max(d, 0).Round(time.Microsecond).Microseconds()
	frac := strconv.FormatInt(1000+us%1000, 10)[1:]
	return strconv.FormatInt(us/1000, 10) + "." + frac
}

// SynHeader carries how long after its send a hit's dial called connect(2)
// (Hit.Syn), in milliseconds, as ConnectHeader does its connect time.
const SynHeader = "X-Conclab-Syn-Ms"

// ConnectTime reads a result's connect time from its ConnectHeader; ok is
// false when it has none, or not a valid one.
func ConnectTime(r *vegeta.Result) (d time.Duration, ok bool) {
	return headerMs(r, ConnectHeader)
}

// RTOHeader carries a hit's Hit.RTO, in milliseconds, as ConnectHeader
// does its connect time.
const RTOHeader = "X-Conclab-Rto-Ms"

// RTOTime reads a result's Hit.RTO from its RTOHeader; 0 when it has none.
func RTOTime(r *vegeta.Result) time.Duration {
	d, _ := headerMs(r, RTOHeader)
	return d
}

// SynTime reads a result's Hit.Syn from its SynHeader; 0 when it has none.
func SynTime(r *vegeta.Result) time.Duration {
	d, _ := headerMs(r, SynHeader)
	return d
}

// headerMs reads a duration in milliseconds from r's header h.
func headerMs(r *vegeta.Result, h string) (d time.Duration, ok bool) {
	ms := r.Headers.Get(h)
	if ms == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(ms, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return time.Duration(math.Round(v * float64(time.Millisecond))), true
}

// stampConnect keeps a hit's connect time and Syn in its result's
// headers, where a response carries its connect time, so that the .bin
// record of every hit that dialed has both.
func (h *Hit) stampConnect() {
	if !h.Dialed {
		return
	}
	if h.Result.Headers == nil {
		h.Result.Headers = http.Header{}
	}
	if h.Result.Headers.Get(ConnectHeader) == "" {
		h.Result.Headers.Set(ConnectHeader, formatConnect(h.Connect))
	}
	h.Result.Headers.Set(SynHeader, formatConnect(h.Syn))
	if h.RTO > 0 {
		h.Result.Headers.Set(RTOHeader, formatConnect(h.RTO))
	}
}

// seqHeader is set by vegeta on every request it sends.
const seqHeader = "X-Vegeta-Seq"

// tracer is a RoundTripper that times each hit's TCP connect with
// httptrace, tells its Observer as each hit ends, and ties every request
// to the run's context so that an interrupted run ends its requests at
// once.
type tracer struct {
	next http.RoundTripper
	ctx  context.Context
	obs  Observer

	mu       sync.Mutex
	connects map[uint64]dial // by vegeta seq, for failed hits
}

// dial is what the tracer timed of a hit's dial: its connect time, when
// the connect started, when connect(2) was called (zero if it never
// was), and the connection's RTO as the dial returned (0: unknown).
type dial struct {
	connect time.Duration
	start   time.Time
	syn     time.Time
	rto     time.Duration
}

// dialStamps note what a request's dial does that httptrace does not
// say. The tracer puts them in each request's context; the dialer's
// ControlContext hook, which runs just before bind(2) and connect(2),
// calls syn (stampingSyn), and the dialer calls rto with the RTO its
// connection was set up with as its connect returns (retransmitTimeout).
type dialStamps struct {
	syn func()
	rto func(time.Duration)
}

type dialStampsKey struct{}

// stampingSyn wraps a dialer's Control hook (nil for none) into a
// ControlContext hook that also stamps the request's SYN. It runs after
// socket(2) and setsockopt(2), and before bind(2) (a dialer with a local
// address) and connect(2), which sends the SYN; httptrace's ConnectStart
// comes before socket(2), and a goroutine that leaves a system call on a
// starved machine may wait tens of milliseconds for a CPU before it goes
// on (docs/traffic.md).
func stampingSyn(control func(network, address string, c syscall.RawConn) error) func(context.Context, string, string, syscall.RawConn) error {
	return func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if control != nil {
			if err := control(network, address, c); err != nil {
				return err
			}
		}
		if stamps, ok := ctx.Value(dialStampsKey{}).(*dialStamps); ok {
			stamps.syn()
		}
		return nil
	}
}

// Observer hears about hits as they end: with the error of their round
// trip, or once their body is closed, which vegeta does as soon as it has
// read it and timed the hit. The targeter counts them as sent.
type Observer interface {
	Ended()
}

func newTracer(ctx context.Context, next http.RoundTripper, obs Observer) *tracer {
	return &tracer{next: next, ctx: ctx, obs: obs, connects: map[uint64]dial{}}
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	seq, _ := strconv.ParseUint(req.Header.Get(seqHeader), 10, 64)
	// The transport dials on a goroutine of its own, which may outlive
	// this call when the request gives up first.
	var mu sync.Mutex
	var start, syn time.Time
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
			d := dial{connect, start, syn, 0}
			mu.Unlock()
			t.record(seq, d)
		},
	}
	stamps := &dialStamps{
		syn: func() {
			mu.Lock()
			syn = time.Now()
			mu.Unlock()
		},
		// The dialer reads the RTO after ConnectDone has recorded the dial.
		rto: func(d time.Duration) { t.setRTO(seq, d) },
	}
	ctx, stop := mergeCancel(context.WithValue(req.Context(), dialStampsKey{}, stamps), t.ctx)
	defer stop()
	giveUp := func() {}
	if d, ok := deadlineOf(req); ok {
		// Give up at the very instant the server was told: the client's
		// own timer starts a little later, and a deadline-aware server
		// would otherwise see a client that waits longer than it says.
		ctx, giveUp = context.WithDeadline(ctx, d)
	}
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	mu.Lock()
	dialing, connected, began, synAt := !start.IsZero(), connect, start, syn
	if err != nil && dialing && connected == 0 {
		// The dial never finished: the connect lasted until the error.
		t.record(seq, dial{time.Since(start), began, synAt, 0})
	}
	mu.Unlock()
	if resp != nil && dialing {
		resp.Header.Set(ConnectHeader, formatConnect(connected))
	}
	if err != nil || resp == nil {
		giveUp()
		t.obs.Ended()
		return resp, err
	}
	resp.Body = &endingBody{ReadCloser: resp.Body, obs: t.obs, done: giveUp}
	return resp, err
}

// deadlineOf reads the instant req's client gives up from its
// workapi.DeadlineHeader, which the targeter set.
func deadlineOf(req *http.Request) (time.Time, bool) {
	v := req.Header.Get(workapi.DeadlineHeader)
	if v == "" {
		return time.Time{}, false
	}
	d, err := time.Parse(workapi.DeadlineFormat, v)
	return d, err == nil
}

// endingBody tells the Observer that its hit ended when it is closed.
// vegeta times a hit and closes its body before it hands the result on,
// and the hand-over may wait for a busy CPU: counting the hit as ended
// here keeps a sampled client_inflight to what the clients held.
type endingBody struct {
	io.ReadCloser
	obs  Observer
	done func() // releases the hit's deadline
	once sync.Once
}

// Close closes the body before it releases the hit's deadline: the
// deadline's end would otherwise wake the one-shot transport's watch of a
// connection about to close, a goroutine for nothing.
func (b *endingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		b.obs.Ended()
		b.done()
	})
	return err
}

func (t *tracer) record(seq uint64, d dial) {
	t.mu.Lock()
	t.connects[seq] = d
	t.mu.Unlock()
}

// setRTO adds the RTO to hit seq's recorded dial, where there is one: a
// hit whose request gave up between its dial's ConnectDone and this keeps
// none. (A dial that returns after its hit was taken, a ghost's, leaves
// its ConnectDone's record behind, as it did before RTOs were read.)
func (t *tracer) setRTO(seq uint64, rto time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d, ok := t.connects[seq]; ok {
		d.rto = rto
		t.connects[seq] = d
	}
}

// connect returns the connect time of hit seq, how long after its send
// (vegeta's timestamp, sent) its dial called connect(2), its connection's
// RTO as the dial returned, and whether it dialed at all.
func (t *tracer) connect(seq uint64, sent time.Time) (connect, syn, rto time.Duration, dialed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.connects[seq]
	delete(t.connects, seq)
	synAt := d.syn
	if synAt.IsZero() {
		// connect(2) was not called, or not yet when the hit gave up:
		// the connect's start, the one instant there is.
		synAt = d.start
	}
	return d.connect, max(synAt.Sub(sent), 0), d.rto, ok
}

// mergeCancel returns a context that ends when either ends. The response
// body is read after RoundTrip returns, so stop only detaches the watcher.
func mergeCancel(a, b context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(a)
	stop := context.AfterFunc(b, cancel)
	return ctx, func() { stop() }
}
