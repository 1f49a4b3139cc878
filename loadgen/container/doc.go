// Package container says how an embedded target of a scenario runs as a
// container of the lab image, so that every way of starting one agrees.
//
// # Layout
//
// Each embedded target becomes one container, named after the target, on a
// network of its own stack: the labserver listens on AppPort and serves its
// admin endpoint (/metrics, /healthz, /config) on AdminPort. Loadgen, on the
// same network, finds it by name (AppURL, AdminURL) and serves its own
// client metrics on MetricsPort.
//
// # Spec
//
// Of returns a target's Spec: the labserver command (the target's flags,
// scenario.Scenario.ServerFlags), the net.core.somaxconn sysctl that lets
// the target's backlog through, and the CPUs its gomaxprocs asks for.
// loadgen compose writes specs as compose services.
//
// # Check
//
// A container is started before the run, from a file that may be older than
// the scenario. Check compares what the server reports on /config with the
// target, so that a run never measures a server other than the one its
// scenario names.
package container
