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
		late, at := QueueTimeoutsLate(measured, predict.Limits{Discipline: tc.discipline, Settings: settings})
		if !slices.Equal(late, tc.late) || !slices.Equal(at, tc.at) {
			t.Errorf("%v: late %v at %v, want %v at %v", tc.discipline, late, at, tc.late, tc.at)
		}
	}
}
