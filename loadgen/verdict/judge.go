package verdict

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// Tolerance is what summary.json records of the rule: there is no blanket
// tolerance any more; each figure has its predicted range.
var Tolerance = summary.Tolerance{
	Note: "measured and predicted agree when every compared figure (ok, rejected, timed out, SYN-retried, and the " +
		"peaks of running, waiting in app and waiting in kernel) lies inside its predicted range, the 1st to 99th " +
		"percentile over replicas of the simulation perturbed as the run measured (a sampled peak may lie below it " +
		"by what sampling can miss); no more requests end in a way no replica ends them than a replica itself " +
		"has against the others; and no more samples of the gauges lie outside the predicted band, one sampling period " +
		"either way, than a replica itself has outside it (docs/verdict.md)",
}

// Evidence is a target's prediction beside what the run measured of it.
type Evidence struct {
	Central  predict.Result
	Replicas predict.Replicas
	BandStep time.Duration
	Requests []Measured
	Timeline []Sample
	// SamplePeriod is how often the gauges were sampled.
	SamplePeriod time.Duration
	// SoftnetDropped is how many packets the host dropped at full CPU
	// input backlogs during the run.
	SoftnetDropped float64
	// Users are a closed schedule's users; nil for an open schedule.
	Users *workload.Users
}

// Judge compares a finished target's measurement with its prediction: the
// figures against their ranges, each request against its predicted
// outcome and each gauge's timeline against its band. It sets the
// ranges, Agrees, Disagreements, RequestsAgree and TimelineAgree, and
// notes where the scenario sits on a knife edge and why a measurement
// differs where the lab knows it.
func Judge(t *summary.Target, ev Evidence) {
	Ranges(t.Predicted, ev.Replicas)
	Ranks(t, ev.Replicas)
	diffs := compareFigures(t)
	ra, requestsHold := compareRequests(ev.Central, ev.Replicas, ev.Requests)
	t.RequestsAgree = ra
	if !requestsHold {
		diffs = append(diffs, fmt.Sprintf("requests: %d ended other than predicted, %d of them in a way no replica "+
			"ends them, where a replica itself has at most %d against the others (see requests_agree.differing)",
			ra.Differ, ra.Uncovered, ra.UncoveredAllowed))
	}
	server := len(t.Config) > 0
	outside := samplesOutside(ev.Replicas, ev.BandStep, ev.SamplePeriod, judgedGauges(ev.Timeline, server))
	allowed := atTheTop(outside)
	var timelineDiffs []string
	t.TimelineAgree, timelineDiffs = compareTimelines(ev.Replicas.Band, ev.BandStep, ev.Timeline, ev.SamplePeriod, server, allowed)
	if len(t.TimelineAgree) > 0 {
		t.TimelineOutsideAllowed = &allowed
	}
	diffs = append(diffs, timelineDiffs...)
	agrees := len(diffs) == 0
	t.Agrees, t.Disagreements = &agrees, diffs
	self := selfCheck(t, ev.Replicas, outside)
	t.Predicted.ReplicasDisagreeing = self
	if !agrees && self != nil {
		t.Notes = append(t.Notes, selfNote(self, ev.Replicas.N))
	}
	t.Notes = append(t.Notes, lateScrapes(ev.Timeline, ev.SamplePeriod)...)
	t.Notes = append(t.Notes, knifeEdge(ev.Central, ev.Replicas)...)
	t.Notes = append(t.Notes, explain(t)...)
	t.Notes = append(t.Notes, comeBackTooSoon(ev.Users, ev.Replicas, ev.Requests)...)
	if !agrees && ev.SoftnetDropped > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("maybe why: the kernel dropped %.0f packets during the run because a CPU's "+
			"input backlog was full (net.core.netdev_max_backlog; /proc/net/softnet_stat). Loopback packets go through that "+
			"backlog, so a SYN, SYN-ACK or ACK can be lost there and its connection delayed or never made; the simulation "+
			"does not model it", ev.SoftnetDropped))
	}
}

// knifeEdge says where the replicas disagree on how requests end: the
// scenario sits on a knife edge there, and its figures have ranges
// rather than values. It names the first such request, the instant its
// fate is decided in the central prediction, and what meets there.
func knifeEdge(central predict.Result, reps predict.Replicas) []string {
	first, n := -1, 0
	for i, e := range reps.Ends {
		if classes(e) > 1 {
			n++
			if first < 0 {
				first = i
			}
		}
	}
	if n == 0 {
		return nil
	}
	p := central.Requests[first]
	when, what := p.Sent, "its arrival and the server's free capacity meet within the jitter of sends and connects the run measured"
	switch {
	case p.SynRetries > 0 && p.Connected != predict.Never:
		when, what = p.Connected, "its retransmitted SYN, the place a leaving request frees in the accept queue and other "+
			"retransmissions meet within the spread of the kernel's timer wheel"
	case p.SynRetries > 0:
		when, what = p.Finished, "its retransmitted SYNs find the accept queue full until its client gives up, or not"
	}
	return []string{fmt.Sprintf("knife edge: the replicas disagree on how %d requests end, so the figures they move have "+
		"ranges. The first, sent at %s, is decided at about %s, where %s", n, secs(p.Sent), secs(when), what)}
}

// explain adds the causes known to this lab for what the simulation does
// not model, so that the report says why as well as what.
func explain(t *summary.Target) []string {
	var notes []string
	if resets := t.Outcomes[outcome.Reset]; resets > 0 && t.Model == catalog.FastHTTP.Name {
		notes = append(notes, fmt.Sprintf("why %d ended \"reset\": fasthttp answers a connection above Server.Concurrency "+
			"with its 503 and closes it without reading the request. When the request arrives after the close, or "+
			"is still unread at it, the server's kernel answers with a reset, and the client's kernel drops the 503 "+
			"it had not read yet. Which of the two a rejected request gets is a race on the loopback that the "+
			"simulation does not model; both count as rejected, the figure compared", resets))
	}
	return notes
}
