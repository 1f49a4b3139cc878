package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// One slot, 100 ms of work, a 50 ms queue timeout, clients that give up
// after 102.5 ms. Request 0 runs from 0 to 0.1 s. Request 1, sent at
// 0.01 s, waits; its timeout fires at 0.06 s. Request 2 is sent at
// 0.105 s.
//   - Where the run's waiters whose timeouts came due then left the queue
//     50 ms late, request 1 is still on the list at 0.1 s: the release
//     hands it the slot, and it passes the slot on and answers 503 only
//     at 0.11 s, when its goroutine runs. Request 2 waits for it, runs
//     from 0.11 s and its client gives up at 0.2075 s: timeout.
//   - Where they left on time, or only at another moment (0.5 s, beyond
//     localWindow), request 1 leaves at 0.06 s, the slot is free at
//     0.1 s, and request 2 runs from 0.105 s to 0.205 s: ok.
func TestAWaiterLeavesTheQueueAsLateAsTheRunsWaitersOfItsMomentDid(t *testing.T) {
	in := Input{Arrivals: at(0, 0.01, 0.105), Service: sec(0.1), Kernel: linux, ClientTimeout: sec(0.1025),
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128,
			Settings: catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: sec(0.05)}}}
	for _, tc := range []struct {
		name     string
		late, at []time.Duration
		third    outcome.Outcome
	}{
		{"late then", []time.Duration{sec(0.05)}, at(0.06), outcome.Timeout},
		{"on time then", []time.Duration{0}, at(0.06), outcome.OK},
		{"late at another moment", []time.Duration{sec(0.05)}, at(0.5), outcome.OK},
	} {
		rs, err := Replicate(in, Spread{QueueTimeoutLate: tc.late, QueueTimeoutAt: tc.at}, ReplicaOptions{N: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := []outcome.Outcome{outcome.OK, outcome.HTTP503, tc.third}
		for i, e := range rs.Ends {
			if e.Of(want[i]) != rs.N {
				t.Errorf("%s: request %d ends %v, want %s in every replica", tc.name, i, e, want[i])
			}
		}
	}
}

// The same gate, a 70 ms lateness at 0.06 s and clients that give up
// after 110 ms. Request 1, handed #0's slot at 0.1 s after its timeout
// fired, gives up at 0.12 s while it holds it; the slot passes on only
// when its goroutine runs, at 0.13 s, to request 2 (sent at 0.105 s),
// which starts then and gives up at 0.215 s, before its work ends.
func TestAWaiterWhoseClientLeavesWhileItHoldsASlotPassesItOnWhenItRuns(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.01, 0.105), Service: 100 * ms, Kernel: linux, ClientTimeout: 110 * ms,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128,
			Settings: catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: 50 * ms}}}
	got := replicaRequests(t, in, Spread{QueueTimeoutLate: []time.Duration{70 * ms}, QueueTimeoutAt: at(0.06)})
	for i, want := range []struct {
		o                 outcome.Outcome
		started, finished time.Duration
	}{{outcome.OK, 0, 100 * ms}, {outcome.Timeout, Never, 120 * ms}, {outcome.Timeout, 130 * ms, 215 * ms}} {
		if q := got[i]; q.Outcome != want.o || q.Started != want.started || q.Finished != want.finished {
			t.Errorf("#%d: %s, started %v, ended %v; want %s, started %v, ended %v", i, q.Outcome, q.Started, q.Finished,
				want.o, want.started, want.finished)
		}
	}
}

// One slot, 100 ms of work, clients that give up after 170 ms. Request 0
// runs from 0 to 0.1 s; request 1, sent at 0.01 s, waits for it and runs
// from 0.1 s, and its client gives up at 0.18 s, during the work, which
// would end at 0.2 s. Request 2 is sent at 0.185 s.
//   - Where the run's works whose clients' deadlines came then stopped
//     10 ms after them, request 1's slot frees only at 0.19 s, and
//     request 2 waits for it.
//   - Where they stopped 30 ms after, request 1's own sleep ends first, at
//     0.2 s: a stop never outlasts the work.
//   - Where they stopped at once, or late only at another moment (0.5 s,
//     beyond localWindow), the slot is free at 0.18 s and request 2 starts
//     as it arrives.
func TestAWorkWhoseClientLeftStopsAsLateAsTheRunsWorksOfItsMomentDid(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.01, 0.185), Service: 100 * ms, Kernel: linux, ClientTimeout: 170 * ms,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	for _, tc := range []struct {
		name     string
		late, at []time.Duration
		start    time.Duration
	}{
		{"late then", []time.Duration{10 * ms}, at(0.18), 190 * ms},
		{"later than the work's end", []time.Duration{30 * ms}, at(0.18), 200 * ms},
		{"at once then", []time.Duration{0}, at(0.18), 185 * ms},
		{"late at another moment", []time.Duration{10 * ms}, at(0.5), 185 * ms},
	} {
		got := replicaRequests(t, in, Spread{StopLate: tc.late, StopAt: tc.at})
		if q := got[1]; q.Outcome != outcome.Timeout || q.Finished != 180*ms {
			t.Errorf("%s: #1 %s at %v, want a timeout at its client's give-up, 180ms", tc.name, q.Outcome, q.Finished)
		}
		if q := got[2]; q.Outcome != outcome.OK || q.Started != tc.start {
			t.Errorf("%s: #2 %s, started %v; want ok, started %v", tc.name, q.Outcome, q.Started, tc.start)
		}
	}
}

// One request of 100 ms work whose client gives up at 50 ms, and a run
// whose such works stopped 17 ms after their clients' deadlines: the
// replicas' gauges run until the stop at 67 ms, so the band's last step
// is at 70 ms, and end with nothing running and no connection held.
func TestTheGaugesRunUntilALateStop(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0), Service: 100 * ms, Kernel: linux, ClientTimeout: 50 * ms,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	rs, err := Replicate(in, Spread{StopLate: []time.Duration{17 * ms}, StopAt: at(0.05)},
		ReplicaOptions{N: 3, Seed: 1, BandStep: 10 * ms})
	if err != nil {
		t.Fatal(err)
	}
	last := rs.Band[len(rs.Band)-1]
	if last.T != 70*ms || last.Lo.Inflight != 0 || last.Lo.Connections != 0 {
		t.Errorf("the band ends at %v with at least %d running and %d connections, want at 70ms, the step after the stop, with none",
			last.T, last.Lo.Inflight, last.Lo.Connections)
	}
}
