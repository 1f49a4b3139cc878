package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

func adaptiveLimits(initial, min, max int) Limits {
	return Limits{Discipline: catalog.AdaptiveLimit, Backlog: 4096, Settings: catalog.Settings{
		Limiter: catalog.LimiterAIMD, InitialLimit: initial, MinLimit: min, MaxLimit: max}}
}

// AIMD from a limit of 2, at most 3, 100 ms of work. #0 and #1 (0, 10 ms)
// run; #2 and #3 (20, 30 ms) find 2 running and get 503. #0 ends having
// used half the limit: 3; #1 would make it 4, held at 3. #4, #5 and #6
// (150 to 170 ms) run; #7 (180 ms) finds 3 running: 503.
func TestAnAIMDLimitGrowsWithRequestsThatUseIt(t *testing.T) {
	ms := time.Millisecond
	res := mustSimulate(t, Input{Arrivals: []time.Duration{0, 10 * ms, 20 * ms, 30 * ms, 150 * ms, 160 * ms, 170 * ms, 180 * ms},
		Service: 100 * ms, Kernel: linux, Limits: adaptiveLimits(2, 1, 3)})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 5, outcome.HTTP503: 3})
	for _, i := range []int{2, 3, 7} {
		if res.Requests[i].Outcome != outcome.HTTP503 {
			t.Errorf("#%d: %s, want http_503", i, res.Requests[i].Outcome)
		}
	}
}

// Each request whose client leaves before its end is a drop: the limit
// falls from 4 to 3, 2, 1 as #0 to #3 (0 to 3 ms, 200 ms of work, a 100 ms
// timeout) are cut short, and stays at its min of 1. #4 (150 ms) runs,
// and #5 (160 ms) finds it running: 503. Without the drops the limit
// would have let #5 run.
func TestAnAIMDLimitFallsWithEachDrop(t *testing.T) {
	ms := time.Millisecond
	res := mustSimulate(t, Input{Arrivals: []time.Duration{0, ms, 2 * ms, 3 * ms, 150 * ms, 160 * ms},
		Service: 200 * ms, ClientTimeout: 100 * ms, Kernel: linux, Limits: adaptiveLimits(4, 1, 10)})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.Timeout: 5, outcome.HTTP503: 1})
	if res.Requests[5].Outcome != outcome.HTTP503 {
		t.Errorf("#5: %s, want http_503", res.Requests[5].Outcome)
	}
}
