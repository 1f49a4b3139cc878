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
// on /config and the kernel's SYN retransmission behaviour (nominal, or as a
// calibration measured it), [Simulate] predicts
// what the lab will measure for that target: the outcome and timings of every
// request, the peaks of the gauges (requests running, waiting in the app,
// waiting in the kernel accept queue, open connections, client in-flight
// requests, connects waiting for a SYN retransmission, and in replicas the
// listener's request sockets) and a time series of
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
//   - SynQueue: in a replica, the connection is in limbo (below): the
//     client completed its handshake, the server did not, and the listener
//     holds a request socket for it.
//   - AcceptQueue: the handshake is complete and the connection waits in the
//     kernel accept queue, which holds Backlog+1 entries, until the server
//     accepts it. Servers that accept at once keep it empty; limitlistener and
//     an exhausted FDLimit make connections wait here.
//   - Connections: accepted and not yet closed (server side).
//   - Queued: accepted and waiting in the application for a slot (semaphore)
//     or for a worker (pool).
//   - Inflight: doing handler work, which lasts the request's own
//     Input.Work, or Input.Service for all.
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
// # Replicas
//
// One simulation settles every tie one way. The kernel does not: its
// timers fire late by amounts its timer wheel decides, and a loaded
// machine sends and connects a little late. [Replicate] runs the
// simulation many times, each perturbed as a [Spread] allows, and returns
// each replica's figures, each request's outcomes and a band of the
// gauges; loadgen/verdict turns them into ranges. A replica:
//
//   - sends each request's SYN as late as the run measured, when its
//     dial called connect(2) (Spread.Syn), counting it in its client's in-flight
//     gauge from its send (kindClientSend);
//   - gives each request's work an overshoot drawn from the run's;
//   - fires SYN retransmissions on the Linux timer wheel (wheel.go) at a
//     random alignment of its jiffies, so that retransmissions of requests
//     sent a few ms apart fire together, or, without the timer frequency,
//     draws each within its calibrated spread;
//   - lets handshakes that fire together on different CPUs race past the
//     accept queue's full check, one per CPU (engine.racesIn);
//   - puts requests whose SYN passed but whose ACK found the queue full in
//     limbo, connected for their client, retrying at the server's SYN-ACK
//     and the client's request retransmissions, or, where the listener
//     already held more request sockets than its backlog and answered
//     with a SYN cookie, at the client's retransmissions alone (limbo.go);
//   - keeps each connection in the accept queue for a drawn accept delay;
//   - when the server timed every request's arrival at its gate
//     (Spread.Reach), accepts each request at once and has it reach the
//     gate then (phaseReading), counted in the accept queue on its way
//     until the server's accept where that was timed too (Spread.InKernel,
//     phaseReadAccepted), instead of drawing its admission and accept
//     delays; else, where it timed some (Spread.Written), has each request
//     whose handshake completed at its first SYN reach the gate no sooner
//     than its client wrote it, and none sooner after its accept than the
//     server read it (Spread.ReadAfterAccept), holding its connection
//     meanwhile, and draws no admission delay;
//   - has fasthttp hold a connection's place while the request is read and
//     after its work until the close, as long as the run's did at that
//     moment (Spread.ReadHold, Spread.CloseHold);
//   - has fasthttp end each due sleep at the next accept or read, which
//     wakes its runtime, and draw for a sleep that such a wake cut short in
//     the run the overshoot its own timer would have given it
//     (Spread.OvershootCut);
//   - hands a freed slot or pool worker to its next waiter a drawn
//     scheduling delay later, among the run's hand-overs of that moment
//     where it timed them (Spread.WakeAt), counting the waiter as waiting
//     until then (engine.handOver): the waiter is a goroutine that must
//     wake; and
//     frees a LimitListener's slot for its accept loop as late as the
//     run's server timed its wakes of that moment (Spread.AcceptWake), or
//     else as a hand-over;
//   - fires the queue timers of its waiters at shared wakes, as late as
//     the run's wakes of that moment came, and runs their goroutines the
//     last fired first, then in order, a step apart (Spread.QueueTimeoutStep,
//     queuewakes.go);
//   - stops a work whose client gave up as late after the client's
//     deadline as the run's server stopped such works of that moment
//     (Spread.StopLate): the work's goroutine must learn of the close, and
//     run;
//   - writes each 503 of a deadline queue's refused waiter as late after
//     its turn's first refusal as the run's waiter of its rank was in the
//     run's storm of refusals of that moment (Spread.RefusalStorms), and
//     times it out if its client gives up first (refuse).
//
// # Closed users
//
// An input with Users instead of Arrivals is a closed population, as
// JMeter's thread groups are: each user sends its next request Think after
// its last one ended for it (an answer, a refusal or its give-up), so the
// sends are worked out as the simulation goes (closed.go). Its requests
// keep workload.Users' numbering, which the client uses too; a replica
// sends each as much later than its user was ready as the run sent it.
//
// # Go's client keeps dialing
//
// A client whose request times out while its SYN is still pending ends the
// request, but Go's http.Transport detaches the dial from the request (so
// that a later request could use the connection) and goes on: the kernel
// keeps retransmitting the SYN until connect gives up. When one gets in, the
// connection nobody waits for takes a place in the accept queue as an
// orphan until the server accepts and closes it (phaseGhost). In a replica,
// one whose ACK a full queue drops waits in limbo as a live request does,
// and comes back as an orphan (phaseGhostLimbo), unless the server drops
// its request socket first: when request sockets fill more than half the
// listen backlog, the kernel gives the old ones fewer SYN-ACK retries
// (limbo.go).
//
// # net/http after EMFILE
//
// A net/http server at its FD limit fails accept(2) with EMFILE and sleeps
// 5 ms, doubling to at most 1 s, before it tries again (engine.emfile): a
// freed descriptor is noticed only at its next try.
//
// # Not modelled
//
// Disagreements with a measured run are findings to explain, so the
// simplifications are listed: handler work lasts Service plus, in a
// replica, a measured overshoot (no CPU contention: CPU-bound work beyond
// GOMAXPROCS runs slower in reality, and no GC or scheduler delay); the
// network adds no delay beyond the drawn connect and accept delays, and
// loses no packet (a full input backlog on loopback does; docs/kernel.md);
// the central simulation takes the calibrated retransmission times, without
// the timer wheel's bunching; the listener always answers with a SYN
// cookie once its request sockets exceed the backlog
// (net.ipv4.tcp_syncookies 1, which the model does not read), and its
// SYN queue holds only connections in limbo, where the kernel's also
// holds the handshakes in progress; a client in limbo resends on
// the kernel's default RTO, where the kernel may start it from the RTT it
// keeps for the pair of addresses, up to tens of seconds (docs/kernel.md);
// and the client never refuses or resets on its own ("refused",
// "http_other" and "other" are never predicted, and fasthttp's resets are
// counted as its 503s).
package predict
