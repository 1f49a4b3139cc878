package predict

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// DefaultReplicas is how many perturbed simulations a prediction's ranges
// come from unless asked otherwise.
const DefaultReplicas = 200

// Spread is what replicas draw their perturbations from: what a run
// measured, or before a run the kernel's calibration alone.
type Spread struct {
	// SendLate is, per request, how much later than scheduled it was sent
	// (as measured); every replica sends it then. nil: on schedule.
	SendLate []time.Duration
	// GiveUpLate holds samples of how much later than its deadline a
	// client gave up: the timer that fires its give-up wakes late, as any
	// Go timer does. Each replica gives each request one, drawn from
	// them (with GiveUpAt, from those of its moment and the stayers); a
	// deadline-aware server still judges by the deadline itself. nil: at
	// the deadline.
	GiveUpLate []time.Duration
	// GiveUpAt, nil or with an entry for each of GiveUpLate's, ascending,
	// is when on the schedule's clock each of those deadlines came; and
	// StayedLate and StayedAt, each with an entry for each of the other's,
	// ascending in StayedAt, are how long after its deadline the server
	// wrote the answer of each client that took it all the same, by when
	// that deadline came. A replica's client then gives up as late as the
	// Kaplan-Meier estimate from the give-ups and the stayers whose
	// deadlines came within localWindow of its own (from all of them
	// where none did), each stayer a give-up at least that late
	// (giveUps): a busy client is slow to give up and to take its answers
	// alike. Without GiveUpAt, StayedLate is not used.
	GiveUpAt, StayedLate, StayedAt []time.Duration
	// Syn is, per request, the part of SendLate from its client's send
	// to its connect's start, when its SYN reaches the server: the
	// request reaches the server at its send plus SendLate, but its
	// client's timeout, and the client's in-flight gauge, count from its
	// send. nil: none.
	Syn []time.Duration
	// Reach is, per request, how long after its SYN (at its send plus
	// SendLate) it reached the model's gate, as the server timed it: the
	// accept, a goroutine, the read of the request. Every replica accepts
	// it without a drawn accept delay and has it reach the gate then
	// (counting it in the accept queue on the way: the timing does not
	// tell its accept from its read), instead of drawing an admission
	// delay. nil: none known.
	Reach []time.Duration
	// Written is, per request, how long after its SYN its request could
	// reach the model's gate at the soonest: when its client's dial
	// returned and it wrote the request, or, for a request the server
	// accepted before that, when the server read it. A replica of a
	// LimitListener (catalog.KernelQueue; Replicate drops it for the
	// others) whose Reach is nil accepts such a request as the kernel and
	// the model allow, but has it reach the gate no sooner, holding its
	// connection meanwhile, instead of drawing an admission delay: on a
	// starved machine the client's dials return late, and a
	// LimitListener's slot waits for a request its client has not
	// written yet (in a burst of 400 connects, 60 to 220 ms after the
	// server accepted them). 0: no bound (its connect retransmitted a
	// SYN, so a replica's handshake comes at another moment, or its dial
	// never returned): it reaches the gate as the replica accepts it.
	// nil: none known, and replicas draw admission delays. Ignored where
	// Reach is given.
	Written []time.Duration
	// ReadAfterAccept is, per request with a Written, how long after its
	// accept the server read it where its client had written it before
	// (the server's goroutine and its read): a replica that accepts it
	// after its write has it reach the gate that much later. 0: at once.
	ReadAfterAccept []time.Duration
	// AcceptAfter is, per request, how long after its SYN the server
	// accepted its connection, where the server timed it (the ok
	// requests' accept stamps, from a handshake at the first SYN); 0:
	// unknown. A replica of a model that decides at the accept
	// (catalog.RejectBeyond: fasthttp) accepts such a connection then
	// where that is later than any accept delay it draws (AcceptDelay),
	// and draws the others' accepts as before; the kernel's queue is
	// FIFO, so one accepted late holds back those behind it. Taken where
	// a draw could give it too, the measured accepts moved fasthttp-4's
	// replicas in a ramp run off the run. On a starved machine the
	// accept loop runs late: in a burst-after-deploy run (2026-12-06),
	// fasthttp-4 accepted request 626 10 ms after its SYN, just after a
	// work had ended and freed its place, and served it, where every
	// replica, accepting it within a millisecond, found all four places
	// held and refused it. Ignored where Reach is given.
	AcceptAfter []time.Duration
	// InKernel is, per request with a known Reach, how much of it the
	// connection spent in the kernel's accept queue, as the server's
	// accept stamp tells: the rest of its way to the gate it was
	// accepted, and the accept-queue gauge does not count it. On a
	// starved machine that rest is long (the server's goroutine waits
	// for a CPU, or for its client to write the request): a burst of
	// 400 connects reached labserver's gate up to 580 ms after their
	// connects with at most 3 in the accept queue. nil: the accepts were
	// not timed, and the whole of Reach counts in the accept queue.
	InKernel []time.Duration
	// Overshoot holds samples of how much longer than Service a handler's
	// work lasted; each replica gives each request one, drawn at random.
	// nil: none.
	Overshoot []time.Duration
	// Retransmits is each SYN retransmission's earliest and latest offset
	// after the first SYN; each replica draws each request's uniformly in
	// between. nil: the Kernel's schedule, exactly.
	Retransmits [][2]time.Duration
	// TimerHZ, when known, is the kernel's timer frequency (CONFIG_HZ):
	// each replica then fires every retransmission on the timer wheel
	// (wheel.go), at a random alignment of its jiffies, instead of
	// drawing it within Retransmits. CPUs is how many CPUs the timers run
	// on; retransmissions that fire together on different CPUs race for
	// the accept queue (engine.racesIn).
	TimerHZ int
	CPUs    int
	// DecideDelay holds samples of how long after a request reached the
	// model's gate (as Reach times it) the gate decided on it: the run's
	// refusals at once, each refused less arrived as the server stamped
	// them. Each replica adds one, drawn at random, to each known Reach:
	// between the two stamps the server's goroutine may lose its CPU for
	// milliseconds on a loaded machine, and a token bucket's or a
	// semaphore's answer depends on the instant it decides. nil: none.
	DecideDelay []time.Duration
	// AdmitDelay holds samples of how long after its connect a request
	// reached the server's admission (accept, a goroutine, the read of the
	// request): as the server timed them where it could, or else the run's
	// scheduling delays (how late its sends were), since on a loaded
	// machine that is a scheduling delay too. Each replica adds one to
	// each request's send, drawn at random, so that requests that reached
	// the server within a few of them of each other may come in either
	// order. nil: none.
	AdmitDelay []time.Duration
	// AdmitLocal are the samples of AdmitDelay again, each placed at
	// AdmitAt, when it began on the schedule's clock (ascending). Where
	// the run timed no hand-over (WakeDelay), a wake draws among those of
	// its moment where there are any (else among them all): a burst's
	// sends late by half a second say little of the scheduling delays
	// three seconds later. nil: any of AdmitDelay.
	AdmitLocal, AdmitAt []time.Duration
	// WakeDelay holds samples of how long a waiter handed a freed slot or
	// worker took to start its work; each hand-over in a replica draws
	// one. nil: drawn from AdmitDelay instead, among those of the moment
	// (AdmitAt).
	WakeDelay []time.Duration
	// WakeAt, when it has an entry for each of WakeDelay's, ascending, is
	// when on the schedule's clock each of those hand-overs began. A
	// replica's hand-over then draws among those that began within
	// localWindow of its own, where there are any, as every other delay
	// of a busy moment does. Drawn from the whole run, in deadline-4 alone
	// under burst-after-deploy (2026-12-07), the 18 hand-overs of a slot
	// that turned alone through the backlog took 3.5 ms in the replicas
	// against 2.5 ms in the run, while the three slots that turned
	// together drew less than theirs, so the replicas' turns drifted
	// about a millisecond from the run's both ways.
	WakeAt []time.Duration
	// AcceptWake holds samples of how long a LimitListener's slot took,
	// while every slot was taken, from the end of the work that held it
	// to the accept of the next connection: the server's write and close,
	// and its accept loop's wake (labserver's Passage.SlotFreed to the
	// next's Accepted, counted from an ok work's end up to 2 ms before
	// that close); AcceptWakeAt, one for each, ascending, when each began
	// on the schedule's clock. A replica's close, which comes as its work
	// ends, draws its wake among those of its moment. nil: a wake draws
	// as a hand-over does (WakeDelay).
	AcceptWake, AcceptWakeAt []time.Duration
	// PerRefusal is how much later a waiter handed a freed slot wakes for
	// each waiter the server refused at the same release before it (a
	// deadline queue's hopeless waiters): Go mostly runs their goroutines,
	// which write their 503s, before the handed one, though not always
	// (docs/verdict.md). 0: no later.
	PerRefusal time.Duration
	// AfterRefusals holds, by how many waiters were refused before it,
	// samples of how long a hand-over took. A release that refused that
	// many draws from them instead of adding PerRefusal for each: the
	// run's rare long ones (5.4 ms after 17 refusals, where 16 took
	// 2.1 ms) move a slot's phase for good, and an even share of them
	// per refusal would not. nil: PerRefusal alone.
	AfterRefusals map[int][]time.Duration
	// RefusalStorms are the run's turns that refused waiters, ascending
	// by At: a replica's refused waiter writes its 503 as late after its
	// turn's first refusal as the run's waiter of its rank did, and times
	// out if its client gives up first (refuse). Empty: PerRefusal later
	// for each waiter refused before it in its turn. nil: at once.
	RefusalStorms []RefusalStorm
	// OvershootQuiet, when it has an entry for each of Overshoot's,
	// ascending, is how long before each sample's sleep came due the
	// server's previous work had ended. A replica's sleep then draws its
	// overshoot from the samples whose quiet was nearest its own.
	OvershootQuiet []time.Duration
	// OvershootLocal and OvershootAt, when each has an entry for each of
	// the other's and OvershootQuiet is given, are the same samples by
	// when on the schedule's clock each sleep came due, ascending in
	// OvershootAt. A replica's sleep that comes due within localWindow of
	// some of them draws among those instead of by quiet: a busy machine
	// makes every sleep of its moment late. In burst-after-deploy, while
	// seven servers took 2,800 connections at 30.5 s, sleeps overshot by
	// p50 1.0 ms against 0.44 ms over the run, and drawn by quiet alone,
	// a pool's works ended a millisecond before the run's did and gave
	// their freed queue places to other requests than the run did.
	OvershootLocal, OvershootAt []time.Duration
	// QueueTimeoutLate and QueueTimeoutAt, each with an entry for each of
	// the other's, ascending in QueueTimeoutAt, are how much later than
	// the earliest queue timeout it fired each of the run's wakes for its
	// waiters' queue timers came: the first of them to leave the
	// application queue (its decided less the timeout its policy gave
	// it), by when on the schedule's clock that earliest timeout came
	// due. A replica's wake for a timeout that comes due within
	// localWindow of some of them comes as late as one of those, drawn at
	// random; otherwise at the timeout. The waiter stays on the server's
	// list until its goroutine runs, which on a busy machine is late, and
	// its timer may fire late too. Without QueueTimeoutStep, each waiter
	// leaves as late as it draws, and a timer counts as fired when due
	// (expiredAtHandOver): in a burst-after-deploy run (2026-12-06),
	// codel-4's waiters that joined at 30.38 to 30.40 s left 1 to 22 ms
	// after their 100 ms, so its queue was never empty and stood (turned
	// LIFO, with 5 ms waits) when the next clients came at 30.50 s, where
	// replicas whose waiters left on time found it empty.
	QueueTimeoutLate, QueueTimeoutAt []time.Duration
	// QueueTimeoutStep and QueueTimeoutStepAt, each with an entry for
	// each of the other's, ascending in QueueTimeoutStepAt, are how much
	// later than the one before each further waiter of one of the
	// runtime's wakes left the queue, by when on the schedule's clock the
	// earliest of that wake's timeouts came due. With them a replica
	// fires its queue timers at shared wakes, QueueTimeoutLate then being
	// how late each wake came after that earliest timeout (queuewakes.go).
	QueueTimeoutStep, QueueTimeoutStepAt []time.Duration
	// StopLate and StopAt, each with an entry for each of the other's,
	// ascending in StopAt, are how much later than its client's deadline
	// the server stopped each of the run's works whose client gave up
	// during it, before it came due, by when on the schedule's clock that
	// deadline came. A replica stops such a work as late after its own
	// client's deadline as one of the run's whose deadlines came within
	// localWindow of it, drawn at random, and otherwise at the give-up
	// (engine.stopsAt).
	StopLate, StopAt []time.Duration
	// OvershootCut and OvershootLocalCut, when given, say for each sample
	// of Overshoot and of OvershootLocal whether a wake of the server
	// ended it: another request's accept, arrival or refusal, as the
	// server timed them, came within verdict.WakeCut before its end,
	// after its sleep came due. An idle Go runtime sleeps in epoll_wait to
	// a millisecond's resolution, and a network event that wakes it
	// sooner fires every due timer. Where the model holds a place per
	// connection (catalog.RejectBeyond: fasthttp), the arrival whose
	// accept cut a sleep short found the place still taken, since freeing
	// it waits for the answer's write and the close. Such a model's
	// replicas then give each cut sample the length its own timer would
	// have given it (naturalOvershoots), and end a sleep at the first
	// accept or arrival after it came due (engine.cutsAtWakes), as the
	// server did. The other models draw the samples as measured: their
	// freed places go to waiters at once and their works run back to
	// back, so the mean overshoot sets the phase of every later start,
	// which a replica's wakes, at accepts and arrivals only, would not
	// keep (docs/verdict.md).
	OvershootCut, OvershootLocalCut []bool
	// SleepTimers says the handlers' work is a sleep, a Go timer: the
	// runtime fires every expired timer when it wakes for one, so in a
	// replica a sleep that comes due while an earlier one overshoots ends
	// with it (engine.fireDueTimers) instead of at its own overshoot.
	SleepTimers bool
	// WakeStagger and WakeStaggerAt, each with an entry for each of the
	// other's, ascending in WakeStaggerAt, are how much later than the
	// previous one each sleep of a wake ended, by when on the schedule's
	// clock its wake came. A wake's sleeps end one after another, as the
	// runtime runs their goroutines, not at one instant: in the burst of
	// burst-after-deploy (2026-12-07) the second of a wake ended a median
	// 0.10 ms after the first and the fourth 0.25 ms after, and codel-4's
	// LIFO queue handed each slot to the request that had come newest
	// by then. A replica ends each further sleep of a wake that much after
	// the one before, drawn among those of its moment (within localWindow)
	// where there are any. nil: at the wake, with the first.
	WakeStagger, WakeStaggerAt []time.Duration
	// ReplyDelay holds samples of how long an ok answer took to reach its
	// client after its work ended; each replica gives each ok answer one,
	// drawn at random. nil: at once.
	ReplyDelay []time.Duration
	// ReplyOf is, per request, how long its ok answer took to reach its
	// client after its work ended, as measured; 0 where unknown. A
	// replica of a closed input gives each ok answer its own, where known,
	// instead of a draw: a closed user sends again when its answer comes,
	// and the run's users sent in the clumps that their answers came in,
	// which independent draws would spread apart.
	ReplyOf []time.Duration
	// ReplyAt and AnswerAt, when each has an entry for each of
	// ReplyDelay's and AnswerDelay's, ascending, are when on the schedule's
	// clock each sample began. A replica then draws a delay among the
	// samples that began within localWindow of its own start, where there
	// are any: a stall of the machine delays the answers of its moment
	// together (in overload-controls, answers took 10 to 56 ms at 0.45 to
	// 0.55 s while nine servers started up, and at most 2 ms later on),
	// and drawn from the whole run, the stall would vanish from the
	// replicas' gauges.
	ReplyAt, AnswerAt []time.Duration
	// AnswerDelay holds samples of how long the run's rejections took to
	// reach their client after the server decided them; each replica gives
	// each rejection one, drawn at random. nil: at once.
	AnswerDelay []time.Duration
	// ReadHold and CloseHold hold samples of how long a model that holds
	// a place per connection (fasthttp's Concurrency) held it before the
	// request reached its handler (from the accept: the read of the
	// request) and after the work ended (until the close, after the
	// answer's write). Each request a replica's model admits draws one of
	// each: its work starts, and its place is freed, that much later. With
	// Reach, the read is in each request's measured way to the gate, and
	// the model takes its place at the gate: the place per connection is
	// then held from the gate, not the accept (a fasthttp run has every
	// way timed only when it refused none).
	// nil: at once. ReadHoldAt and CloseHoldAt, when each has an entry
	// for each of theirs, ascending, are when on the schedule's clock
	// each sample began; a draw then takes one of those of its moment,
	// as ReplyAt's: in burst-after-deploy the reads took up to 336 ms
	// during the burst and under 2 ms elsewhere.
	ReadHold, CloseHold     []time.Duration
	ReadHoldAt, CloseHoldAt []time.Duration
	// AcceptDelay is the longest a connection waits in the accept queue
	// before a willing server's accept(2) returns it; each replica draws
	// each connection's wait up to it. 0: accepted at once.
	AcceptDelay time.Duration
}

// wheelSpan is the span over which a replica aligns the timer wheel's
// jiffies: the unit of its fifth level at HZ=250, beyond any SYN timer.
const wheelSpan = 16384 * time.Millisecond

// Figures are what one replica ended with.
type Figures struct {
	Outcomes   map[outcome.Outcome]int
	SynRetried int
	Peak       Peak
	Seen       Peak // what a sampler every Input.SamplePeriod is sure to see (Result.Seen)
	WastedWork time.Duration
	OKLatency  [2]time.Duration // p50 and p99 (Result.OKLatency)
}

// Ends counts the replicas that ended one request with each outcome, in
// the order of outcome.All.
type Ends [8]uint16

// Of is how many replicas ended the request with o.
func (e Ends) Of(o outcome.Outcome) int {
	if i := slices.Index(outcome.All, o); i >= 0 {
		return int(e[i])
	}
	return 0
}

// Replicas are many simulations of one input, each perturbed as its
// Spread allows.
type Replicas struct {
	N    int
	Runs []Figures // one per replica
	// Ends is, for each request of the input (by index), how its
	// replicas ended it.
	Ends []Ends
	// Ended is, for each replica, how it ended each request (by index):
	// the index of the outcome in outcome.All.
	Ended [][]uint8
	// Band is, at every BandStep, each gauge's range over the replicas:
	// the 1st percentile of its lowest value in (T-BandStep, T] and the
	// 99th of its highest (see [Quantiles]).
	Band []BandPoint
	// Steps is, for each replica, its judged gauges over each of Band's
	// steps (past its own end, 0): what the verdict needs to judge a
	// replica as it judges a run, against the band that the other
	// replicas make (verdict's self-check). Replicas that are copies of
	// one simulation share one slice. Empty without a band.
	Steps [][]StepGauges
}

// The judged gauges' places in a StepGauges.
const (
	StepInflight = iota
	StepQueued
	StepAcceptQueue
	StepClientInflight
	// JudgedGauges is how many there are.
	JudgedGauges
)

// StepGauges is one replica's judged gauges over one band step
// (T-step, T]: the lowest and highest value of each, and its value at T,
// a sampler's reading there. int32 keeps 200 replicas of a long run
// small: a gauge counts connections, far below 2³¹.
type StepGauges struct{ Lo, Hi, At [JudgedGauges]int32 }

// judged is g's judged gauges, in StepGauges' order.
func (g gauges) judged() [JudgedGauges]int32 {
	return [JudgedGauges]int32{int32(g.inflight), int32(g.queued), int32(g.acceptQueue), int32(g.clientInflight)}
}

// ReplicaOptions say how many replicas to run and how.
type ReplicaOptions struct {
	N        int           // how many; at least 1
	Seed     uint64        // the same Seed gives the same Replicas
	BandStep time.Duration // 0 → the Input's Step, or 1 s
	NoBand   bool          // leave Band empty (a prediction without a run to compare it with)
}

// Replicate simulates in N times, each with its own perturbations drawn
// from spread. It is as pure as Simulate: the same arguments give the same
// Replicas. A replica without any perturbation that can matter is the
// central simulation itself, so when no request of that retransmits a SYN
// and the spread moves neither sends nor work, it is run once and copied.
func Replicate(in Input, spread Spread, opt ReplicaOptions) (Replicas, error) {
	if opt.N < 1 {
		return Replicas{}, fmt.Errorf("predict: replicas: %d; want at least 1", opt.N)
	}
	if err := validate(in); err != nil {
		return Replicas{}, err
	}
	if err := spread.check(in.Requests()); err != nil {
		return Replicas{}, err
	}
	if in.Limits.Discipline != catalog.KernelQueue {
		// Only a LimitListener's slots are known to wait for their
		// clients' writes (docs/traffic.md); the other models keep
		// drawing admission delays until runs show the same of them.
		spread.Written, spread.ReadAfterAccept = nil, nil
	}
	spread = spread.withNaturalOvershoots(in.Limits.Discipline)
	step := opt.BandStep
	if step <= 0 {
		step = in.Step
	}
	if step <= 0 {
		step = time.Second
	}
	runs := make([]replicaRun, opt.N)
	if spread.SendLate == nil && spread.Overshoot == nil && spread.AdmitDelay == nil && spread.AnswerDelay == nil &&
		spread.GiveUpLate == nil && spread.Reach == nil && spread.Written == nil && spread.Syn == nil && spread.CloseHold == nil && spread.ReadHold == nil &&
		spread.ReplyDelay == nil &&
		spread.WakeDelay == nil && spread.AcceptWake == nil && spread.AcceptDelay == 0 && spread.RefusalStorms == nil &&
		spread.QueueTimeoutLate == nil && spread.QueueTimeoutStep == nil && spread.StopLate == nil {
		central := runReplica(in, Spread{}, nil, step, !opt.NoBand, &buffers{})
		if central.retried == 0 {
			for i := range runs {
				runs[i] = central
			}
			return collect(runs, in.Requests(), step), nil
		}
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), opt.N) {
		wg.Go(func() {
			var bufs buffers
			for i := range work {
				rng := rand.New(rand.NewPCG(opt.Seed, uint64(i)))
				runs[i] = runReplica(in, spread, rng, step, !opt.NoBand, &bufs)
			}
		})
	}
	for i := range runs {
		work <- i
	}
	close(work)
	wg.Wait()
	return collect(runs, in.Requests(), step), nil
}

// check reports the first of s's fields that does not fit a schedule of
// n requests: a per-request field of another length, samples and their
// instants that do not pair up or are out of order, a negative delay.
func (s *Spread) check(n int) error {
	if s.SendLate != nil && len(s.SendLate) != n {
		return fmt.Errorf("predict: Spread.SendLate: %d entries for %d requests", len(s.SendLate), n)
	}
	if s.Syn != nil && len(s.Syn) != n {
		return fmt.Errorf("predict: Spread.Syn: %d entries for %d requests", len(s.Syn), n)
	}
	if s.Reach != nil && len(s.Reach) != n {
		return fmt.Errorf("predict: Spread.Reach: %d entries for %d requests", len(s.Reach), n)
	}
	if s.AcceptAfter != nil && len(s.AcceptAfter) != n {
		return fmt.Errorf("predict: Spread.AcceptAfter: %d entries for %d requests", len(s.AcceptAfter), n)
	}
	if s.Written != nil && len(s.Written) != n {
		return fmt.Errorf("predict: Spread.Written: %d entries for %d requests", len(s.Written), n)
	}
	if s.ReadAfterAccept != nil && len(s.ReadAfterAccept) != len(s.Written) {
		return fmt.Errorf("predict: Spread.ReadAfterAccept: %d entries for %d of Written", len(s.ReadAfterAccept), len(s.Written))
	}
	if s.InKernel != nil && (s.Reach == nil || len(s.InKernel) != n) {
		return fmt.Errorf("predict: Spread.InKernel: %d entries for %d requests; it needs Reach", len(s.InKernel), n)
	}
	if len(s.OvershootAt) != len(s.OvershootLocal) {
		return fmt.Errorf("predict: Spread.OvershootAt: %d entries for %d samples", len(s.OvershootAt), len(s.OvershootLocal))
	}
	if !slices.IsSorted(s.OvershootAt) {
		return errors.New("predict: Spread.OvershootAt: not in ascending order")
	}
	if s.OvershootCut != nil && len(s.OvershootCut) != len(s.Overshoot) {
		return fmt.Errorf("predict: Spread.OvershootCut: %d entries for %d samples", len(s.OvershootCut), len(s.Overshoot))
	}
	if s.OvershootLocalCut != nil && len(s.OvershootLocalCut) != len(s.OvershootLocal) {
		return fmt.Errorf("predict: Spread.OvershootLocalCut: %d entries for %d samples", len(s.OvershootLocalCut), len(s.OvershootLocal))
	}
	giveUpAt := s.GiveUpAt
	if giveUpAt == nil {
		// Untimed give-ups, of any moment: only their lateness to check.
		giveUpAt = make([]time.Duration, len(s.GiveUpLate))
	}
	if err := checkLateAt("GiveUp", s.GiveUpLate, giveUpAt); err != nil {
		return err
	}
	if err := checkLateAt("Stayed", s.StayedLate, s.StayedAt); err != nil {
		return err
	}
	if err := checkSamplesAt("QueueTimeoutStep", "QueueTimeoutStepAt", s.QueueTimeoutStep, s.QueueTimeoutStepAt); err != nil {
		return err
	}
	if err := checkLateAt("QueueTimeout", s.QueueTimeoutLate, s.QueueTimeoutAt); err != nil {
		return err
	}
	if err := checkLateAt("Stop", s.StopLate, s.StopAt); err != nil {
		return err
	}
	if err := checkSamplesAt("WakeStagger", "WakeStaggerAt", s.WakeStagger, s.WakeStaggerAt); err != nil {
		return err
	}
	if !slices.IsSortedFunc(s.RefusalStorms, func(a, b RefusalStorm) int { return cmp.Compare(a.At, b.At) }) {
		return errors.New("predict: Spread.RefusalStorms: not in ascending order of At")
	}
	for i, st := range s.RefusalStorms {
		if j := slices.IndexFunc(st.Delays, func(d time.Duration) bool { return d < 0 }); j >= 0 {
			return fmt.Errorf("predict: Spread.RefusalStorms[%d].Delays[%d]: negative %v", i, j, st.Delays[j])
		}
	}
	if s.WakeAt != nil && (len(s.WakeAt) != len(s.WakeDelay) || !slices.IsSorted(s.WakeAt)) {
		return fmt.Errorf("predict: Spread.WakeAt: %d entries for %d samples, or not in ascending order", len(s.WakeAt), len(s.WakeDelay))
	}
	if len(s.AcceptWakeAt) != len(s.AcceptWake) || !slices.IsSorted(s.AcceptWakeAt) {
		return fmt.Errorf("predict: Spread.AcceptWakeAt: %d entries for %d samples, or not in ascending order", len(s.AcceptWakeAt), len(s.AcceptWake))
	}
	for _, f := range []struct {
		name string
		ds   []time.Duration
	}{{"AcceptWake", s.AcceptWake}, {"Written", s.Written}, {"ReadAfterAccept", s.ReadAfterAccept}, {"AcceptAfter", s.AcceptAfter},
		{"WakeDelay", s.WakeDelay}} {
		if i := slices.IndexFunc(f.ds, func(d time.Duration) bool { return d < 0 }); i >= 0 {
			return fmt.Errorf("predict: Spread.%s[%d]: negative %v", f.name, i, f.ds[i])
		}
	}
	if s.PerRefusal < 0 {
		return fmt.Errorf("predict: Spread.PerRefusal: negative %v", s.PerRefusal)
	}
	for k, took := range s.AfterRefusals {
		if i := slices.IndexFunc(took, func(d time.Duration) bool { return d < 0 }); i >= 0 {
			return fmt.Errorf("predict: Spread.AfterRefusals[%d][%d]: negative %v", k, i, took[i])
		}
	}
	if len(s.AdmitAt) != len(s.AdmitLocal) {
		return fmt.Errorf("predict: Spread.AdmitAt: %d entries for %d samples", len(s.AdmitAt), len(s.AdmitLocal))
	}
	if !slices.IsSorted(s.AdmitAt) {
		return errors.New("predict: Spread.AdmitAt: not in ascending order")
	}
	for i, d := range s.AdmitLocal {
		if d < 0 {
			return fmt.Errorf("predict: Spread.AdmitLocal[%d]: negative %v", i, d)
		}
	}
	for i, o := range s.OvershootLocal {
		if o < 0 {
			return fmt.Errorf("predict: Spread.OvershootLocal[%d]: negative %v", i, o)
		}
	}
	for i, o := range s.Overshoot {
		if o < 0 {
			return fmt.Errorf("predict: Spread.Overshoot[%d]: negative %v", i, o)
		}
	}
	return nil
}

// perturbedArrivals returns when each request reaches the server: its
// send time, late as measured, and unless its reach to the gate is known
// with an admission delay drawn from the spread's samples, in the
// ascending order the engine needs; and for each place in that order the
// request's index in the input.
func perturbedArrivals(arrivals []time.Duration, spread Spread, rng *rand.Rand) ([]time.Duration, []int) {
	order := make([]int, len(arrivals))
	sent := make([]time.Duration, len(arrivals))
	for i := range arrivals {
		order[i] = i
		sent[i] = arrivals[i]
		if spread.SendLate != nil {
			sent[i] = max(0, sent[i]+spread.SendLate[i])
		}
		if rng != nil && len(spread.AdmitDelay) > 0 && !spread.drawsNoAdmission(i) {
			sent[i] += spread.AdmitDelay[rng.IntN(len(spread.AdmitDelay))]
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sent[a], sent[b]) })
	sorted := make([]time.Duration, len(sent))
	for j, i := range order {
		sorted[j] = sent[i]
	}
	return sorted, order
}

// drawsNoAdmission reports whether a replica draws no admission delay for
// request i: its way to the gate is measured (Reach), or bounded by its
// client's write (Written). With Written, every request's SYN is as the
// run timed it, and one without a bound (its handshake waited for a SYN
// retransmission) reaches the gate as the replica accepts it.
func (s *Spread) drawsNoAdmission(i int) bool {
	if s.Reach != nil {
		return s.Reach[i] > 0
	}
	return s.Written != nil
}

// replicaRun is what one replica keeps: its figures, each request's
// outcome (by its index in the input), and its band rows.
type replicaRun struct {
	figures Figures
	ends    []outcome.Outcome
	retried int       // requests that retransmitted a SYN
	band    []bandRow // per band step
}

func runReplica(in Input, spread Spread, rng *rand.Rand, step time.Duration, band bool, bufs *buffers) replicaRun {
	e, order := newReplica(in, spread, rng, bufs)
	e.run()
	res := e.result()
	seen := e.seen(cmp.Or(in.SamplePeriod, in.Step, time.Second), in.Reads)
	run := replicaRun{figures: Figures{Outcomes: res.Outcomes, SynRetried: res.SynRetried, Peak: res.Peak, Seen: seen,
		WastedWork: res.WastedWork, OKLatency: p50p99(okLatencies(res.Requests, bufs.latencies))},
		ends: make([]outcome.Outcome, len(res.Requests))}
	for j, q := range res.Requests {
		run.ends[order[j]] = q.Outcome
		if q.SynRetries > 0 {
			run.retried++
		}
	}
	if band {
		run.band = bandRows(e.snaps, e.gaugesEnd(), step)
	}
	bufs.snaps, bufs.events = e.snaps, e.events.ev // grown, maybe
	return run
}

// newReplica makes the engine of one replica of in, perturbed as spread
// allows with draws from rng (nil: none), and returns it with, for each of
// its requests in arrival order, the request's index in the input.
func newReplica(in Input, spread Spread, rng *rand.Rand, bufs *buffers) (*engine, []int) {
	if in.Users != nil {
		return newClosedReplica(in, spread, rng, bufs)
	}
	var order []int
	in.Arrivals, order = perturbedArrivals(in.Arrivals, spread, rng)
	if in.Work != nil {
		// Each request keeps its own work in the replica's order.
		bufs.work = reuse(bufs.work, len(order))
		for j, i := range order {
			bufs.work[j] = in.Work[i]
		}
		in.Work = bufs.work
	}
	e := newEngineFrom(in, bufs)
	if rng == nil {
		return e, order
	}
	perturb(e, spread, rng)
	perturbReach(e, spread, rng, order)
	e.countFromSend()
	return e, order
}

// perturbReach gives each request of a replica, by its place in order,
// its measured SYN and its reach to the gate (Spread.Syn and
// Spread.Reach), the latter with a drawn decide delay, or else the bounds
// of its way there (Spread.Written and Spread.ReadAfterAccept).
func perturbReach(e *engine, spread Spread, rng *rand.Rand, order []int) {
	if spread.Syn != nil {
		e.syn = inOrder(&e.bufs.syn, spread.Syn, order)
	}
	if spread.InKernel != nil {
		e.inKernel = inOrder(&e.bufs.inKernel, spread.InKernel, order)
	}
	if spread.AcceptAfter != nil && spread.Reach == nil && e.in.Limits.Discipline == catalog.RejectBeyond {
		e.acceptAfter = inOrder(&e.bufs.acceptAfter, spread.AcceptAfter, order)
		if e.readyAt == nil {
			e.bufs.readyAt = reuse(e.bufs.readyAt, len(order))
			e.readyAt = e.bufs.readyAt
		}
	}
	if spread.Written != nil && spread.Reach == nil {
		e.written = inOrder(&e.bufs.written, spread.Written, order)
		if spread.ReadAfterAccept != nil {
			e.readAfter = inOrder(&e.bufs.readAfter, spread.ReadAfterAccept, order)
		}
	}
	if spread.Reach != nil {
		e.reach = inOrder(&e.bufs.reach, spread.Reach, order)
		for j := range e.reach {
			if e.reach[j] > 0 && len(spread.DecideDelay) > 0 {
				e.reach[j] += spread.DecideDelay[rng.IntN(len(spread.DecideDelay))]
			}
		}
	}
}

// inOrder puts each request's value of per (by its index in the input)
// at its place in order, in buf's storage.
func inOrder(buf *[]time.Duration, per []time.Duration, order []int) []time.Duration {
	*buf = reuse(*buf, len(order))
	for j, i := range order {
		(*buf)[j] = per[i]
	}
	return *buf
}

// newClosedReplica is newReplica for a closed input: its requests keep
// their numbers, since its users send them in whatever order the
// replica's answers allow, and each is sent as much later than its user
// was ready as the run sent it, plus a drawn admission delay.
func newClosedReplica(in Input, spread Spread, rng *rand.Rand, bufs *buffers) (*engine, []int) {
	order := make([]int, in.Requests())
	for i := range order {
		order[i] = i
	}
	e := newEngineFrom(in, bufs)
	if rng == nil {
		return e, order
	}
	perturb(e, spread, rng)
	perturbReach(e, spread, rng, order)
	if len(spread.ReplyOf) == len(order) {
		e.replyOf = spread.ReplyOf
	}
	e.bufs.sendDelay = reuse(e.bufs.sendDelay, len(order))
	e.sendDelay = e.bufs.sendDelay
	for i := range e.sendDelay {
		if spread.SendLate != nil {
			e.sendDelay[i] = spread.SendLate[i]
		}
		if len(spread.AdmitDelay) > 0 && !spread.drawsNoAdmission(i) {
			e.sendDelay[i] += spread.AdmitDelay[rng.IntN(len(spread.AdmitDelay))]
		}
	}
	return e, order
}

// perturb sets a replica's perturbations on its engine.
func perturb(e *engine, spread Spread, rng *rand.Rand) {
	n := len(e.out)
	e.rng = rng
	e.spread = spread.Retransmits
	if e.giveUps = giveUpsOf(spread); e.giveUps != nil {
		// Each request's quantile is drawn now and its lateness found
		// when its deadline is known: a closed user's comes with its send.
		e.bufs.giveUpQuantile = reuse(e.bufs.giveUpQuantile, n)
		e.giveUpQuantile = e.bufs.giveUpQuantile
		e.bufs.giveUpLate = reuse(e.bufs.giveUpLate, n)
		e.giveUpLate = e.bufs.giveUpLate
		for i := range e.giveUpQuantile {
			e.giveUpQuantile[i], e.giveUpLate[i] = rng.Float64(), unknownLate
		}
	}
	if len(spread.Overshoot) > 0 && len(spread.OvershootQuiet) != len(spread.Overshoot) {
		e.bufs.extra = reuse(e.bufs.extra, n)
		e.extra = e.bufs.extra
		for i := range e.extra {
			e.extra[i] = spread.Overshoot[rng.IntN(len(spread.Overshoot))]
		}
	}
	if spread.TimerHZ > 0 {
		e.useWheel(wheel{jiffy: time.Second / time.Duration(spread.TimerHZ), phase: time.Duration(rng.Int64N(int64(wheelSpan)))})
		if spread.CPUs > 1 {
			e.bufs.cpu = reuse(e.bufs.cpu, n)
			e.cpu = e.bufs.cpu
			for i := range e.cpu {
				e.cpu[i] = uint8(rng.IntN(min(spread.CPUs, 64)))
			}
		}
	}
	e.answerDelay = spread.AnswerDelay
	e.replyDelay = spread.ReplyDelay
	if len(spread.ReplyAt) == len(spread.ReplyDelay) {
		e.replyAt = spread.ReplyAt
	}
	if len(spread.AnswerAt) == len(spread.AnswerDelay) {
		e.answerAt = spread.AnswerAt
	}
	e.wakeDelay = spread.WakeDelay
	if len(spread.WakeAt) == len(spread.WakeDelay) {
		e.wakeAt = spread.WakeAt
	}
	e.acceptWake, e.acceptWakeAt = spread.AcceptWake, spread.AcceptWakeAt
	e.readHold, e.closeHold = spread.ReadHold, spread.CloseHold
	if len(spread.ReadHoldAt) == len(spread.ReadHold) {
		e.readHoldAt = spread.ReadHoldAt
	}
	if len(spread.CloseHoldAt) == len(spread.CloseHold) {
		e.closeHoldAt = spread.CloseHoldAt
	}
	e.perRefusal = spread.PerRefusal
	e.afterRefusals = spread.AfterRefusals
	e.storms = spread.RefusalStorms
	if len(spread.WakeDelay) > 0 {
		var sum time.Duration
		for _, d := range spread.WakeDelay {
			sum += d
		}
		e.aloneMean = sum / time.Duration(len(spread.WakeDelay))
	}
	e.coalesce = spread.SleepTimers
	e.stagger, e.staggerAt = spread.WakeStagger, spread.WakeStaggerAt
	e.cutsAtWakes = cutsAtWakes(e.in.Limits.Discipline, spread)
	if len(spread.OvershootQuiet) == len(spread.Overshoot) && len(spread.Overshoot) > 0 {
		e.quiet, e.overshoot = spread.OvershootQuiet, spread.Overshoot
		e.overshootLocal, e.overshootAt = spread.OvershootLocal, spread.OvershootAt
	}
	e.queueTimeoutLate, e.queueTimeoutAt = spread.QueueTimeoutLate, spread.QueueTimeoutAt
	e.queueTimeoutStep, e.queueTimeoutStepAt = spread.QueueTimeoutStep, spread.QueueTimeoutStepAt
	e.stopLate, e.stopAt = spread.StopLate, spread.StopAt
	if len(e.wakeDelay) == 0 {
		e.wakeDelay, e.wakeAt = spread.AdmitDelay, nil
		if len(spread.AdmitDelay) > 0 && len(spread.AdmitLocal) > 0 {
			e.wakeDelay, e.wakeAt = spread.AdmitLocal, spread.AdmitAt
		}
	}
	if spread.AcceptDelay > 0 {
		e.acceptDelay = spread.AcceptDelay
		e.bufs.readyAt = reuse(e.bufs.readyAt, n)
		e.readyAt = e.bufs.readyAt
	}
}

// bandRow is one replica's gauges over one band step (T-step, T]: the
// lowest and highest value of each, and the state at T itself.
type bandRow struct{ lo, hi, at gauges }

// bandRows are, for T = 0, step, 2·step, … up to the first at or after
// end, the lowest and highest value of each gauge in (T-step, T] (the
// state holding at T-step and every state that began after it up to T)
// and the state at T.
func bandRows(snaps []snapshot, end, step time.Duration) []bandRow {
	n := int(end / step)
	if time.Duration(n)*step < end {
		n++
	}
	rows := make([]bandRow, n+1)
	var cur gauges
	j := 0
	for k := range rows {
		t := time.Duration(k) * step
		lo, hi := cur, cur
		for j < len(snaps) && snaps[j].t <= t {
			cur = snaps[j].g
			lo, hi = lowest(lo, cur), highest(hi, cur)
			j++
		}
		if k == 0 {
			lo, hi = cur, cur
		}
		rows[k] = bandRow{lo: lo, hi: hi, at: cur}
	}
	return rows
}

// point is g at t, as the exported Point.
func (g gauges) point(t time.Duration) Point {
	return Point{T: t, Inflight: g.inflight, Queued: g.queued, AcceptQueue: g.acceptQueue, Connections: g.connections,
		ClientInflight: g.clientInflight, SynPending: g.synPending, SynQueue: g.synQueue}
}

// pointGauges is how many gauges a Point has.
const pointGauges = 7

// fields are g's gauges in the order of Point's fields.
func (g gauges) fields() [pointGauges]int {
	return [pointGauges]int{g.inflight, g.queued, g.acceptQueue, g.connections, g.clientInflight, g.synPending, g.synQueue}
}

// gaugesOf is the gauges whose fields are f.
func gaugesOf(f [pointGauges]int) gauges {
	return gauges{f[0], f[1], f[2], f[3], f[4], f[5], f[6]}
}

func lowest(a, b gauges) gauges {
	fa, fb := a.fields(), b.fields()
	for i := range fa {
		fa[i] = min(fa[i], fb[i])
	}
	return gaugesOf(fa)
}

func highest(a, b gauges) gauges {
	fa, fb := a.fields(), b.fields()
	for i := range fa {
		fa[i] = max(fa[i], fb[i])
	}
	return gaugesOf(fa)
}

// collect gathers the replicas' runs: the figures, each request's ends
// and the band.
func collect(runs []replicaRun, n int, step time.Duration) Replicas {
	out := Replicas{N: len(runs), Runs: make([]Figures, len(runs)), Ends: make([]Ends, n), Ended: make([][]uint8, len(runs))}
	index := make(map[outcome.Outcome]int, len(outcome.All))
	for i, o := range outcome.All {
		index[o] = i
	}
	rows := 0
	for r, run := range runs {
		out.Runs[r] = run.figures
		out.Ended[r] = make([]uint8, len(run.ends))
		for i, o := range run.ends {
			out.Ends[i][index[o]]++
			out.Ended[r][i] = uint8(index[o])
		}
		rows = max(rows, len(run.band))
	}
	out.Band = make([]BandPoint, rows)
	column := make([]int, len(runs))
	for k := range out.Band {
		var lo, hi [pointGauges]int
		for g := range pointGauges {
			for r, run := range runs {
				column[r] = 0
				if k < len(run.band) {
					column[r] = run.band[k].lo.fields()[g]
				}
			}
			lo[g], _ = Quantiles(column)
			for r, run := range runs {
				column[r] = 0
				if k < len(run.band) {
					column[r] = run.band[k].hi.fields()[g]
				}
			}
			_, hi[g] = Quantiles(column)
		}
		t := time.Duration(k) * step
		out.Band[k] = BandPoint{T: t, Lo: gaugesOf(lo).point(t), Hi: gaugesOf(hi).point(t)}
	}
	if rows > 0 {
		out.Steps = replicaSteps(runs, rows)
	}
	return out
}

// replicaSteps are the runs' judged gauges over rows band steps; runs
// that share their band rows (copies of one simulation) share them.
func replicaSteps(runs []replicaRun, rows int) [][]StepGauges {
	out := make([][]StepGauges, len(runs))
	for r, run := range runs {
		if r > 0 && len(run.band) > 0 && len(runs[r-1].band) > 0 && &run.band[0] == &runs[r-1].band[0] {
			out[r] = out[r-1]
			continue
		}
		out[r] = make([]StepGauges, rows)
		for k := range min(rows, len(run.band)) {
			b := run.band[k]
			out[r][k] = StepGauges{Lo: b.lo.judged(), Hi: b.hi.judged(), At: b.at.judged()}
		}
	}
	return out
}

// Quantiles returns the 1st and the 99th percentile of xs: its k-th
// smallest and k-th largest value, k = ⌈N/100⌉, so that the most extreme
// 1 % at each end is left out (with fewer than 101 values, k is 1: the
// minimum and the maximum). It sorts xs.
func Quantiles[T cmp.Ordered](xs []T) (lo, hi T) {
	if len(xs) == 0 {
		return lo, hi
	}
	slices.Sort(xs)
	k := (len(xs) + 99) / 100
	return xs[k-1], xs[len(xs)-k]
}

// checkLateAt checks Spread's <name>Late and <name>At: as many of one as
// of the other, At ascending, and no lateness negative.
func checkLateAt(name string, late, at []time.Duration) error {
	return checkSamplesAt(name+"Late", name+"At", late, at)
}

// checkSamplesAt checks a Spread field of samples (named name) and the
// field of their instants (atField): as many of one as of the other, the
// instants ascending, and no sample negative.
func checkSamplesAt(name, atField string, samples, at []time.Duration) error {
	if len(at) != len(samples) {
		return fmt.Errorf("predict: Spread.%s: %d entries for %d samples", atField, len(at), len(samples))
	}
	if !slices.IsSorted(at) {
		return fmt.Errorf("predict: Spread.%s: not in ascending order", atField)
	}
	if i := slices.IndexFunc(samples, func(d time.Duration) bool { return d < 0 }); i >= 0 {
		return fmt.Errorf("predict: Spread.%s[%d]: negative %v", name, i, samples[i])
	}
	return nil
}
