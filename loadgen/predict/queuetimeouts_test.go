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
