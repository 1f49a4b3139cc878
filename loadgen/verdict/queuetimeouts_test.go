package verdict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// A CoDel queue gives its waiters 100 ms, or 5 ms once it stands. #1
// reached the gate at 1.010 s and was refused 102 ms later: 2 ms after its
// 100 ms came due at 1.110 s. #2 reached it at 2.020 s and was refused
// 11.9 ms later: 6.9 ms after its 5 ms, due at 2.025 s. #3 was refused as
// it arrived (no timeout: the queue was full), #0 was served, and #4's
// arrival was not timed: none of them says anything of a timer. A
// semaphore without CoDel gives 100 ms only, so #2 waited out no timeout
// of its; a deadline queue has no queue timeout at all.
func TestAQueueTimeoutsLatenessIsItsWaitersDecidedLessItsTimeout(t *testing.T) {
	ms := time.Millisecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, ToGate: ms},
		{Seq: 1, Scheduled: time.Second, Outcome: outcome.HTTP503, ToGate: 10 * ms, Decided: 102 * ms},
		{Seq: 2, Scheduled: 2 * time.Second, Outcome: outcome.HTTP503, ToGate: 20 * ms, Decided: 11900 * time.Microsecond},
		{Seq: 3, Scheduled: 3 * time.Second, Outcome: outcome.HTTP503, ToGate: 10 * ms, Decided: 100 * time.Microsecond},
		{Seq: 4, Scheduled: 4 * time.Second, Outcome: outcome.HTTP503, Decided: 120 * ms},
	}
	settings := catalog.Settings{Limit: 4, Queue: -1, QueueTimeout: 100 * ms, CodelTarget: 5 * ms, CodelInterval: 100 * ms}
	for _, tc := range []struct {
		discipline catalog.Discipline
		late, at   []time.Duration
	}{
		{catalog.AdaptiveLIFO, []time.Duration{2 * ms, 6900 * time.Microsecond}, []time.Duration{1110 * ms, 2025 * ms}},
		{catalog.AppQueue, []time.Duration{2 * ms}, []time.Duration{1110 * ms}},
		{catalog.DeadlineQueue, nil, nil},
	} {
		late, at, steps, _ := QueueTimeoutsLate(measured, predict.Limits{Discipline: tc.discipline, Settings: settings})
		if !slices.Equal(late, tc.late) || !slices.Equal(at, tc.at) || steps != nil {
			t.Errorf("%v: late %v at %v, steps %v, want %v at %v and no steps (one waiter a wake)", tc.discipline, late, at, steps, tc.late, tc.at)
		}
	}
}

// Five CoDel waiters of 5 ms, as in a burst-after-deploy run (2026-12-07):
// #840 and #843 reached the gate at 30.33017 s, #678 at 30.33018 s, #841
// at 30.33022 s and #842 at 30.33023 s. #841 left first, at 30.33525 s,
// after every one of the timers came due: the grouping counts them all in
// that wake, 0.08 ms after the earliest timeout (842's timer may have
// fired as the scheduler looked for the next goroutine, which a replica
// does not tell apart). #842, #843 and #840 then left at 30.33532,
// 30.33558 and 30.33564 s, 0.07, 0.26 and 0.06 ms after the one before.
// #678 was handed a slot and left no refusal.
func TestTheQueueTimeoutsOfOneWakeGiveItsLatenessAndTheStepsBetweenThem(t *testing.T) {
	us := time.Microsecond
	refused := func(seq int, gate, left float64) Measured {
		g := time.Duration(gate * 1e6 * float64(us))
		return Measured{Seq: seq, Scheduled: g - us, Outcome: outcome.HTTP503, ToGate: us,
			Decided: time.Duration(left*1e6*float64(us)) - g}
	}
	measured := []Measured{
		refused(840, 30.33017, 30.33564),
		refused(843, 30.33017, 30.33558),
		refused(841, 30.33022, 30.33525),
		refused(842, 30.33023, 30.33532),
		{Seq: 678, Outcome: outcome.OK, ToGate: us},
	}
	settings := catalog.Settings{Limit: 4, Queue: -1, QueueTimeout: 100 * time.Millisecond,
		CodelTarget: 5 * time.Millisecond, CodelInterval: 100 * time.Millisecond}
	late, at, steps, stepAt := QueueTimeoutsLate(measured, predict.Limits{Discipline: catalog.AdaptiveLIFO, Settings: settings})
	near := func(got, want []time.Duration) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range want {
			if d := got[i] - want[i]; d < -us || d > us {
				return false
			}
		}
		return true
	}
	if want := []time.Duration{80 * us}; !near(late, want) {
		t.Errorf("wakes late %v, want %v", late, want)
	}
	if want := []time.Duration{30335170 * us}; !near(at, want) {
		t.Errorf("wakes at %v, want %v", at, want)
	}
	if want := []time.Duration{70 * us, 260 * us, 60 * us}; !near(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
	if want := []time.Duration{30335170 * us, 30335170 * us, 30335170 * us}; !near(stepAt, want) {
		t.Errorf("steps at %v, want %v", stepAt, want)
	}
}

// Three 100 ms waiters of a semaphore: #0's timeout came due at 1.100 s
// and it left at 1.105 s, at its wake; #1's came due at 1.103 s, before
// that wake, and it left at 1.106 s, a step of 1 ms. #2's came due at
// 1.1055 s, after the wake, and the first leave after that was #1's, of
// the earlier wake: #2's own leave at 1.107 s stands for its wake, 1.5 ms
// late, with no step.
func TestAWakeWhoseFirstLeaveIsAnEarlierWakesStartsAtItsOwnFirstLeave(t *testing.T) {
	us := time.Microsecond
	refused := func(seq int, gate, left time.Duration) Measured {
		return Measured{Seq: seq, Scheduled: gate - us, Outcome: outcome.HTTP503, ToGate: us, Decided: left - gate}
	}
	ms := time.Millisecond
	measured := []Measured{
		refused(0, 1000*ms, 1105*ms),
		refused(1, 1003*ms, 1106*ms),
		refused(2, 1005500*us, 1107*ms),
	}
	settings := catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: 100 * ms}
	late, at, steps, stepAt := QueueTimeoutsLate(measured, predict.Limits{Discipline: catalog.AppQueue, Settings: settings})
	if want := []time.Duration{5 * ms, 1500 * us}; !slices.Equal(late, want) {
		t.Errorf("wakes late %v, want %v", late, want)
	}
	if want := []time.Duration{1100 * ms, 1105500 * us}; !slices.Equal(at, want) {
		t.Errorf("wakes at %v, want %v", at, want)
	}
	if want := []time.Duration{ms}; !slices.Equal(steps, want) || !slices.Equal(stepAt, []time.Duration{1100 * ms}) {
		t.Errorf("steps %v at %v, want %v at 1.1s", steps, stepAt, want)
	}
}
