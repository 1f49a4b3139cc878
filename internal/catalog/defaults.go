package catalog

import "time"

// Unbounded is the Queue value of a queue without a cap.
const Unbounded = -1

// The pool's rejection policies, after java.util.concurrent.ThreadPoolExecutor.
const (
	PolicyAbort         = "abort"
	PolicyCallerRuns    = "caller-runs"
	PolicyDiscard       = "discard"
	PolicyDiscardOldest = "discard-oldest"
)

// Policies lists the valid Policy values.
var Policies = []string{PolicyAbort, PolicyCallerRuns, PolicyDiscard, PolicyDiscardOldest}

// DefaultPolicy is the pool's policy when none is given, as in Java.
const DefaultPolicy = PolicyAbort

// The orders in which a semaphore's freed slot or a pool's free worker takes
// the waiting requests.
const (
	// OrderFIFO takes the request that has waited longest.
	OrderFIFO = "fifo"
	// OrderLIFO takes the request that came last. AnyIO's CapacityLimiter
	// does, and so do FastAPI's def endpoints on Debian (docs/python.md).
	OrderLIFO = "lifo"
)

// Orders lists the valid Order values.
var Orders = []string{OrderFIFO, OrderLIFO}

// DefaultOrder is the order when none is given.
const DefaultOrder = OrderFIFO

// The adaptive model's limiters (internal/limiter).
const (
	LimiterAIMD      = "aimd"
	LimiterGradient2 = "gradient2"
)

// Limiters lists the valid Limiter values.
var Limiters = []string{LimiterAIMD, LimiterGradient2}

// DefaultPoolKeepAlive is how long a pool worker above Core stays idle
// before it exits when no PoolKeepAlive is given, as in
// Executors.newCachedThreadPool.
const DefaultPoolKeepAlive = 60 * time.Second
