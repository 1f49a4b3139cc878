package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// One slot or worker, four requests sent at 0, 1, 2 and 3 s, 10 s of work.
// #0 runs at once and the others wait. First in, first out serves them in
// the order they came; last in, first out gives the slot freed at 10 s to #3,
// the newest, and the one freed at 20 s to #2.
func TestOrderDecidesWhichWaiterAFreedSlotTakes(t *testing.T) {
	fifo := []life{
		{0, 0, 10, outcome.OK, 0, 0}, {1, 10, 20, outcome.OK, 0, 9},
		{2, 20, 30, outcome.OK, 0, 18}, {3, 30, 40, outcome.OK, 0, 27},
	}
	lifo := []life{
		{0, 0, 10, outcome.OK, 0, 0}, {1, 30, 40, outcome.OK, 0, 29},
		{2, 20, 30, outcome.OK, 0, 18}, {3, 10, 20, outcome.OK, 0, 7},
	}
	for _, tc := range []struct {
		name   string
		limits Limits
		want   []life
	}{
		{"semaphore fifo", Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}, fifo},
		{"semaphore lifo", Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1, Order: catalog.OrderLIFO}}, lifo},
		{"pool fifo", Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 1, Queue: -1, Order: catalog.OrderFIFO}}, fifo},
		{"pool lifo", Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 1, Queue: -1, Order: catalog.OrderLIFO}}, lifo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustSimulate(t, Input{Arrivals: at(0, 1, 2, 3), Service: 10 * time.Second, Limits: tc.limits, Kernel: linux})
			checkLives(t, res, tc.want)
		})
	}
}

// discard-oldest drops the oldest waiter whatever the order: with one
// worker and a queue of 2, #3 finds the queue full at 3 s, #1 is reset and
// #3 queued. At 10 s the worker takes the newest, #3, then #2.
func TestDiscardOldestDropsTheOldestUnderLIFO(t *testing.T) {
	l := Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 1, Queue: 2, Policy: catalog.PolicyDiscardOldest, Order: catalog.OrderLIFO}}
	res := mustSimulate(t, Input{Arrivals: at(0, 1, 2, 3), Service: 10 * time.Second, Limits: l, Kernel: linux})
	checkLives(t, res, []life{
		{0, 0, 10, outcome.OK, 0, 0}, {1, -1, 3, outcome.Reset, 0, 2},
		{2, 20, 30, outcome.OK, 0, 18}, {3, 10, 20, outcome.OK, 0, 7},
	})
}

// The seed replay against a LIFO semaphore of 40, as FastAPI's def
// endpoints on Debian: 1000 requests every 0.5 s, 800 s of work, a 900 s
// client timeout. #0..#39 run at once and end ok at 800..819.5 s. All 1000
// were sent by 499.5 s, so each slot freed from 800 s on goes to the newest
// waiter: #999 at 800 s, #998 at 800.5 s, … #960 at 819.5 s. They time out
// while running, at Sent+900, from 1380 s (#960) to 1399.5 s (#999). By
// then #40..#959 have timed out in the queue, #959 last at 1379.5 s, so the
// slots freed at 1380 s and after find nobody waiting. The counts are
// FIFO's (40 ok, 960 timed out), but the slots worked for the newest
// requests, not the oldest.
func TestSemaphoreSeedLIFO(t *testing.T) {
	l := semaphoreLimits(40, -1)
	l.Order = catalog.OrderLIFO
	res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, Limits: l, Kernel: linux, ClientTimeout: 900 * time.Second})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 40, outcome.Timeout: 960})
	checkPeak(t, res, Peak{Inflight: 40, Queued: 960, Connections: 1000, ClientInflight: 1000})
	if res.End != sec(1399.5) {
		t.Errorf("End = %v, want 1399.5s", res.End)
	}
	for _, c := range []struct {
		i                  int
		start, fin, queued float64
	}{
		{39, 19.5, 819.5, 0},
		{999, 800, 1399.5, 300.5}, {998, 800.5, 1399, 301.5}, {960, 819.5, 1380, 339.5},
		{959, -1, 1379.5, 900}, {40, -1, 920, 900},
	} {
		r := asLife(res.Requests[c.i])
		if r.start != c.start || r.fin != c.fin || r.queued != c.queued {
			t.Errorf("#%d: started %v finished %v queued %v; want %v, %v, %v", c.i, r.start, r.fin, r.queued, c.start, c.fin, c.queued)
		}
	}
}

func TestAnUnknownOrderIsRefused(t *testing.T) {
	l := semaphoreLimits(1, -1)
	l.Order = "random"
	if _, err := Simulate(Input{Arrivals: at(0), Service: time.Second, Limits: l, Kernel: linux}); err == nil ||
		err.Error() != `predict: Limits.Order: unknown order "random": one of fifo, lifo` {
		t.Errorf("err = %v", err)
	}
}
