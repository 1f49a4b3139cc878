package scenario

import (
	"fmt"
	"strings"

	"github.com/conclab/conclab/internal/catalog"
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
	// Order is which waiting request a freed semaphore slot or pool worker
	// takes: fifo (the oldest) or lifo (the newest). Parse sets it to fifo
	// when empty. Only for semaphore and pool.
	Order string `yaml:"order"`
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
	// is, with ?id=N&sleep=..&cpu=.. appended. With Command it may say
	// {port} for its port, and Parse sets it to http://127.0.0.1:{port}/
	// when it is left out.
	URL string `yaml:"url"`
	// Admin is the admin base URL of an external target (http://host:port),
	// for /metrics and /config; optional. "none" (AdminNone), allowed on
	// every target, makes loadgen ignore the server's admin endpoint and
	// measure it from the kernel side instead, as any server without
	// metrics: an embedded labserver is still started with one, and its
	// /config still feeds the prediction.
	Admin string `yaml:"admin"`
	// Command is a shell command (/bin/sh -c) that loadgen starts before
	// the run and stops after it (SIGTERM to its process group, then
	// SIGKILL), from loadgen's working directory. {port} in it and in URL
	// is replaced by a free loopback port that loadgen picks, or by URL's
	// own port when URL names one. Only for external targets; it makes one
	// when URL is left out.
	Command string `yaml:"command"`
	// PID is a process to watch, with all its descendants, for threads,
	// processes and memory; 0 = the processes that hold the listening
	// socket (found by its inode), or Command's process group. Only for
	// external targets.
	PID int `yaml:"pid"`
	// Process is the name (/proc/PID/comm) of processes to watch, like PID.
	// Only for external targets.
	Process string `yaml:"process"`
	// Service is the handler's work per request that the server is known
	// to do, for targets measured from the kernel side (external without
	// an admin URL, or admin: none): each ok request's start on the server
	// is then its end minus Service, which rebuilds the running and waiting
	// timelines from the client's records. Parse sets it to sleep + cpu
	// for such targets when it is left out; 0 turns the rebuild off. It is
	// scaled with the other times.
	Service Duration `yaml:"service"`
	// Like names the labserver model whose queueing an external server is
	// expected to follow, with that model's fields (limit, queue, core,
	// ...) as its limits, for the prediction only: FastAPI's def endpoints
	// are like semaphore with limit 40. The backlog is read from the
	// kernel. Only for external targets.
	Like string `yaml:"like"`
}

// AdminNone is the Admin value that ignores a target's admin endpoint.
const AdminNone = "none"

// PortPlaceholder in Command and URL stands for the target's port.
const PortPlaceholder = "{port}"

// defaultCommandURL is the URL of a Command target that gives none.
const defaultCommandURL = "http://127.0.0.1:" + PortPlaceholder + "/"

// External reports whether the target is an external server (URL set)
// rather than one that loadgen starts.
func (t Target) External() bool { return t.URL != "" }

// AdminIgnored reports whether the target's admin endpoint is not used
// for sampling (admin: none).
func (t Target) AdminIgnored() bool { return t.Admin == AdminNone }

// KernelSide reports whether the target is measured from the kernel side:
// an external target without an admin URL, or any target with admin: none.
func (t Target) KernelSide() bool {
	return t.AdminIgnored() || (t.External() && t.Admin == "")
}

// AdminURL is the admin base URL of an external target, "" when it has
// none or it is ignored.
func (t Target) AdminURL() string {
	if t.AdminIgnored() {
		return ""
	}
	return t.Admin
}

// queueModel is the model whose fields the target may set: Model for an
// embedded target, Like for an external one.
func (t Target) queueModel() string {
	if t.Model != "" {
		return t.Model
	}
	return t.Like
}

// model is the catalogue's entry for queueModel; the zero Model, which
// takes no knob, when there is none.
func (t Target) model() catalog.Model {
	m, _ := catalog.Lookup(t.queueModel())
	return m
}

// knobField says where one of the catalogue's knobs lives in a Target.
type knobField struct {
	knob catalog.Knob
	// get returns the field's value, and whether the document set it.
	get func(t *Target) (any, bool)
}

// knobFields lists every knob; setting one on a model that does not take
// it is an error.
var knobFields = []knobField{
	{catalog.Limit, func(t *Target) (any, bool) { return t.Limit, t.Limit != 0 }},
	{catalog.Queue, func(t *Target) (any, bool) {
		if t.Queue == nil {
			return nil, false
		}
		return *t.Queue, true
	}},
	{catalog.QueueTimeout, func(t *Target) (any, bool) { return t.QueueTimeout, t.QueueTimeout != 0 }},
	{catalog.Order, func(t *Target) (any, bool) { return t.Order, t.Order != "" }},
	{catalog.Core, func(t *Target) (any, bool) { return t.Core, t.Core != 0 }},
	{catalog.Max, func(t *Target) (any, bool) { return t.Max, t.Max != 0 }},
	{catalog.Policy, func(t *Target) (any, bool) { return t.Policy, t.Policy != "" }},
	{catalog.PoolKeepAlive, func(t *Target) (any, bool) { return t.PoolKeepAlive, t.PoolKeepAlive != 0 }},
}

// usedByText is "model pool" or "models semaphore, limitlistener and fasthttp".
func usedByText(k catalog.Knob) string {
	models := catalog.UsingKnob(k)
	if len(models) == 1 {
		return "model " + models[0]
	}
	return "models " + strings.Join(models[:len(models)-1], ", ") + " and " + models[len(models)-1]
}

// KnobFlags are the labserver flags for the knobs the target sets, as
// "--flag", "value" pairs.
func (t Target) KnobFlags() []string {
	var args []string
	m := t.model()
	for _, f := range knobFields {
		if v, set := f.get(&t); set && m.Uses(f.knob) {
			args = append(args, "--"+f.knob.Flag, fmt.Sprint(v))
		}
	}
	return args
}
