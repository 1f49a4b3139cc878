package container

import (
	"net"
	"strconv"

	"github.com/conclab/conclab/loadgen/scenario"
)

// The ports of a lab container, and of loadgen's metrics.
const (
	AppPort     = 8080
	AdminPort   = 9080
	MetricsPort = 9100
	// HubPort is where loadgen run --workers remote:N waits for its
	// workers (package hub).
	HubPort = 9200
)

// DiscoveryPath is where loadgen's metrics address lists the run's servers
// in Prometheus's HTTP service discovery format, each labelled with its
// target, while a run is going (deploy/prometheus.yml).
const DiscoveryPath = "/discovery/labservers"

// DefaultSomaxconn is the net.core.somaxconn of a lab container whose
// target's backlog needs no more: the value of the lab's Linux machines,
// so that a target without a backlog gets the queue it gets natively.
const DefaultSomaxconn = 4096

// Spec is how one embedded target runs as a container.
type Spec struct {
	// Name is the target's name: the container's service name, and its
	// host name on the stack's network.
	Name string
	// Command is the labserver with the target's flags, the scenario's
	// max_sleep and the container's addresses.
	Command []string
	// Somaxconn is the container's net.core.somaxconn: DefaultSomaxconn,
	// or the target's backlog when that is larger, since the kernel caps
	// a backlog at somaxconn.
	Somaxconn int
	// CPUs is the container's CPU limit when the target sets gomaxprocs;
	// 0 leaves the stack's default.
	CPUs int
}

// Of is the Spec of s's embedded target t.
func Of(s *scenario.Scenario, t scenario.Target) Spec {
	cmd := append([]string{"/bin/labserver"}, s.ServerFlags(t)...)
	// The cap on a request's work is the scenario's at the scale it was
	// given (Scenario.Scaled scales max_sleep): a run at a larger scale
	// asks for more, which Check refuses in one line.
	cmd = append(cmd, "--max-sleep="+s.MaxSleep.String(),
		"--listen=:"+strconv.Itoa(AppPort), "--admin=:"+strconv.Itoa(AdminPort))
	return Spec{Name: t.Name, Command: cmd, Somaxconn: max(DefaultSomaxconn, t.Backlog), CPUs: t.GOMAXPROCS}
}

// AppURL is the base URL of the target name's server on the stack's network.
func AppURL(name string) string {
	return "http://" + net.JoinHostPort(name, strconv.Itoa(AppPort)) + "/"
}

// AdminURL is the admin base URL of the target name's server.
func AdminURL(name string) string {
	return "http://" + net.JoinHostPort(name, strconv.Itoa(AdminPort))
}
