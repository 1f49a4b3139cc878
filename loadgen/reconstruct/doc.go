// Package reconstruct rebuilds, from the client's records alone, how many
// requests were running on a server and how many were waiting, at any
// moment of a run, for servers that report neither. Combined with the
// kernel's view of the server's port (loadgen/kernelview), it splits the
// waiting into waiting in the kernel and waiting in the application.
//
// # Method
//
// The client knows, for each request, when it sent it, how long its TCP
// connect took, when it ended and how (the outcome). When the server's work
// per request is known and fixed — the lab's handlers sleep for the time the
// request asks, so the service time S is the scenario's sleep plus cpu —
// each request that got its answer started its work on the server at
//
//	started = ended − S
//
// and waited before that, since it was sent. Rebuild turns every request
// into intervals:
//
//   - ok: connecting [sent, connected), waiting [sent, started), running
//     [started, ended). A start that would fall before the connect ended
//     (a server faster than S) is moved to the connect's end.
//   - timeout: the client gave up at ended without an answer. Had the work
//     started before ended − S, it would have ended in time; so the request
//     certainly waited over [sent, ended − S). After that it waited or ran:
//     the client cannot tell, and the interval [max(sent, ended − S), ended)
//     is counted as undetermined.
//   - any other outcome (503, reset, refused, other): no work was seen to
//     run; the request waited over [sent, ended).
//
// At a time t the timeline counts, over those intervals: Running,
// Waiting (sent, not started, not ended: connecting included),
// Connecting (sent, handshake not done: a SYN the kernel dropped is being
// retransmitted, or a handshake is in flight) and Undetermined.
//
// Split adds the kernel's view at the same instant. A connection whose
// handshake is done but that the server has not accepted is in the
// listening socket's accept queue (kernelview Port.AcceptQueue), so
//
//	waiting in the kernel = AcceptQueue
//	waiting in the app    = Waiting − Connecting − AcceptQueue   (≥ 0)
//
// and the kernel gives a second, independent count of the same thing:
// accepted connections (ESTABLISHED + CLOSE_WAIT − AcceptQueue) minus
// Running, which Split reports as AppFromKernel. The two agree when every
// accepted connection carries one request (no keep-alive) and every
// request that ended has closed its connection.
//
// # Limits
//
//   - S must be known and the same for every request. A server whose work
//     takes longer than S under load (CPU contention, a GIL, GC, a sleep
//     that wakes late) makes starts look later than they were: waiting is
//     overstated and running understated by the overrun, request by
//     request. EstimateService (the shortest ok latency) checks S against
//     the run; the latency quantiles of requests that could not have
//     waited show the overrun.
//   - The response's own transit (a few microseconds on loopback) is
//     counted as work; over a real network it is not negligible. So is
//     the client's delay in reading it: a busy client stamps ends late,
//     by up to milliseconds, so rebuilt edges that fall that close
//     together may overlap. Counts at sample instants away from edges are
//     exact; Peaks, being exact over edges, can show such overlaps.
//   - Timed-out requests leave an undetermined interval of up to S each.
//     With client timeouts below the waiting time, most of a run's
//     requests may end undetermined, and only lower bounds remain.
//   - Rejections (503, reset) are counted as waiting until they end; a
//     reset that came from a handler dying mid-work is miscounted.
//   - Keep-alive connections carry several requests; the kernel's
//     connection counts then say nothing per request, and AppFromKernel is
//     meaningless.
//   - The rebuild exists only after requests end: during a run, only the
//     kernel's view is live.
package reconstruct
