package catalog

// Discipline is how a model admits and queues requests: what the
// prediction simulates for it.
type Discipline int

// The disciplines.
const (
	// NoLimit accepts every connection at once and runs its request at
	// once, until the process runs out of file descriptors.
	NoLimit Discipline = iota + 1
	// AppQueue accepts every connection, runs Limit requests at once and
	// queues the rest in the process, up to Queue; beyond it, or after
	// QueueTimeout, it answers 503. A freed slot takes the oldest waiter,
	// or with Order lifo the newest.
	AppQueue
	// KernelQueue accepts at most Limit connections at a time; the rest
	// wait in the kernel's accept queue, then as dropped SYNs.
	KernelQueue
	// ThreadPool hands requests to a pool with the semantics of
	// java.util.concurrent.ThreadPoolExecutor: Core workers, then the
	// queue, then up to Max workers, then the Policy. A free worker takes
	// the oldest queued request, or with Order lifo the newest.
	ThreadPool
	// RejectBeyond accepts every connection, serves Limit at once and
	// answers the others 503 and closes them.
	RejectBeyond
	// TokenBucket accepts every connection and admits a request when the
	// bucket (TokenRate per second, Burst deep, full at the start) holds
	// a token; else it answers 429, or with RateWait reserves the next
	// token and waits for it, if that comes within QueueTimeout.
	TokenBucket
	// AdaptiveLIFO is AppQueue whose queue adapts, as in "Fail at Scale"
	// (ACM Queue, 2015): while the queue has been empty within the last
	// CodelInterval, a request waits up to QueueTimeout and a freed slot
	// goes to the oldest waiter; once it has stood longer, a request that
	// joins it waits at most CodelTarget, and a freed slot goes to the
	// newest.
	AdaptiveLIFO
	// DeadlineQueue is AppQueue, FIFO, that looks at a waiter's deadline
	// (its client's send time plus its timeout) as it takes it: one that
	// could not finish its work by then gets 503 at once, and the slot
	// goes to the next.
	DeadlineQueue
	// AdaptiveLimit accepts every connection and runs a request if fewer
	// than the limit run, else answers 503; after each request the limit
	// learns from its round trip (Limiter: AIMD or Gradient2).
	AdaptiveLimit
)

var disciplineNames = map[Discipline]string{
	NoLimit: "no limit", AppQueue: "app queue", KernelQueue: "kernel queue",
	ThreadPool: "thread pool", RejectBeyond: "reject beyond the limit", TokenBucket: "token bucket", AdaptiveLIFO: "adaptive LIFO with CoDel",
	DeadlineQueue: "deadline-aware queue", AdaptiveLimit: "adaptive concurrency limit",
}

func (d Discipline) String() string {
	if s, ok := disciplineNames[d]; ok {
		return s
	}
	return "unknown discipline"
}
