package scenario

import (
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/catalog"
)

// Target is one server under test. It is either embedded (Model is set, and
// loadgen starts bin/labserver with the target's settings) or external (URL
// is set, and loadgen only sends requests to it).
//
// The model-specific fields, the knobs of catalog.Settings, may only be set
// on the models that take them (docs/models.md lists which).
type Target struct {
	// Name identifies the target in reports and file names (<name>.bin);
	// required, unique within the scenario, [a-z0-9._-]+.
	Name string `yaml:"name"`
	// Model is the server model of an embedded target, one of the
	// catalogue's (docs/models.md). Required unless URL is set.
	Model string `yaml:"model"`
	// Settings are the knobs of the model (or of Like), one field each
	// (docs/models.md). Parse fills in the defaults of those the model
	// takes, and leaves the others at zero.
	catalog.Settings `yaml:",inline"`
	// Backlog is the listen backlog; 0 = the server's default. Parse fills
	// it in from Scenario.Server.Backlog when 0.
	Backlog int `yaml:"backlog"`
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
	// Requires are what Command needs to run: files, by absolute path, and
	// commands, by name on $PATH. A target whose requirement is missing on
	// this machine is left out of the run with a one-line reason
	// (Scenario.Runnable), instead of failing it. Only with Command.
	Requires []string `yaml:"requires"`
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

// usedByText is "model pool" or "models semaphore, limitlistener and fasthttp".
func usedByText(k catalog.Knob) string {
	models := catalog.UsingKnob(k)
	if len(models) == 1 {
		return "model " + models[0]
	}
	return "models " + strings.Join(models[:len(models)-1], ", ") + " and " + models[len(models)-1]
}

// ServerFlags are the labserver flags that make a server behave as the
// embedded target t asks, wherever it runs: its model, the model's knobs,
// the backlog and GOMAXPROCS when set, and the access log. They leave out
// the addresses and the work a request asks for, which every request
// carries in its query.
func (s *Scenario) ServerFlags(t Target) []string {
	args := append([]string{"--model=" + t.Model}, t.KnobFlags()...)
	if t.Backlog > 0 {
		args = append(args, "--backlog="+strconv.Itoa(t.Backlog))
	}
	if t.GOMAXPROCS > 0 {
		args = append(args, "--gomaxprocs="+strconv.Itoa(t.GOMAXPROCS))
	}
	if s.Server.AccessLog {
		args = append(args, "--access-log")
	}
	return args
}

// KnobFlags are the labserver flags of the knobs the target's model
// takes, each as one --flag=value.
func (t Target) KnobFlags() []string {
	var args []string
	for _, k := range t.model().Knobs {
		args = append(args, k.Arg(&t.Settings))
	}
	return args
}
