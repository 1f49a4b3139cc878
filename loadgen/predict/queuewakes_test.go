package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// oneSlotQueue is one slot of 100 ms work with a 50 ms queue timeout.
func oneSlotQueue(arrivals ...float64) Input {
	return Input{Arrivals: at(arrivals...), Service: sec(0.1), Kernel: linux, ClientTimeout: sec(1),
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128,
			Settings: catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: sec(0.05)}}}
}

// Request 0 runs from 0 to 0.1 s; requests 1, 2 and 3 wait, and their
// timeouts come due at 0.060, 0.061 and 0.062 s. The run's wakes came
// 3 ms after their earliest timeout, and its waiters left 1 ms apart: one
// wake at 0.063 s fires all three timers, and the goroutine of the last
// fired, #3's, runs first; then #1's and #2's, in the order they fired.
func TestTheQueueTimersOfOneWakeRunTheLastFiredFirstThenInOrder(t *testing.T) {
	ms := time.Millisecond
	got := replicaRequests(t, oneSlotQueue(0, 0.010, 0.011, 0.012), Spread{
		QueueTimeoutLate: []time.Duration{3 * ms}, QueueTimeoutAt: at(0.06),
		QueueTimeoutStep: []time.Duration{ms}, QueueTimeoutStepAt: at(0.06)})
	for i, want := range []time.Duration{100 * ms, 64 * ms, 65 * ms, 63 * ms} {
		o := outcome.HTTP503
		if i == 0 {
			o = outcome.OK
		}
		if q := got[i]; q.Outcome != o || q.Finished != want {
			t.Errorf("#%d: %s at %v, want %s at %v", i, q.Outcome, q.Finished, o, want)
		}
	}
}

// Request 0 runs from 0 to 0.1 s; requests 1 and 2 wait, their timeouts
// due at 0.060 and 0.0601 s, and the slot frees at 0.1 s.
//   - Where the wake comes 45 ms late, at 0.105 s, #1's timer has not
//     fired when the release hands it the slot: it runs its work in every
//     replica. #2's timer fires at that wake, and its goroutine answers 503.
//   - Where it comes 30 ms late, at 0.09 s, #2's goroutine runs first and
//     leaves; #1's, 20 ms later, at 0.11 s, finds both its timer fired and
//     the slot handed at 0.1 s, and its select picks either: some replicas
//     run its work from 0.1 s, the others pass the slot on and answer 503
//     at 0.11 s.
func TestAWaiterHandedASlotBeforeItsGoroutineRunsHasItUnlessItsTimerFiredFirst(t *testing.T) {
	ms := time.Millisecond
	in := oneSlotQueue(0, 0.010, 0.0101)
	for _, tc := range []struct {
		name            string
		late            time.Duration
		wantOK, want503 bool
	}{
		{"before the wake", 45 * ms, true, false},
		{"after the wake", 30 * ms, true, true},
	} {
		rs, err := Replicate(in, Spread{QueueTimeoutLate: []time.Duration{tc.late}, QueueTimeoutAt: at(0.06),
			QueueTimeoutStep: []time.Duration{20 * ms}, QueueTimeoutStepAt: at(0.06)}, ReplicaOptions{N: 40, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		first := rs.Ends[1]
		if got := first.Of(outcome.OK) > 0; got != tc.wantOK {
			t.Errorf("%s: #1 ends %v: ok in some replicas %v, want %v", tc.name, first, got, tc.wantOK)
		}
		if got := first.Of(outcome.HTTP503) > 0; got != tc.want503 {
			t.Errorf("%s: #1 ends %v: 503 in some replicas %v, want %v", tc.name, first, got, tc.want503)
		}
		if rs.Ends[2].Of(outcome.HTTP503) != rs.N {
			t.Errorf("%s: #2 ends %v, want 503 in every replica", tc.name, rs.Ends[2])
		}
	}
}
