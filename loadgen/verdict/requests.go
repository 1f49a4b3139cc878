package verdict

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// Measured is what a run measured of one request.
type Measured struct {
	Seq int // its place in the schedule
	// Scheduled is when it was due, from the schedule's start: an open
	// schedule's send time, or when a closed user was ready to send it.
	Scheduled time.Duration
	Late      time.Duration   // sent this much after its scheduled time
	Outcome   outcome.Outcome // how it ended
	Latency   time.Duration   // from its send to its end
	Connect   time.Duration   // its TCP connect time as its client saw it, when Dialed
	Dialed    bool
	// Syn is how long after its send its dial called connect(2), when Dialed
	// (attack.Hit.Syn): on loopback, when its SYN reached the server.
	Syn time.Duration
	// Served is what the server's reply said of an ok request's work; nil
	// when it said nothing (a server other than labserver).
	Served *Served
	// ToGate is how long after its send it reached the model's gate (its
	// accept, its wait in the kernel's queue if any, a goroutine, the read
	// of the request), as the server timed it on loadgen's clock; 0 when
	// unknown (a remote server, a server other than labserver, an answer
	// without a body).
	ToGate time.Duration
	// ToAccept is how long after its send the server accepted its
	// connection (the end of its wait in the kernel's accept queue), as
	// the server timed it on loadgen's clock; 0 when unknown, as ToGate.
	ToAccept time.Duration
	// CloseHold is how long after its way through the model ended its
	// server still held its place, until it closed its connection
	// (fasthttp frees a worker only then), on the server's clock; 0 when
	// unknown or for a model that frees the place at once.
	CloseHold time.Duration
	// SlotFreed is how long after its send the close that freed its
	// connection's slot happened, for a connection its server accepted
	// only once a slot was free (a LimitListener's), as the server timed
	// it on loadgen's clock; 0 when unknown or not one.
	SlotFreed time.Duration
	// Left is, for a request whose client gave up, how long after its
	// send its way through the server's model ended (its work ended, the
	// model refused it, or the model saw its client leave), as the server
	// timed it on loadgen's clock; 0 when unknown.
	Left time.Duration
	// StartedLeft is, for a request whose client gave up during its work,
	// how long after its send that work began, as the server timed it on
	// loadgen's clock: the model stopped the work and freed its slot at
	// Left. 0 when unknown, or when its work never began.
	StartedLeft time.Duration
	// Stopped is, for a request whose client gave up during its work,
	// that work as the server's passage timed it, on the server's clock:
	// its slot and turn, its accept, its arrival at the gate, its start,
	// and as End when the model stopped it (the passage's ended; zero
	// where an older labserver did not say), which released the slot
	// between End and Left. Received is zero. nil when unknown, or when
	// its work never began.
	Stopped *Served
	// AnswerDelay is, for a request the server refused, how long its
	// answer took from its writing (Refused) to the client, on loadgen's
	// clock; 0 when unknown.
	AnswerDelay time.Duration
	// Refused is, for a request the server refused, when its answer was
	// written, as that answer says (labserver's refused), on the server's
	// clock; zero when unknown.
	Refused time.Time
	// Decided is, for a request the server refused, how long after it
	// reached the model's gate the server wrote its refusal (its refused
	// less its arrived); 0 when unknown.
	Decided time.Duration
	// RefusalDecided is, for a request the server refused, when its gate
	// decided so, on the server's clock, where another goroutine than the
	// refused one decided (labserver's decided, docs/contracts.md); zero
	// when unknown or not so. Unlike Decided, an instant, not a duration.
	RefusalDecided time.Time
}

// SynRetried reports whether its connect needed a retransmitted SYN
// (outcome.SynRetried).
func (m Measured) SynRetried() bool {
	return m.Dialed && outcome.SynRetried(m.Connect, m.Syn, m.ToAccept)
}

// SentAt is when it was sent, from the schedule's start.
func (m Measured) SentAt() time.Duration { return m.Scheduled + m.Late }

// Served is a request's work as its server timed it, on the server's
// clock: an ok request's (Measured.Served), or one whose client left
// during it (Measured.Stopped).
type Served struct {
	Slot     string    // where it ran: "slot-3", "worker-2", "caller"
	Turn     int       // the how-manieth request to start on Slot; 0: not said
	Accepted time.Time // its connection was accepted; zero: not said
	Arrived  time.Time // it reached the model's gate
	Start    time.Time // its work began
	End      time.Time // its work ended
	// Received is when the answer reached the client, on loadgen's
	// clock: zero unless the server runs on this host, whose clock is
	// loadgen's.
	Received time.Time
}

// listedDiffering is how many differing requests summary.json lists.
const listedDiffering = 20

// class is what the verdict compares of an outcome: whether the request
// was served, turned away, timed out, or something else. A 503 and a
// reset are both the server turning it away.
func class(o outcome.Outcome) string {
	switch {
	case o == outcome.OK, o == outcome.Timeout:
		return string(o)
	case slices.Contains(outcome.Rejected, o):
		return "rejected"
	}
	return "other"
}

// classes is how many outcome classes the replicas end a request with.
func classes(e predict.Ends) int {
	seen := map[string]bool{}
	for _, o := range outcome.All {
		if e.Of(o) > 0 {
			seen[class(o)] = true
		}
	}
	return len(seen)
}

// covered reports whether some replica ends the request in o's class.
func covered(e predict.Ends, o outcome.Outcome) bool { return inClass(e, o) > 0 }

// compareRequests compares each measured request with its prediction.
// It lists the first differing requests that no replica ends the measured
// way, then the first of the others.
// A request differs when its outcome's class is not the central
// prediction's; the comparison holds when no more of the requests that
// differ are ones no replica ends the measured way than a replica itself
// has against the others (uncoveredAmongReplicas).
func compareRequests(central predict.Result, reps predict.Replicas, measured []Measured) (*summary.RequestsAgree, bool) {
	ra := &summary.RequestsAgree{Matrix: map[outcome.Outcome]map[outcome.Outcome]int{}}
	for _, e := range reps.Ends {
		if classes(e) > 1 {
			ra.Allowance++
		}
	}
	var coveredOnes []summary.DifferingRequest
	byIndex := slices.Clone(measured)
	slices.SortFunc(byIndex, func(a, b Measured) int { return a.Seq - b.Seq })
	for _, m := range byIndex {
		if m.Seq < 0 || m.Seq >= len(central.Requests) {
			continue
		}
		p := central.Requests[m.Seq]
		if ra.Matrix[p.Outcome] == nil {
			ra.Matrix[p.Outcome] = map[outcome.Outcome]int{}
		}
		ra.Matrix[p.Outcome][m.Outcome]++
		if class(p.Outcome) == class(m.Outcome) {
			ra.Same++
			continue
		}
		ra.Differ++
		cov := m.Seq < len(reps.Ends) && covered(reps.Ends[m.Seq], m.Outcome)
		if !cov {
			ra.Uncovered++
		}
		d := summary.DifferingRequest{Seq: m.Seq, SentS: m.SentAt().Seconds(),
			Predicted: p.Outcome, Measured: m.Outcome, Met: met(p, m), Covered: cov}
		if cov {
			coveredOnes = append(coveredOnes, d)
		} else if len(ra.Differing) < listedDiffering {
			ra.Differing = append(ra.Differing, d)
		}
	}
	// The requests no replica ends the measured way are the ones that
	// break the agreement: they come first.
	ra.Differing = append(ra.Differing, coveredOnes[:min(len(coveredOnes), listedDiffering-len(ra.Differing))]...)
	ra.UncoveredAllowed = uncoveredAmongReplicas(reps)
	return ra, ra.Uncovered <= ra.UncoveredAllowed
}

// uncoveredAmongReplicas is how many requests a replica of reps itself
// ends in a class that no other replica ends them in, at the 99th
// percentile over the replicas (the k-th largest, k = ⌈N/100⌉, as the
// ranges): what a run that is one more draw of the same process may show.
// Where many requests sit on a knife edge, each with an outcome that a few
// replicas in a thousand give it, some such outcome is likely in any one
// draw, and a rule that allowed none would fail the model against itself.
// 0 without the replicas' ends.
func uncoveredAmongReplicas(reps predict.Replicas) int {
	return atTheTop(lonelyEnds(reps))
}

// lonelyEnds is, for each replica of reps, how many requests it ends in a
// class that no other replica ends them in; nil without the replicas'
// ends.
func lonelyEnds(reps predict.Replicas) []int {
	if len(reps.Ended) == 0 {
		return nil
	}
	// lonely[i] has bit o set when the one replica that ends request i
	// with outcome.All[o] is the only one to end it in that class.
	lonely := make([]uint16, len(reps.Ends))
	for i, e := range reps.Ends {
		for o, x := range outcome.All {
			if e.Of(x) == 1 && inClass(e, x) == 1 {
				lonely[i] |= 1 << o
			}
		}
	}
	counts := make([]int, len(reps.Ended))
	for j, ended := range reps.Ended {
		for i, o := range ended {
			if i < len(lonely) && lonely[i]&(1<<o) != 0 {
				counts[j]++
			}
		}
	}
	return counts
}

// inClass is how many replicas end a request in o's class.
func inClass(e predict.Ends, o outcome.Outcome) int {
	n := 0
	for _, x := range outcome.All {
		if class(x) == class(o) {
			n += e.Of(x)
		}
	}
	return n
}

// met says what a request met, as predicted and as measured.
func met(p predict.Request, m Measured) string {
	var pred []string
	if p.SynRetries > 0 {
		pred = append(pred, fmt.Sprintf("%d SYN retransmissions", p.SynRetries))
	}
	if p.Connected != predict.Never {
		pred = append(pred, fmt.Sprintf("connected at %s", secs(p.Connected)))
	}
	if p.Queued > 0 {
		pred = append(pred, fmt.Sprintf("waited %s in the app", secs(p.Queued)))
	}
	if p.Started != predict.Never {
		pred = append(pred, fmt.Sprintf("started at %s", secs(p.Started)))
	}
	pred = append(pred, fmt.Sprintf("ended %s at %s", p.Outcome, secs(p.Finished)))
	meas := []string{}
	if m.Dialed {
		meas = append(meas, fmt.Sprintf("connect took %s", secs(m.Connect)))
	}
	sent := m.SentAt()
	meas = append(meas, fmt.Sprintf("ended %s at %s", m.Outcome, secs(sent+m.Latency)))
	return "predicted: " + strings.Join(pred, ", ") + "; measured: " + strings.Join(meas, ", ")
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }
