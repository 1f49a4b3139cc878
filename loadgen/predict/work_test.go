package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

func TestEachRequestRunsTheWorkItAskedFor(t *testing.T) {
	// One slot, an unbounded queue, three requests 0.1 s apart asking
	// for 1 s, 2 s and 0.5 s: #0 runs 0-1 s, #1 waits 0.9 s and runs
	// 1-3 s, #2 waits 2.8 s and runs 3-3.5 s.
	res := mustSimulate(t, Input{Arrivals: at(0, .1, .2), Work: []time.Duration{sec(1), sec(2), sec(.5)},
		Limits: semaphoreLimits(1, -1), Kernel: linux})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 3})
	for i, want := range []struct{ start, queued, end float64 }{{0, 0, 1}, {1, .9, 3}, {3, 2.8, 3.5}} {
		r := res.Requests[i]
		if r.Started != sec(want.start) || r.Queued != sec(want.queued) || r.Finished != sec(want.end) {
			t.Errorf("#%d: started %v, queued %v, finished %v; want %vs, %vs, %vs", i, r.Started, r.Queued, r.Finished,
				want.start, want.queued, want.end)
		}
	}
	if _, err := Simulate(Input{Arrivals: at(0, 1), Work: []time.Duration{sec(1)}, Limits: semaphoreLimits(1, -1), Kernel: linux}); err == nil ||
		err.Error() != "predict: Work: holds 1 works for 2 requests" {
		t.Errorf("a work per arrival is checked: %v", err)
	}
}

func TestAReplicaKeepsEachRequestsWorkWhenItReordersThem(t *testing.T) {
	// #0 asks for 1 s and is sent 5 ms late, after #1, which asks for
	// 10 ms: one slot runs #1 from 1 ms to 11 ms, then #0 to 1.011 s.
	in := Input{Arrivals: at(0, .001), Work: []time.Duration{sec(1), sec(.01)}, Limits: semaphoreLimits(1, -1), Kernel: linux}
	e, order := newReplica(in, Spread{SendLate: []time.Duration{5 * time.Millisecond, 0}}, nil, &buffers{})
	e.run()
	res := e.result()
	finished := map[int]time.Duration{}
	for j, r := range res.Requests {
		finished[order[j]] = r.Finished
	}
	if finished[1] != sec(.011) || finished[0] != sec(1.011) {
		t.Errorf("#0 finished at %v, #1 at %v; want 1.011s and 11ms", finished[0], finished[1])
	}
}
