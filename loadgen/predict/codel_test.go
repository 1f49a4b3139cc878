package predict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// Adaptive LIFO with CoDel, one slot, 50 ms of work, a request every 10 ms
// from 0 to 300 ms; a 5 ms target, a 100 ms interval and a 100 ms wait
// while the queue drains. The queue forms at 10 ms and stays: its waiters
// get 100 ms, and a freed slot goes to the oldest (#1 at 50, #2 at 100),
// until 110 ms. From 120 ms the queue has stood longer than the interval:
// #12 to #19 may wait only 5 ms (#12 gets 503 at 125), the freed slot at
// 150 goes to the newest waiter still there, #11, and #3 to #9 run out of
// their 100 ms. #10 takes the slot at 200, and the queue is empty: #20 to
// #24 wait FIFO again (#20 at 250, #21 at 300; #22 to #24 time out), until
// the queue has stood from 200 to past 300, and the slot at 350 goes to
// #30. 8 ok, 23 get 503.
func TestCodelIsFIFOWhileTheQueueDrainsAndLIFOWithShortWaitsOnceItStands(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: every(31, 10*ms), Service: 50 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AdaptiveLIFO, Backlog: 4096, Settings: catalog.Settings{Limit: 1, Queue: -1,
			QueueTimeout: 100 * ms, CodelTarget: 5 * ms, CodelInterval: 100 * ms}}}
	res := mustSimulate(t, in)
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 8, outcome.HTTP503: 23})
	var order []int
	for _, r := range res.Requests {
		if r.Started != Never {
			order = append(order, r.Index)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return int(res.Requests[a].Started - res.Requests[b].Started) })
	if want := []int{0, 1, 2, 11, 10, 20, 21, 30}; !slices.Equal(order, want) {
		t.Errorf("service order %v, want %v", order, want)
	}
	for _, c := range []struct {
		i     int
		start time.Duration
	}{{11, 150 * ms}, {10, 200 * ms}, {20, 250 * ms}, {30, 350 * ms}} {
		if got := res.Requests[c.i].Started; got != c.start {
			t.Errorf("#%d started at %v, want %v", c.i, got, c.start)
		}
	}
	for _, c := range []struct {
		i   int
		end time.Duration
	}{{12, 125 * ms}, {3, 130 * ms}, {5, 150 * ms}, {22, 320 * ms}} {
		if r := res.Requests[c.i]; r.Outcome != outcome.HTTP503 || r.Finished != c.end {
			t.Errorf("#%d: %s at %v, want http_503 at %v", c.i, r.Outcome, r.Finished, c.end)
		}
	}
	if res.End != 400*ms {
		t.Errorf("End = %v, want 400ms", res.End)
	}
}
