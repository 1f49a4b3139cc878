package scenario

import (
	"slices"
	"strings"
)

// Target is one server under test. It is either embedded (Model is set, and
// loadgen starts bin/labserver with the target's settings) or external (URL
// is set, and loadgen only sends requests to it).
//
// The model-specific fields (Limit, Queue, QueueTimeout, Core, Max,
// PoolKeepAlive, Policy) may only be set on the models that use them; see
// the comment on each field.
type Target struct {
	// Name identifies the target in reports and file names (<name>.bin);
	// required, unique within the scenario, [a-z0-9._-]+.
	Name string `yaml:"name"`
	// Model is the server model of an embedded target: nethttp, gin, echo,
	// semaphore, limitlistener, pool or fasthttp. Required unless URL is set.
	Model string `yaml:"model"`
	// Limit is the model's main limit: semaphore slots, limitlistener's
	// accepted connections, fasthttp's Server.Concurrency. 0 means the
	// model's default. Only for semaphore, limitlistener and fasthttp.
	Limit int `yaml:"limit"`
	// Queue is the capacity of the application queue of semaphore and pool:
	// nil or -1 = unbounded, 0 = no queue. Parse keeps it as written.
	Queue *int `yaml:"queue"`
	// QueueTimeout is how long a request may wait for a semaphore slot; 0 =
	// no limit. Only for semaphore.
	QueueTimeout Duration `yaml:"queue_timeout"`
	// Backlog is the listen backlog; 0 = the server's default. Parse fills
	// it in from Scenario.Server.Backlog when 0.
	Backlog int `yaml:"backlog"`
	// Core is the pool's core size (>= 1). Only for pool.
	Core int `yaml:"core"`
	// Max is the pool's maximum size (>= Core; Parse sets it to Core when
	// 0). Only for pool.
	Max int `yaml:"max"`
	// PoolKeepAlive is how long a pool worker above Core stays idle before it
	// exits; 0 = the server's default. Only for pool.
	PoolKeepAlive Duration `yaml:"pool_keepalive"`
	// Policy is what the pool does with a request when the queue is full
	// and Max workers are busy: abort, caller-runs, discard or
	// discard-oldest. Parse sets it to abort when empty. Only for pool.
	Policy string `yaml:"policy"`
	// GOMAXPROCS of the server; 0 = Go's default. Parse fills it in from
	// Scenario.Server.GOMAXPROCS when 0.
	GOMAXPROCS int `yaml:"gomaxprocs"`
	// URL makes the target external: http://host:port/ is attacked as it
	// is, with ?id=N&sleep=..&cpu=.. appended.
	URL string `yaml:"url"`
	// Admin is the admin base URL of an external target (http://host:port),
	// for /metrics and /config; optional.
	Admin string `yaml:"admin"`
}

// External reports whether the target is an external server (URL set)
// rather than one that loadgen starts.
func (t Target) External() bool { return t.URL != "" }

// The server models, in the order the design lists them.
var models = []string{"nethttp", "gin", "echo", "semaphore", "limitlistener", "pool", "fasthttp"}

// The pool's rejection policies (java.util.concurrent.ThreadPoolExecutor's).
var policies = []string{"abort", "caller-runs", "discard", "discard-oldest"}

// defaultPolicy is the pool's policy when none is given, as in Java.
const defaultPolicy = "abort"

// modelField is a target field that only some models use.
type modelField struct {
	name   string
	models []string
	set    func(t *Target) bool
}

// modelFields lists the model-specific fields; setting one on another model
// is an error.
var modelFields = []modelField{
	{"limit", []string{"semaphore", "limitlistener", "fasthttp"}, func(t *Target) bool { return t.Limit != 0 }},
	{"core", []string{"pool"}, func(t *Target) bool { return t.Core != 0 }},
	{"max", []string{"pool"}, func(t *Target) bool { return t.Max != 0 }},
	{"queue", []string{"semaphore", "pool"}, func(t *Target) bool { return t.Queue != nil }},
	{"queue_timeout", []string{"semaphore"}, func(t *Target) bool { return t.QueueTimeout != 0 }},
	{"pool_keepalive", []string{"pool"}, func(t *Target) bool { return t.PoolKeepAlive != 0 }},
	{"policy", []string{"pool"}, func(t *Target) bool { return t.Policy != "" }},
}

// usedBy reports whether model uses the field.
func (f modelField) usedBy(model string) bool {
	return slices.Contains(f.models, model)
}

// usedByText is "model pool" or "models semaphore, limitlistener and fasthttp".
func (f modelField) usedByText() string {
	if len(f.models) == 1 {
		return "model " + f.models[0]
	}
	return "models " + strings.Join(f.models[:len(f.models)-1], ", ") + " and " + f.models[len(f.models)-1]
}
