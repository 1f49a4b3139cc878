// Package compose writes a scenario's Docker stack as a compose file: one
// lab service per embedded target (package container says how each runs),
// the loadgen service that runs the scenario against them, and the observe
// profile (Prometheus and Grafana).
//
// # One source
//
// The stack is never written by hand. docker-compose.yml is Write's output
// for scenarios/seed.yaml (make compose), and a test fails when the two
// drift apart; make bench-docker writes any other scenario's stack the
// same way before it runs it.
//
// # What a scenario may hold
//
// External targets (url:, command:) have no container: loadgen sends to
// them as they are, and the file says so in a comment. A target with
// admin: none, or whose name is one of the stack's own services, is
// refused.
package compose
