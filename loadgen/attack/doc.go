// Package attack drives one target with vegeta as an open model: exactly N
// hits on a fixed schedule, unbounded workers, a timeout above the
// handler's sleep. Every hit's TCP connect time is traced, so that a
// request that waited behind a SYN the kernel dropped can be told apart
// from one that waited inside the server.
package attack
