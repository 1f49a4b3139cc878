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
//     fired when the release hands it the slot, whose send readies its
//     select: it runs its work from 0.1 s in every replica. #2's timer
//     fires at that wake, and its goroutine answers 503.
//   - Where it comes 30 ms late, at 0.09 s, the wake fires both timers:
//     #2's goroutine runs first and leaves, and #1's, whose select the
//     timer readied, runs 20 ms later, at 0.11 s: it passes on the slot
//     handed it at 0.1 s and answers 503 in every replica.
func TestAWaiterHandedASlotHasItOnlyIfItsTimerHasNotFired(t *testing.T) {
	ms := time.Millisecond
	in := oneSlotQueue(0, 0.010, 0.0101)
	for _, tc := range []struct {
		name  string
		late  time.Duration
		first outcome.Outcome
		ended time.Duration
	}{
		{"before the wake", 45 * ms, outcome.OK, 200 * ms},
		{"after the wake", 30 * ms, outcome.HTTP503, 110 * ms},
	} {
		got := replicaRequests(t, in, Spread{QueueTimeoutLate: []time.Duration{tc.late}, QueueTimeoutAt: at(0.06),
			QueueTimeoutStep: []time.Duration{20 * ms}, QueueTimeoutStepAt: at(0.06)})
		if q := got[1]; q.Outcome != tc.first || q.Finished != tc.ended {
			t.Errorf("%s: #1 %s at %v, want %s at %v", tc.name, q.Outcome, q.Finished, tc.first, tc.ended)
		}
		if q := got[2]; q.Outcome != outcome.HTTP503 {
			t.Errorf("%s: #2 %s, want 503", tc.name, q.Outcome)
		}
	}
}
