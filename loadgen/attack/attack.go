package attack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/workapi"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/workload"
)

// Options describe one attack.
type Options struct {
	Name string // the target's name, vegeta's attack name
	URL  string // base URL; id, sleep and cpu are added to its query
	// Schedule is when each hit is sent and the work it asks of the
	// handler (?sleep= and ?cpu=): exactly Schedule.Len() hits.
	Schedule *workload.Schedule
	// Timeout is the whole-request client timeout.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connect; 0 leaves it to the kernel's
	// SYN retries.
	ConnectTimeout time.Duration
	KeepAlive      bool
	// LocalAddr is the source address; nil lets the kernel choose.
	LocalAddr net.IP
	// OnSent, when set, is called as each hit is sent.
	OnSent func()
	// Shard and Shards split one schedule across processes: this attack
	// sends hits Shard, Shard+Shards, Shard+2·Shards, … of the whole
	// schedule of Requests hits, with ids and Seq numbered in it. The
	// zero values mean the whole schedule.
	Shard, Shards int
	// Offset delays the whole schedule: hit i is due at
	// Offset+Schedule.Send[i].
	// A run staggers its targets by a fraction of the interval, so their
	// sends do not all fall on the same instant.
	Offset time.Duration
}

// connBuffer is the size of each connection's read and write buffers.
const connBuffer = 1 << 10

// stride is the number of shards, at least 1.
func (o Options) stride() int {
	if o.Shards < 1 {
		return 1
	}
	return o.Shards
}

// source is the address that a shard of a split schedule connects to a
// loopback target from: 127.0.1.(Shard+1). Shards share the destination, and
// Linux's connect(2) looks for a free port among the even ones of
// ip_local_port_range first (14,116 of the default 32768-60999) and visits
// every one of them before it tries an odd one. Measured here, the 1,000
// connects after the first 14,000 to one address took 2.0-2.7 s instead of
// 77 ms, which made a 25,000-connection run fall seconds behind its
// schedule. With an address each, no (source, destination) pair holds more
// than one process's share (see shard.Plan). An unsplit schedule lets the
// kernel choose, as does a target that is not on loopback.
func (o Options) source() net.IP {
	if o.stride() < 2 || o.Shard > 253 {
		return nil
	}
	return net.IPv4(127, 0, 1, byte(o.Shard+1))
}

// ShardHits is how many of the schedule's hits this shard sends.
func (o Options) ShardHits() int {
	k, n := o.stride(), o.Schedule.Len()
	if o.Shard >= n {
		return 0
	}
	return (n - o.Shard + k - 1) / k
}

// due is when hit seq of the whole schedule is due, from the attack's
// start.
func (o Options) due(seq uint64) time.Duration { return o.Offset + o.Schedule.Send[seq] }

// Hit is one request's record.
type Hit struct {
	Result  *vegeta.Result
	Outcome outcome.Outcome
	// Connect is the TCP connect time, as the client saw it (from the
	// connect's start to the dial's return); Dialed is false when the hit
	// never reached the dial (a reused keep-alive connection, or no dial
	// at all).
	Connect time.Duration
	Dialed  bool
	// Syn is how long after its send the hit's dial called connect(2),
	// which on loopback is when its SYN reached the server, when Dialed
	// (the connect's start when it gave up before connect(2)). The
	// connect's end as the client saw it may be far later: in a burst of
	// 400 on a starved machine, the server accepted connections 0.1 to
	// 3 ms after their sends, while their clients' dials returned 60 to
	// 400 ms after (docs/traffic.md).
	Syn time.Duration
	// RTO is the retransmission timeout of the hit's connection as its
	// dial returned (TCP_INFO's tcpi_rto, on Linux; 0 elsewhere, or when
	// it could not be read): the kernel may set it from the RTT it keeps
	// for the pair of addresses, which a run's own limbo can raise to tens
	// of seconds (docs/kernel.md).
	RTO time.Duration
	// Scheduled is the hit's place on the schedule, from the attack's start.
	Scheduled time.Duration
	// Late is how long after its scheduled time the hit was sent.
	Late time.Duration
}

// hitOf is the record of result r, for a schedule that began at began.
// It sets r.Seq to the request's place in the whole schedule, the id the
// targeter gave it. vegeta's own Seq is not that: vegeta numbers a hit
// before it asks the targeter for its request, under another lock, so
// two hits due together (a burst) can swap, and a request would be
// recorded with another's sleep and due time. A closed schedule's request
// was due when its user was ready, and its end makes the user ready
// again. Its connect time is left for the caller, who knows where it was
// kept.
func (a *Attack) hitOf(r *vegeta.Result, began time.Time) Hit {
	id, _ := requestID(r) // the targeter always puts one in
	r.Seq = uint64(id)
	if a.closed == nil {
		return a.opt.HitOf(r, began)
	}
	h := Hit{Result: r, Outcome: Classify(r), Scheduled: a.closed.dueOf(r.Seq)}
	h.Late = r.Timestamp.Sub(began) - h.Scheduled
	a.closed.ended(id, r.Timestamp.Add(r.Latency).Sub(began))
	return h
}

// HitOf is the record of result r of an open schedule, whose Seq is its
// place in the whole schedule, for a schedule that began at began.
func (o Options) HitOf(r *vegeta.Result, began time.Time) Hit {
	h := Hit{Result: r, Outcome: Classify(r), Scheduled: o.due(r.Seq)}
	h.Late = r.Timestamp.Sub(began) - h.Scheduled
	return h
}

// Counters are an attack's live numbers, safe to read while it runs.
type Counters struct {
	Sent     atomic.Int64
	Done     atomic.Int64
	Inflight atomic.Int64
	OK       atomic.Int64
	Errors   atomic.Int64
}

// Attack is one running attack.
type Attack struct {
	opt      Options
	attacker *vegeta.Attacker
	tracer   *tracer
	Counters Counters
	onHit    func(Hit)
	pace     *cappedPacer
	closed   *closedPacer // a closed schedule's pacer, instead of pace
}

// Observe is called for each hit as it ends, from one goroutine.
type Observe func(Hit)

// New prepares an attack; ctx ends every request still in flight when it
// is cancelled.
func New(ctx context.Context, opt Options, onHit Observe) (*Attack, error) {
	if opt.Schedule == nil || opt.Schedule.Len() < 1 {
		return nil, fmt.Errorf("attack %s: the schedule must hold a request", opt.Name)
	}
	if opt.Shards < 0 || (opt.Shards > 0 && (opt.Shard < 0 || opt.Shard >= opt.Shards)) {
		return nil, fmt.Errorf("attack %s: shard %d of %d", opt.Name, opt.Shard, opt.Shards)
	}
	if opt.Schedule.Closed() && opt.stride() > 1 {
		return nil, fmt.Errorf("attack %s: a closed schedule's users run in one process, not in %d shards", opt.Name, opt.Shards)
	}
	if _, err := url.Parse(opt.URL); err != nil {
		return nil, fmt.Errorf("attack %s: url: %w", opt.Name, err)
	}
	a := &Attack{opt: opt, onHit: onHit}
	// Each hit may hold a connection at once, at most.
	reserveDescriptors(opt.ShardHits())
	if opt.Schedule.Closed() {
		a.closed = newClosedPacer(opt, ctx.Done())
	}
	// No TCP keepalive probes: the timer wheel fires a 30 s probe timer
	// (vegeta's and Go's default dialers set one) at the next 2.048 s
	// tick, so a run that opens 1,000 connections a second sent about
	// 2,000 probes at once on loopback. They overflowed the CPU's input
	// backlog (netdev_max_backlog), which then lost SYNs too. The request
	// timeout already ends every connection (docs/kernel.md).
	dialer := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: -1}
	if opt.LocalAddr != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: opt.LocalAddr}
	}
	dial := newCachingDialer(dialer, opt.source()).DialContext
	transport := &http.Transport{
		Proxy:               nil, // loopback targets only: never an environment proxy
		DialContext:         dial,
		DisableKeepAlives:   !opt.KeepAlive,
		MaxIdleConnsPerHost: opt.Schedule.Len(),
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		// A held request keeps its connection's buffers, and a lab
		// server's answer is about 150 bytes of headers and a short body
		// (a longer one is read in several calls): 1 KiB each instead of
		// the default 4 saves 6 KiB per held request (docs/perf.md).
		ReadBufferSize:  connBuffer,
		WriteBufferSize: connBuffer,
	}
	var next http.RoundTripper = transport
	if !opt.KeepAlive {
		next = &oneShot{dial: dial, other: transport}
	}
	a.tracer = newTracer(ctx, next, (*observer)(a))
	// No Client.Timeout: the tracer gives each request up at the deadline
	// the targeter sent (Options.Timeout after its send). http.Client
	// does not know the tracer as a RoundTripper of its own, so a Timeout
	// would cost every request a timer and two goroutines that wait for
	// it, 7 KiB of a held request's memory (docs/perf.md).
	client := &http.Client{Transport: a.tracer,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	a.attacker = vegeta.NewAttacker(
		vegeta.Client(client),
		// An open model: vegeta starts a worker whenever all are busy, so
		// slow responses never delay the next send.
		vegeta.Workers(vegeta.DefaultWorkers),
		vegeta.MaxWorkers(vegeta.DefaultMaxWorkers),
		vegeta.MaxBody(64<<10),
	)
	return a, nil
}

type observer Attack

func (o *observer) Sent() {
	o.Counters.Sent.Add(1)
	o.Counters.Inflight.Add(1)
	if o.opt.OnSent != nil {
		o.opt.OnSent()
	}
}

func (o *observer) Ended() { o.Counters.Inflight.Add(-1) }

// Run sends the hits and blocks until every one has ended or ctx is done.
func (a *Attack) Run(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() { a.attacker.Stop() })
	defer stop()
	var pacer vegeta.Pacer
	if a.closed != nil {
		pacer = a.closed
	} else {
		a.pace = a.pacer()
		defer a.pace.sleeper.close()
		pacer = a.pace
	}
	zero := a.scheduleZero()
	results := a.attacker.Attack(a.targeter(), pacer, 0, a.opt.Name)
	// vegeta's results channel is unbuffered: a worker waits until its
	// result is taken, and when every worker waits, the pacer starts
	// another one, late. Take results at once; record them elsewhere.
	// A request stops counting as in flight as it ends (observer.Ended),
	// not once its result is taken or recorded: a sampled
	// client_inflight must not include the time loadgen takes for that.
	queue := make(chan *vegeta.Result, 1<<14)
	go func() {
		defer close(queue)
		for r := range results {
			queue <- r
		}
	}()
	for r := range queue {
		local := r.Seq
		a.Counters.Done.Add(1)
		h := a.hitOf(r, zero.time())
		h.Connect, h.Syn, h.RTO, h.Dialed = a.tracer.connect(local, r.Timestamp)
		h.stampConnect()
		if h.Outcome == outcome.OK {
			a.Counters.OK.Add(1)
		} else {
			a.Counters.Errors.Add(1)
		}
		if a.onHit != nil {
			a.onHit(h)
		}
	}
}

// Zero is the instant the schedule began, vegeta's start of the attack,
// which its first pacer call fixes: each hit's lateness counts from it
// (Hit.Late). It comes a timer's lateness and vegeta's start-up after the
// instant Run was meant to begin, and a clock that counts from that
// instant must subtract the difference to line up with the hits. Call it
// once Run has returned; the zero time if the attack never began.
func (a *Attack) Zero() time.Time {
	if z := a.scheduleZero(); z != nil {
		return z.time()
	}
	return time.Time{}
}

// scheduleZero is the zero of the attack's pacer; nil before Run has set
// up an open schedule's pacer.
func (a *Attack) scheduleZero() *scheduleZero {
	switch {
	case a.closed != nil:
		return &a.closed.began
	case a.pace != nil:
		return &a.pace.began
	}
	return nil
}

func (a *Attack) pacer() *cappedPacer {
	hits := a.opt.ShardHits()
	p := &cappedPacer{hits: uint64(hits), opt: a.opt, sleeper: newSleeper()}
	if hits > 0 {
		p.spin = min(maxSpin, time.Duration(a.opt.stride())*a.opt.Schedule.MeanGap()/50)
	}
	return p
}

// maxSpin is the most the pacer spins before a hit, after its sleep: the
// sleeper wakes within tens of microseconds where a CPU is free, and every
// microsecond spun is taken from servers on the same machine. A spin is
// also at most a 50th of the mean gap, never more than 2 % of a core.
const maxSpin = 50 * time.Microsecond

// cappedPacer sends exactly the shard's hits, each when the schedule says:
// vegeta's own pacers have no cap on the number of hits, and a steady
// rate.
type cappedPacer struct {
	hits    uint64
	opt     Options
	spin    time.Duration
	sleeper *sleeper
	began   scheduleZero
}

// scheduleZero is vegeta's start of the attack, the zero of the
// schedule, worked out from a pacer's first call (elapsed is measured
// from it).
type scheduleZero struct{ ns atomic.Int64 }

// mark sets the zero on the first call, hits == 0.
func (z *scheduleZero) mark(elapsed time.Duration, hits uint64) {
	if hits == 0 {
		z.ns.CompareAndSwap(0, time.Now().Add(-elapsed).UnixNano())
	}
}

// time is the zero; the zero time before the first pacer call.
func (z *scheduleZero) time() time.Time {
	ns := z.ns.Load()
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func (p *cappedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.began.mark(elapsed, hits)
	if hits >= p.hits {
		return 0, true
	}
	due := p.opt.due(uint64(p.opt.Shard) + hits*uint64(p.opt.stride()))
	wait := due - elapsed
	if wait <= 0 {
		return 0, false
	}
	// Sleep until just before the hit is due, and spin the rest. The
	// pacer sleeps itself rather than have vegeta sleep the wait it
	// returns, since vegeta sends the hit as soon as that sleep ends.
	// The deadline is on the monotonic clock: a step of the wall clock
	// must not move it.
	deadline := time.Now().Add(wait)
	p.sleeper.sleepUntil(deadline.Add(-p.spin))
	for time.Now().Before(deadline) {
	}
	return 0, false
}

// Rate is the shard's mean rate: vegeta reads it only for its reports.
func (p *cappedPacer) Rate(time.Duration) float64 {
	return p.opt.Schedule.OfferedRate() / float64(p.opt.stride())
}

// targeter asks for GET URL?id=N&sleep=S&cpu=C, N counting from 0 and S
// and C request N's work on the schedule, with the instant its client
// will give up, its send now plus the timeout, in workapi.DeadlineHeader
// (for a server that propagates deadlines). A sleep already in the URL
// stays where the schedule asks for none.
//
// It counts the hit as sent (observer.Sent): vegeta calls it just after
// it stamps the hit's send, so the in-flight counter counts from about
// the instant the run records as the send, as the prediction does (what
// is left between is vegeta's unlock and a defer, where a goroutine can
// still lose its CPU, but no longer the request's build). Counted
// in the round trip instead, a hit whose goroutine waited for a CPU in
// between was missing from the counter: in two burst-after-deploy runs
// (2026-12-07), three samples taken 0.7 to 16 ms after such a send, whose
// SYN left 2 to 22 ms after it, counted one request fewer in flight than
// every replica.
func (a *Attack) targeter() vegeta.Targeter {
	base, _ := url.Parse(a.opt.URL)
	q := base.Query()
	sc := a.opt.Schedule
	var next atomic.Int64
	first, stride := int64(a.opt.Shard), int64(a.opt.stride())
	return func(t *vegeta.Target) error {
		id := first + (next.Add(1)-1)*stride
		if a.closed != nil {
			id = <-a.closed.next // the request whose user the pacer chose
		}
		(*observer)(a).Sent()
		u := *base
		qq := make(url.Values, len(q)+1)
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("id", strconv.FormatInt(id, 10))
		if sleep := sc.Sleep[id]; sleep > 0 || q.Get("sleep") == "" {
			qq.Set("sleep", sleep.String())
		}
		if cpu := sc.CPU[id]; cpu > 0 {
			qq.Set("cpu", cpu.String())
		}
		u.RawQuery = qq.Encode()
		t.Method = http.MethodGet
		t.URL = u.String()
		if a.opt.Timeout > 0 {
			t.Header = http.Header{workapi.DeadlineHeader: {time.Now().Add(a.opt.Timeout).Format(workapi.DeadlineFormat)}}
		}
		return nil
	}
}
