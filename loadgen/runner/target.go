package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/workapi"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/kernelside"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/verdict"
)

// target is one target's state during the run.
type target struct {
	spec scenario.Target

	url      string           // the app's base URL
	adminURL string           // its admin endpoint's, "" when it has none or it is ignored
	config   *adminapi.Config // its /config, or one made up for a like target; nil without
	proc     *launch.Process  // the labserver or command loadgen started; nil for a url target
	side     *kernelside.Side // nil unless measured from the kernel side

	workers  int            // worker processes that send the schedule; 0 when loadgen sends it itself
	attack   *attack.Attack // set when loadgen sends the schedule itself
	sharded  workerSend     // set when workers send it
	counters *attack.Counters
	sampler  *sample.Sampler
	bin      *runfolder.BinWriter

	predicted  *predict.Result
	predictErr error
	limits     predict.Limits // what the prediction took the server's limits to be
	offset     time.Duration  // the schedule's start after the run's

	mu   sync.Mutex
	hits []hitRecord
}

// hitRecord keeps what the summary needs of each hit.
type hitRecord struct {
	outcome outcome.Outcome
	latency time.Duration
	connect time.Duration
	syn     time.Duration // from its send to its connect(2) (attack.Hit.Syn)
	rto     time.Duration // its connection's RTO as its dial returned (attack.Hit.RTO)
	dialed  bool
	lateBy  time.Duration // send time minus scheduled time
	// scheduled is when it was due, from the target's schedule's start
	// (its offset left out): for closed users, when its user was ready.
	scheduled time.Duration
	seq       int       // its place in the schedule
	sent      time.Time // when it was sent, on loadgen's clock
	// detail is what the client saw, kept only where the outcome alone does
	// not say it: the error of an "other", the status of an "http_other".
	detail   string
	served   *verdict.Served // from an ok reply's body
	toGate   time.Duration   // from its send to the model's gate (answer.toGate); 0: unknown
	toAccept time.Duration   // from its send to the accept of its connection (answer.toAccept); 0: unknown
	// closeHold is how long after its way through the model ended its
	// server still held its place, until it closed the connection
	// (adminapi.Passage.Closed); 0: unknown, or a model that frees it
	// at once.
	closeHold time.Duration
	// slotFreed is how long after its send the close that freed its
	// connection's slot happened, for a connection accepted only once one
	// was (adminapi.Passage.SlotFreed); 0: unknown, or not one.
	slotFreed time.Duration
	// left is how long after its send its way through the model ended
	// (adminapi.Passage.Left), for a request whose client gave up; 0:
	// unknown, or not one.
	left time.Duration
	// startedLeft is, for a request whose client gave up during its work,
	// how long after its send that work began (adminapi.Passage.Started);
	// 0: unknown, or not one.
	startedLeft time.Duration
	// stopped is, for a request whose client gave up during its work,
	// that work as the server's passage timed it, with End when the
	// model stopped it (verdict.Measured.Stopped); nil: unknown, or not
	// one.
	stopped *verdict.Served
	answer  time.Duration // a refusal's way from its writing to its client (answer.back); 0: unknown
	refused time.Time     // when the server wrote its refusal, on its clock (answer.refused); zero: unknown
	decided time.Duration // from the gate to its refusal's writing (answer.decided); 0: unknown
	// refusalDecided is when its gate decided its refusal, where another
	// goroutine decided (answer.refusalDecided); zero: unknown, or not so.
	refusalDecided time.Time
}

// synRetried reports whether its connect needed a retransmitted SYN
// (outcome.SynRetried), as verdict.Measured.SynRetried does.
func (h hitRecord) synRetried() bool {
	return h.dialed && outcome.SynRetried(h.connect, h.syn, h.toAccept)
}

// workerSend is a schedule that workers send: loadgen's own worker
// processes (shard.Attack) or workers elsewhere (hub.Target).
type workerSend interface {
	// Run sends the schedule, which starts at start, and waits for it.
	Run(ctx context.Context, start time.Time)
	// Merge writes the workers' results as the target's .bin, calling
	// each for every result in schedule order.
	Merge(began time.Time, each func(attack.Hit)) error
}

// pid is the labserver's process id; 0 for a target loadgen did not start
// a labserver for.
func (t *target) pid() int {
	if t.proc == nil || t.spec.External() {
		return 0
	}
	return t.proc.PID()
}

// stop ends what loadgen started for the target.
func (t *target) stop() {
	t.proc.Stop()
	_ = t.side.Close()
}

// diedEarly is a note when the target's server died during the run.
func (t *target) diedEarly(started time.Time) string {
	what := "labserver"
	if t.spec.External() {
		what = "the target's command"
	}
	died := t.proc.DiedEarly(what, started)
	if died == "" {
		return ""
	}
	return died + "; requests in flight were reset, later ones refused"
}

// arm prepares the target's attack, which the schedule's offset delays,
// and its sampler.
func (t *target) arm(ctx context.Context, r *run, offset time.Duration) error {
	name := t.spec.Name
	s := r.s
	t.offset = offset
	opt := attack.Options{
		Name: name, URL: t.url, Schedule: r.sched,
		Timeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
		KeepAlive: s.KeepAlive, OnSent: func() { r.metrics.sent(name) }, Offset: offset,
	}
	switch {
	case r.hub != nil:
		opt.OnSent = nil
		remote := r.hub.Target(opt)
		t.sharded, t.counters = remote, &remote.Counters
	case t.workers > 0:
		opt.Shards, opt.OnSent = t.workers, nil
		local := shard.NewAttack(r.opt.Loadgen, opt, r.folder)
		// The workers' counters feed the samples of client in-flight
		// requests: report four times a sampling period, so that no
		// sample is older than a quarter of one.
		local.StatusEvery = min(shard.DefaultStatusEvery, r.samplePeriod()/4)
		t.sharded, t.counters = local, &local.Counters
	default:
		var err error
		if t.bin, err = runfolder.CreateBin(r.folder.Bin(name)); err != nil {
			return err
		}
		a, err := attack.New(ctx, opt, func(h attack.Hit) {
			r.metrics.ended(name, h)
			t.record(h)
		})
		if err != nil {
			return err
		}
		t.attack, t.counters = a, &a.Counters
	}
	metricsURL := ""
	if t.adminURL != "" {
		metricsURL = t.adminURL + adminapi.PathMetrics
	}
	c := t.counters
	t.sampler = &sample.Sampler{MetricsURL: metricsURL, HTTP: launch.AdminClient, Interval: r.samplePeriod(),
		Client: t.side.Sampling(func() (int64, int64, int64, int64) {
			return c.Sent.Load(), c.Inflight.Load(), c.OK.Load(), c.Errors.Load()
		})}
	return nil
}

// send sends the target's schedule, which starts at start.
func (t *target) send(ctx context.Context, start time.Time) {
	if t.sharded != nil {
		t.sharded.Run(ctx, start)
		return
	}
	select {
	case <-time.After(time.Until(start)):
		t.attack.Run(ctx)
	case <-ctx.Done():
	}
}

func (t *target) record(h attack.Hit) {
	t.side.Record(h)
	if t.bin != nil {
		t.bin.Write(h.Result)
	}
	a := answerOf(h, !t.spec.External())
	t.mu.Lock()
	t.hits = append(t.hits, hitRecord{outcome: h.Outcome, sent: h.Result.Timestamp, latency: h.Result.Latency,
		connect: h.Connect, syn: h.Syn, rto: h.RTO, dialed: h.Dialed, lateBy: h.Late, scheduled: h.Scheduled - t.offset, seq: int(h.Result.Seq),
		detail: attack.Detail(h.Outcome, h.Result),
		served: a.served, toGate: a.toGate, toAccept: a.toAccept, answer: a.back, refused: a.refused, decided: a.decided,
		refusalDecided: a.refusalDecided})
	t.mu.Unlock()
}

// finish closes the .bin (merging the workers' first, when there are) and
// writes the timeline, and the kernel figures of a kernel-side target.
func (t *target) finish(r *run) error {
	var errs []error
	if t.sharded != nil {
		errs = append(errs, t.sharded.Merge(r.started, func(h attack.Hit) {
			r.metrics.inflight.WithLabelValues(t.spec.Name).Inc() // ended() counts one down
			r.metrics.ended(t.spec.Name, h)
			t.record(h)
		}))
	}
	if t.bin != nil {
		errs = append(errs, t.bin.Close())
	}
	if t.sampler != nil {
		rows := t.rows()
		if t.side != nil {
			errs = append(errs, r.folder.WriteKernel(t.spec.Name, t.side.KernelRows(rows)))
		}
		errs = append(errs, r.folder.WriteTimeline(t.spec.Name, rows))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("target %s: %w", t.spec.Name, err)
	}
	return nil
}

// served reads what an ok reply says of its work: when it reached the
// model's gate, began and ended, and where it ran; and, for a local
// server, whose clock is loadgen's, when the answer reached the client. A
// body that is not a labserver's reply (a command or url target) says
// nothing.
func served(h attack.Hit, local bool) *verdict.Served {
	if h.Outcome != outcome.OK || len(h.Result.Body) == 0 {
		return nil
	}
	var r workapi.Reply
	if json.Unmarshal(h.Result.Body, &r) != nil || r.Start.IsZero() || r.End.Before(r.Start) {
		return nil
	}
	arrived := r.Arrived
	if arrived.IsZero() {
		arrived = r.Start.Add(-time.Duration(r.QueuedS * float64(time.Second)))
	}
	s := &verdict.Served{Slot: r.Slot, Turn: r.Turn, Accepted: r.Accepted, Arrived: arrived, Start: r.Start, End: r.End}
	if local {
		s.Received = h.Result.Timestamp.Add(h.Result.Latency)
	}
	return s
}

// answer is what a local labserver's answer says of its request, each
// body read once: the ok reply's work (served); how long after its send
// the request reached the model's gate, and its connection was accepted
// (from the reply, or the body of a 503 or 429); and how long a refusal took from its writing to the
// client (back), when the server wrote it (refused) and how long after
// the request reached the gate (decided), and when its gate decided it
// where another goroutine did (refusalDecided). Zero where the answer does
// not say, or the server's clock is not loadgen's.
type answer struct {
	served                          *verdict.Served
	toGate, toAccept, back, decided time.Duration
	refused, refusalDecided         time.Time
}

func answerOf(h attack.Hit, local bool) answer {
	a := answer{served: served(h, local)}
	if !local {
		return a
	}
	var arrived, accepted time.Time
	if a.served != nil {
		arrived, accepted = a.served.Arrived, a.served.Accepted
	} else if r := refusal(h); r != nil {
		arrived, accepted, a.refused, a.refusalDecided = r.Arrived, r.Accepted, r.Refused, r.Decided
		if d := r.Refused.Sub(r.Arrived); !r.Refused.IsZero() && d >= 0 {
			a.decided = d
		}
		if d := h.Result.Timestamp.Add(h.Result.Latency).Sub(r.Refused); !r.Refused.IsZero() && d > 0 {
			a.back = d
		}
	}
	if d := arrived.Sub(h.Result.Timestamp); !arrived.IsZero() && d > 0 {
		a.toGate = d
	}
	if d := accepted.Sub(h.Result.Timestamp); !accepted.IsZero() && d > 0 {
		a.toAccept = d
	}
	return a
}

// refusal reads the body of a labserver's 503 or 429; nil for any other.
func refusal(h attack.Hit) *workapi.Refusal {
	if (h.Outcome != outcome.HTTP503 && h.Outcome != outcome.HTTP429) || len(h.Result.Body) == 0 {
		return nil
	}
	var r workapi.Refusal
	if json.Unmarshal(h.Result.Body, &r) != nil || r.Arrived.IsZero() {
		return nil
	}
	return &r
}
