package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// A deadline-aware queue, one slot, 400 ms of work, a 1 s client timeout,
// requests at 0, 100, 250, 300 and 350 ms. #0 runs to 400 ms; #1 (due by
// 1.1 s) runs to 800 ms; #2 (due by 1.25 s) can end by 1.2 s and runs.
// At 1.2 s #3 (due by 1.3 s) and #4 (1.35 s) could only end at 1.6 s: both
// get 503 at once, and no work is wasted. A plain semaphore would start #3
// at 1.2 s, waste 100 ms on it until its client leaves at 1.3 s, then
// start #4 and waste 50 ms more.
func TestADeadlineQueueRefusesTheWaitersThatCouldNotFinishInTime(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 100 * ms, 250 * ms, 300 * ms, 350 * ms}, Service: 400 * ms,
		ClientTimeout: time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.DeadlineQueue, Backlog: 4096, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	res := mustSimulate(t, in)
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 3, outcome.HTTP503: 2})
	for _, i := range []int{3, 4} {
		if r := res.Requests[i]; r.Outcome != outcome.HTTP503 || r.Finished != 1200*ms || r.Started != Never {
			t.Errorf("#%d = %+v, want 503 at 1.2s, never started", i, r)
		}
	}
	if res.WastedWork != 0 {
		t.Errorf("wasted %v, want none", res.WastedWork)
	}
	in.Limits.Discipline = catalog.AppQueue
	plain := mustSimulate(t, in)
	checkOutcomes(t, plain, map[outcome.Outcome]int{outcome.OK: 3, outcome.Timeout: 2})
	if plain.WastedWork != 150*ms {
		t.Errorf("a plain semaphore wasted %v, want 150ms", plain.WastedWork)
	}
}
