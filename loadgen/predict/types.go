package predict

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// Limits are a server's limits as its /config reports them.
type Limits struct {
	Discipline    catalog.Discipline // how the server admits and queues requests
	Limit         int                // AppQueue slots, KernelQueue accepted conns, RejectBeyond served conns
	Queue         int                // AppQueue/ThreadPool queue capacity; catalog.Unbounded; 0 = none (pool: synchronous hand-off)
	QueueTimeout  time.Duration      // AppQueue: 0 = none
	Backlog       int                // effective listen backlog; the kernel accept queue holds Backlog+1 entries
	Core, Max     int                // ThreadPool; Max 0 = Core (as labserver's --max)
	PoolKeepAlive time.Duration      // ThreadPool: idle time before a worker above Core exits
	Policy        string             // ThreadPool: one of catalog.Policies; "" = catalog.DefaultPolicy
	Order         string             // AppQueue, ThreadPool: which waiter a freed slot or worker takes, one of catalog.Orders; "" = catalog.DefaultOrder
	FDLimit       int                // 0 = no limit; else the server can hold at most this many accepted connections (net/http then stops accepting, so further connections wait in the kernel accept queue)
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
	Arrivals       []time.Duration // send time of each request, relative to the start, ascending
	Service        time.Duration   // handler work per request (sleep + cpu)
	Limits         Limits
	Kernel         Kernel
	ClientTimeout  time.Duration // whole-request timeout measured from the send time; 0 = none
	ConnectTimeout time.Duration // 0 = only the kernel's give-up
	Step           time.Duration // series resolution; 0 → 1s
	// SamplePeriod is how often the run samples its gauges; Result.Seen
	// is what a sampler that often is sure to see. 0 → Step.
	SamplePeriod time.Duration
}

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
}

// Peak holds the maximum of each gauge over all events.
type Peak struct {
	Inflight, Queued, AcceptQueue, Connections, ClientInflight, SynPending int
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
	for i, a := range in.Arrivals {
		if a < 0 {
			return bad(fmt.Sprintf("Arrivals[%d]", i), "negative send time %v", a)
		}
		if i > 0 && a < in.Arrivals[i-1] {
			return bad(fmt.Sprintf("Arrivals[%d]", i), "not ascending: %v after %v", a, in.Arrivals[i-1])
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
		{"Limits.QueueTimeout", in.Limits.QueueTimeout},
		{"Limits.PoolKeepAlive", in.Limits.PoolKeepAlive},
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
		{"Limits.Limit", in.Limits.Limit},
		{"Limits.Backlog", in.Limits.Backlog},
		{"Limits.Core", in.Limits.Core},
		{"Limits.Max", in.Limits.Max},
		{"Limits.FDLimit", in.Limits.FDLimit},
		{"Kernel.SynRetries", in.Kernel.SynRetries},
		{"Kernel.SynLinearTimeouts", in.Kernel.SynLinearTimeouts},
	}
	for _, n := range ints {
		if n.n < 0 {
			return bad(n.name, "negative value %d", n.n)
		}
	}
	if in.Limits.Queue < catalog.Unbounded {
		return bad("Limits.Queue", "%d is below %d (unbounded)", in.Limits.Queue, catalog.Unbounded)
	}
	l := in.Limits
	if l.Order != "" && !slices.Contains(catalog.Orders, l.Order) {
		return bad("Limits.Order", "unknown order %q (want one of %s)", l.Order, strings.Join(catalog.Orders, ", "))
	}
	switch l.Discipline {
	case catalog.NoLimit, catalog.RejectBeyond:
	case catalog.AppQueue, catalog.KernelQueue:
		if l.Limit < 1 {
			return bad("Limits.Limit", "discipline %s needs a limit of at least 1, got %d", l.Discipline, l.Limit)
		}
	case catalog.ThreadPool:
		if l.Max == 0 && l.Core == 0 {
			return bad("Limits.Max", "pool needs max (or core) of at least 1")
		}
		if l.Max != 0 && l.Max < l.Core {
			return bad("Limits.Max", "pool max %d is below core %d", l.Max, l.Core)
		}
		if l.Policy != "" && !slices.Contains(catalog.Policies, l.Policy) {
			return bad("Limits.Policy", "unknown pool policy %q (want one of %s)", l.Policy, strings.Join(catalog.Policies, ", "))
		}
	default:
		return bad("Limits.Discipline", "unknown discipline %d", l.Discipline)
	}
	return nil
}
