// Package outcome names how a request ends for its client, the same way
// in a measurement and in a prediction: the outcomes of summary.json, the
// client metrics and the report, and the connect time from which a
// request counts as SYN-retried.
//
// It imports nothing, so that the client (attack), the simulation
// (predict) and every reader of a run folder can share it.
package outcome

import "time"

// Outcome is how a request ended, as the client saw it.
type Outcome string

// The outcomes; every request sent has exactly one.
const (
	OK        Outcome = "ok"
	HTTP503   Outcome = "http_503"
	HTTP429   Outcome = "http_429"
	HTTPOther Outcome = "http_other"
	Timeout   Outcome = "timeout"
	Refused   Outcome = "refused"
	Reset     Outcome = "reset"
	Other     Outcome = "other"
)

// All lists every outcome in report order.
var All = []Outcome{OK, HTTP503, HTTP429, HTTPOther, Timeout, Refused, Reset, Other}

// Rejected are the outcomes that tables and verdicts count as "rejected":
// the server turned the request away with a 503, a 429 (a rate limit), a
// reset or a refused connection.
var Rejected = []Outcome{HTTP503, HTTP429, Reset, Refused}

// Failed are the outcomes where the server answered, or closed, with no
// result: the rejections, any other status, and every other error. Neither
// ok nor the client's own timeout is among them.
var Failed = []Outcome{HTTP503, HTTP429, HTTPOther, Refused, Reset, Other}

// Sum adds up the counts of the given outcomes.
func Sum[K ~string](counts map[K]int, outcomes ...Outcome) int {
	n := 0
	for _, o := range outcomes {
		n += counts[K(o)]
	}
	return n
}

// SynRetriedConnect is the connect time from which a request counts as
// SYN-retried: the first retransmission comes after the kernel's initial
// RTO of 1 s, while a connect to a listener with room takes well under a
// millisecond on loopback.
const SynRetriedConnect = 900 * time.Millisecond

// SynRetried reports whether a connect that its client timed as taking
// connect, and whose SYN went out syn after the request's send, needed a
// retransmitted SYN: it took SynRetriedConnect or more, unless its
// server accepted the connection sooner after the SYN than any
// retransmission could come (toAccept, from the send; 0: unknown). Then
// the handshake was done at the first SYN, and the dial returned late
// because its client was busy: in burst-after-deploy, connects of 0.90 to
// 1.15 s whose servers had accepted them within 2 ms.
func SynRetried(connect, syn, toAccept time.Duration) bool {
	if connect < SynRetriedConnect {
		return false
	}
	return toAccept <= 0 || toAccept-syn >= SynRetriedConnect
}
