package catalog

import "strings"

// Knob is a model-specific setting.
type Knob struct {
	// Flag is labserver's flag, without the dashes: "queue-timeout".
	Flag string
	// Field is the scenario's target field: "queue_timeout".
	Field string
	// Help is the flag's usage line.
	Help string
}

// The knobs.
var (
	Limit = Knob{Flag: "limit", Field: "limit",
		Help: "the model's main limit: semaphore slots, limitlistener connections, fasthttp Concurrency (0 = model default)"}
	Queue = Knob{Flag: "queue", Field: "queue",
		Help: "app-queue capacity for semaphore and pool (-1 = unbounded, 0 = no queue)"}
	QueueTimeout = Knob{Flag: "queue-timeout", Field: "queue_timeout",
		Help: "semaphore: longest wait in the app queue before a 503 (0 = none)"}
	Core = Knob{Flag: "core", Field: "core",
		Help: "pool: core workers"}
	Max = Knob{Flag: "max", Field: "max",
		Help: "pool: maximum workers (0 = core)"}
	Policy = Knob{Flag: "policy", Field: "policy",
		Help: "pool: rejection policy: " + strings.Join(Policies, ", ")}
	PoolKeepAlive = Knob{Flag: "pool-keepalive", Field: "pool_keepalive",
		Help: "pool: idle time before a worker above core exits"}
	Order = Knob{Flag: "order", Field: "order",
		Help: "semaphore and pool: which waiting request a freed slot or worker takes: " +
			OrderFIFO + " (the oldest) or " + OrderLIFO + " (the newest)"}
)

// Knobs is every knob, in the order flags and scenario fields list them.
var Knobs = []Knob{Limit, Queue, QueueTimeout, Order, Core, Max, Policy, PoolKeepAlive}
