package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// One slot, 100 ms of work, a 50 ms queue timeout: request 0 runs from 0
// to 0.1 s, and request 1, sent at 0.01 s, waits with its timeout due at
// 0.06 s. Where the run's waiters whose timeouts came due then left the
// queue 50 ms late, request 1 is still waiting at 0.1 s, takes the slot
// and ends ok; where they left on time, or only at another moment (0.5 s,
// beyond localWindow), it gets its 503 at 0.06 s.
func TestAWaiterLeavesTheQueueAsLateAsTheRunsWaitersOfItsMomentDid(t *testing.T) {
	in := Input{Arrivals: at(0, 0.01), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128,
			Settings: catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: sec(0.05)}}}
	for _, tc := range []struct {
		name     string
		late, at []time.Duration
		want     outcome.Outcome
	}{
		{"late then", []time.Duration{sec(0.05)}, at(0.06), outcome.OK},
		{"on time then", []time.Duration{0}, at(0.06), outcome.HTTP503},
		{"late at another moment", []time.Duration{sec(0.05)}, at(0.5), outcome.HTTP503},
	} {
		rs, err := Replicate(in, Spread{QueueTimeoutLate: tc.late, QueueTimeoutAt: tc.at}, ReplicaOptions{N: 3, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range rs.Runs {
			if f.Outcomes[outcome.OK] != 1+boolInt(tc.want == outcome.OK) || f.Outcomes[outcome.HTTP503] != boolInt(tc.want == outcome.HTTP503) {
				t.Errorf("%s: replica %d: %v, want request 1 to end %s", tc.name, i, f.Outcomes, tc.want)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
