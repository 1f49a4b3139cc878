package predict

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/workload"
)

// Limits are a server's limits as its /config reports them.
type Limits struct {
	Discipline catalog.Discipline // how the server admits and queues requests
	// Settings are the model's knobs (catalog.Knobs). Limit is AppQueue's
	// slots, KernelQueue's accepted conns, RejectBeyond's served conns;
	// Queue 0 is none (pool: synchronous hand-off); Max 0 = Core; Policy
	// "" = catalog.DefaultPolicy; Order "" = catalog.DefaultOrder.
	catalog.Settings
	Backlog int // effective listen backlog; the kernel accept queue holds Backlog+1 entries
	FDLimit int // 0 = no limit; else the server can hold at most this many accepted connections (net/http then stops accepting, so further connections wait in the kernel accept queue)
	// WorkOutlivesClient: the server cannot see a client leave, so a
	// request's work runs to its end, holding its slot and connection,
	// after its client gave up (catalog.Model.WorkOutlivesClient).
	// Otherwise the work stops when the client leaves.
	WorkOutlivesClient bool
}

// newestFirst reports whether a freed slot or worker takes the newest
// waiter (Order lifo).
func (l Limits) newestFirst() bool { return l.Order == catalog.OrderLIFO }

// Input is everything one simulated target needs.
type Input struct {
	Arrivals []time.Duration // send time of each request, relative to the start, ascending
	Service  time.Duration   // handler work per request (sleep + cpu), when Work is nil
	// Work is each request's handler work, in the order of Arrivals;
	// nil gives every request Service.
	Work []time.Duration
	// Users, when set, makes the input closed: nil Arrivals, and each
	// user sends its next request Think after the last one ended for it
	// (closed.go). Requests are numbered as workload.Users numbers them.
	Users          *workload.Users
	Limits         Limits
	Kernel         Kernel
	ClientTimeout  time.Duration // whole-request timeout measured from the send time; 0 = none
	ConnectTimeout time.Duration // 0 = only the kernel's give-up
	Step           time.Duration // series resolution; 0 → 1s
	// SamplePeriod is how often the run samples its gauges; Result.Seen
	// is what a sampler that often is sure to see. 0 → Step.
	SamplePeriod time.Duration
	// Reads are the spans within which the run's sampler read the
	// server's gauges, one per sample, on the schedule's clock: a scrape
	// reads them at some instant between its start and its answer. Where
	// a scrape came late, or took long, a sampler that looks every
	// SamplePeriod is not what the run had, and Result.Seen of the
	// server's gauges is also at most what each gauge held through a
	// whole read. nil: the sampler read every SamplePeriod.
	Reads []Span
}

// Span is an interval of time, [From, To].
type Span struct{ From, To time.Duration }

// Never is the value of a Request time that did not happen (Connected for a
// connect that gave up, Started for a request whose handler work never began).
const Never time.Duration = -1

// Request is the predicted life of one request. Times are offsets from the
// start of the run.
type Request struct {
	Index      int
	Sent       time.Duration // the first SYN
	Connected  time.Duration // the handshake completed (it entered the kernel accept queue); Never if the connect failed
	Started    time.Duration // handler work began; Never if it never did (rejected, reset, timed out before)
	Finished   time.Duration // the request ended for the client (response, reset or give-up)
	Outcome    outcome.Outcome
	SynRetries int           // retransmitted SYNs sent before the handshake completed or the connect gave up
	Queued     time.Duration // time spent waiting in the application queue (semaphore or pool)
}

// Point is the state at time T, after every event at or before T.
type Point struct {
	T              time.Duration
	Inflight       int // running handler work
	Queued         int // waiting in the application queue
	AcceptQueue    int // waiting in the kernel accept queue
	Connections    int // accepted, not yet closed (server side)
	ClientInflight int // sent, not yet ended (client side)
	SynPending     int // waiting for a SYN retransmission
	// SynQueue is the request sockets the listener holds: connections
	// in limbo, whose handshake the client completed and the server did
	// not (limbo.go). Only replicas with the timer wheel have any.
	SynQueue int
}

// Peak holds the maximum of each gauge over all events.
type Peak struct {
	Inflight, Queued, AcceptQueue, Connections, ClientInflight, SynPending, SynQueue int
}

// Result is the prediction for one target.
type Result struct {
	Requests   []Request
	Series     []Point                 // state at T = 0, Step, 2*Step, ... until every request has ended (inclusive of the last step after the end)
	Peak       Peak                    // maxima over events
	Seen       Peak                    // for each gauge, the highest value it holds for a whole SamplePeriod: a sampler sees at least that
	Outcomes   map[outcome.Outcome]int // every outcome key present, zero included; the simulation produces ok, http_503, timeout and reset
	SynRetried int                     // requests whose connect took outcome.SynRetriedConnect or more, failed connects included
	End        time.Duration           // when the last request ended
	// WastedWork is the handler work done for requests whose client
	// left before their answer: the work of every request that timed out
	// while it ran, up to when the server stopped it.
	WastedWork time.Duration
}

// maxSeriesPoints bounds the series so that a tiny Step cannot exhaust memory.
const maxSeriesPoints = 1_000_000

// validate checks in and returns the first problem as a one-line error naming
// the field.
func validate(in Input) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("predict: %s: %s", field, fmt.Sprintf(format, args...))
	}
	if in.Users != nil {
		if err := validateUsers(in); err != nil {
			return err
		}
	}
	for i, a := range in.Arrivals {
		if a < 0 {
			return bad(fmt.Sprintf("Arrivals[%d]", i), "negative send time %v", a)
		}
		if i > 0 && a < in.Arrivals[i-1] {
			return bad(fmt.Sprintf("Arrivals[%d]", i), "not ascending: %v after %v", a, in.Arrivals[i-1])
		}
	}
	for i, r := range in.Reads {
		if r.To < r.From {
			return bad(fmt.Sprintf("Reads[%d]", i), "ends at %v before it starts at %v", r.To, r.From)
		}
		if i > 0 && r.From < in.Reads[i-1].From {
			return bad(fmt.Sprintf("Reads[%d]", i), "not ascending: starts at %v after %v", r.From, in.Reads[i-1].From)
		}
	}
	if in.Work != nil && len(in.Work) != in.Requests() {
		return bad("Work", "holds %d works for %d requests", len(in.Work), in.Requests())
	}
	for i, w := range in.Work {
		if w < 0 {
			return bad(fmt.Sprintf("Work[%d]", i), "negative duration %v", w)
		}
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"Service", in.Service},
		{"ClientTimeout", in.ClientTimeout},
		{"ConnectTimeout", in.ConnectTimeout},
		{"Step", in.Step},
		{"SamplePeriod", in.SamplePeriod},
		{"Kernel.InitialRTO", in.Kernel.InitialRTO},
	}
	for _, d := range durations {
		if d.d < 0 {
			return bad(d.name, "negative duration %v", d.d)
		}
	}
	ints := []struct {
		name string
		n    int
	}{
		{"Limits.Backlog", in.Limits.Backlog},
		{"Limits.FDLimit", in.Limits.FDLimit},
		{"Kernel.SynRetries", in.Kernel.SynRetries},
		{"Kernel.SynLinearTimeouts", in.Kernel.SynLinearTimeouts},
	}
	for _, n := range ints {
		if n.n < 0 {
			return bad(n.name, "negative value %d", n.n)
		}
	}
	l := in.Limits
	for _, k := range catalog.Knobs {
		// A knob left at its zero value is one the model does not take,
		// or takes at its zero.
		if msg := k.Check(&l.Settings); k.Given(&l.Settings) && msg != "" {
			return bad("Limits."+k.Name, "%s", msg)
		}
	}
	d, ok := disciplines[l.Discipline]
	switch {
	case !ok:
		return bad("Limits.Discipline", "unknown discipline %d", l.Discipline)
	case d.check != nil:
		if err := d.check(l); err != nil {
			return fmt.Errorf("predict: %w", err)
		}
	}
	return nil
}
