// Package predict is a small deterministic discrete-event simulation of the
// queueing network that a conclab target forms: the client, the kernel's SYN
// handling and accept queue, and the server's queueing discipline (one of
// internal/catalog's, which says which model follows which).
//
// It is pure: it reads no file and no clock, and imports nothing of the
// project but its vocabulary, internal/catalog and loadgen/outcome.
// loadgen/verdict gathers its inputs from a scenario, a server's /config
// and the kernel's sysctls.
//
// Given an arrival schedule, a fixed service time, the limits a server reports
// on /config and the kernel's SYN retransmission behaviour, [Simulate] predicts
// what the lab will measure for that target: the outcome and timings of every
// request, the peaks of the gauges (requests running, waiting in the app,
// waiting in the kernel accept queue, open connections, client in-flight
// requests, connects waiting for a SYN retransmission) and a time series of
// those gauges at a fixed step (1 s by default).
//
// # Model
//
// Every request is one TCP connection (no keep-alive) that goes through these
// places, each of which is a gauge in [Point]:
//
//   - SynPending: the first SYN found the kernel accept queue full and was
//     dropped; the client retransmits it at the offsets of
//     [Kernel.SynSchedule] and gets in at the first retransmission that finds
//     room. It gives up (Outcome "timeout") at the kernel's give-up offset, at
//     ConnectTimeout or at ClientTimeout, whichever comes first.
//   - AcceptQueue: the handshake is complete and the connection waits in the
//     kernel accept queue, which holds Backlog+1 entries, until the server
//     accepts it. Servers that accept at once keep it empty; limitlistener and
//     an exhausted FDLimit make connections wait here.
//   - Connections: accepted and not yet closed (server side).
//   - Queued: accepted and waiting in the application for a slot (semaphore)
//     or for a worker (pool).
//   - Inflight: doing handler work, which lasts Input.Service.
//   - ClientInflight: sent and not yet ended for the client.
//
// # Time and ties
//
// Time is exact (integer nanoseconds). Events happening at the same instant are
// processed in a fixed order: by time, then by kind — handler work finishing,
// client deadline, semaphore queue timeout, connect give-up, SYN
// retransmission, first SYN (arrival), pool keep-alive expiry — then by request
// (or worker) index. So capacity freed at an instant is seen by requests
// arriving at that same instant, work that finishes exactly at the client's
// deadline is "ok", retransmitted SYNs get free accept-queue room before new
// SYNs, and among simultaneous requests the lower index goes first. A request
// whose client deadline is the current instant is not accepted, started or
// given a slot at that instant: it ends as "timeout" rather than running for
// zero time. After each event the server accepts from the accept queue while
// it is willing to.
// The same Input always gives the same Result.
//
// Peaks are the maxima of the state after each event (what a gauge could
// observe), series points are the state after all events at or before T.
//
// # Not modelled
//
// Disagreements with a measured run are findings to explain, so the
// simplifications are listed: handler work always lasts Service (no CPU
// contention: CPU-bound work beyond GOMAXPROCS runs slower in reality, and no
// GC or scheduler delay); net/http's accept back-off after EMFILE (up to 1 s)
// is taken as zero; the network adds no delay; SYN retransmissions come at
// their nominal times (measured ones drift late by about 2%); and the client
// never refuses or resets on its own ("refused", "http_other" and "other"
// are never predicted).
package predict
