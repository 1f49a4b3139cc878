package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

func semaphoreLimits(limit, queue int) Limits {
	return Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{Limit: limit, Queue: queue}}
}

// The seed replay against FastAPI's 40-token thread pool, as a semaphore of
// 40 with an unbounded queue: 1000 requests at 0.5 s intervals, 800 s of work.
func TestSemaphoreSeed(t *testing.T) {
	t.Run("no client timeout", func(t *testing.T) {
		// Request i starts at S(i) = 800·⌊i/40⌋ + 0.5·(i mod 40): the first 40 at
		// once, each later one when the request 40 places ahead of it finishes.
		// All 1000 are sent by 499.5 s, before the first slot frees at 800 s,
		// so 960 wait at once. The last one, #999 = 24·40+39, starts at
		// 19200+19.5 and ends at 20019.5 s.
		res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, Limits: semaphoreLimits(40, -1), Kernel: linux})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 1000})
		checkPeak(t, res, Peak{Inflight: 40, Queued: 960, Connections: 1000, ClientInflight: 1000})
		if res.End != sec(20019.5) {
			t.Errorf("End = %v, want 20019.5s", res.End)
		}
		for _, c := range []struct {
			i             int
			start, queued float64
		}{{0, 0, 0}, {39, 19.5, 0}, {40, 800, 780}, {79, 819.5, 780}, {80, 1600, 1560}, {999, 19219.5, 18720}} {
			r := res.Requests[c.i]
			if r.Started != sec(c.start) || r.Queued != sec(c.queued) || r.Finished != sec(c.start+800) {
				t.Errorf("#%d: started %v queued %v finished %v; want %vs, %vs, %vs", c.i, r.Started, r.Queued, r.Finished, c.start, c.queued, c.start+800)
			}
		}
		if p := pointAt(t, res, 500); p != (Point{T: sec(500), Inflight: 40, Queued: 960, Connections: 1000, ClientInflight: 1000}) {
			t.Errorf("point at 500s = %+v", p)
		}
		if n := len(res.Series); n != 20021 { // T = 0..20020 s: 20020 is the first step at or after End
			t.Errorf("%d series points, want 20021", n)
		}
	})
	t.Run("client timeout 900s", func(t *testing.T) {
		// Only the first 40 can be ok: every later request starts no earlier
		// than 800 s but was sent by 499.5 s, so it would need to wait at most
		// 100 s. #40..#79 start at 800+0.5k (waited 780 s) and time out at
		// 920+0.5k while running, each freeing its slot for the next waiter.
		// From then on a request i ≥ 80 gets the slot of request i-40 when
		// that one times out, at Sent(i-40)+900 = Sent(i)+880: it waits 880 s,
		// runs 20 s and times out at Sent(i)+900. Nobody expires while queued.
		// 40 ok, 960 timeout; the last ends at 499.5+900 = 1399.5 s.
		res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, Limits: semaphoreLimits(40, -1), Kernel: linux, ClientTimeout: 900 * time.Second})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 40, outcome.Timeout: 960})
		checkPeak(t, res, Peak{Inflight: 40, Queued: 960, Connections: 1000, ClientInflight: 1000})
		if res.End != sec(1399.5) {
			t.Errorf("End = %v, want 1399.5s", res.End)
		}
		for _, c := range []struct {
			i                  int
			start, fin, queued float64
		}{{39, 19.5, 819.5, 0}, {40, 800, 920, 780}, {79, 819.5, 939.5, 780}, {80, 920, 940, 880}, {999, 1379.5, 1399.5, 880}} {
			r := res.Requests[c.i]
			if r.Started != sec(c.start) || r.Finished != sec(c.fin) || r.Queued != sec(c.queued) {
				t.Errorf("#%d: started %v finished %v queued %v; want %vs, %vs, %vs", c.i, r.Started, r.Finished, r.Queued, c.start, c.fin, c.queued)
			}
		}
	})
	t.Run("queue 200", func(t *testing.T) {
		// 40 run, #40..#239 queue (200), and every later request arrives
		// (by 499.5 s) while the queue is full and no slot has freed (800 s):
		// 760 × 503 at once. The 240 accepted ones all finish: #239 starts at
		// 800·5+19.5 and ends at 4819.5 s.
		res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, Limits: semaphoreLimits(40, 200), Kernel: linux})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 240, outcome.HTTP503: 760})
		checkPeak(t, res, Peak{Inflight: 40, Queued: 200, Connections: 240, ClientInflight: 240})
		if res.End != sec(4819.5) {
			t.Errorf("End = %v, want 4819.5s", res.End)
		}
		if r := res.Requests[240]; r.Outcome != outcome.HTTP503 || r.Finished != sec(120) || r.Started != Never || r.Connected != sec(120) {
			t.Errorf("#240 = %+v, want 503 at 120s", r)
		}
	})
	t.Run("queue timeout 60s", func(t *testing.T) {
		// No slot frees before 800 s, so every waiter gets 503 after exactly
		// 60 s. Waiters at time t are those sent in (t-60, t] (a queue timeout
		// is processed before a simultaneous arrival): 120. End is the last
		// ok, #39 at 819.5 s.
		l := semaphoreLimits(40, -1)
		l.QueueTimeout = 60 * time.Second
		res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, Limits: l, Kernel: linux})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 40, outcome.HTTP503: 960})
		checkPeak(t, res, Peak{Inflight: 40, Queued: 120, Connections: 160, ClientInflight: 160})
		if res.End != sec(819.5) {
			t.Errorf("End = %v, want 819.5s", res.End)
		}
		if r := res.Requests[500]; r.Outcome != outcome.HTTP503 || r.Finished != sec(310) || r.Queued != 60*time.Second {
			t.Errorf("#500 = %+v, want 503 at 310s after 60s queued", r)
		}
	})
}

func TestSemaphoreSmall(t *testing.T) {
	tests := []struct {
		name     string
		in       Input
		outcomes map[outcome.Outcome]int
		peak     Peak
		lives    []life
	}{{
		// Limit 1, queue timeout 5 s, 10 s of work, arrivals 0,1,2,8:
		// #0 runs 0–10. #1 and #2 wait and get 503 after 5 s (at 6 and 7).
		// #3 waits from 8 until #0's slot frees at 10, then runs 10–20.
		name: "queue timeout",
		in: Input{Arrivals: at(0, 1, 2, 8), Service: 10 * time.Second, Kernel: linux,
			Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1, QueueTimeout: 5 * time.Second}}},
		outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.HTTP503: 2},
		peak:     Peak{Inflight: 1, Queued: 2, Connections: 3, ClientInflight: 3},
		lives: []life{
			{0, 0, 10, outcome.OK, 0, 0},
			{1, -1, 6, outcome.HTTP503, 0, 5},
			{2, -1, 7, outcome.HTTP503, 0, 5},
			{8, 10, 20, outcome.OK, 0, 2},
		},
	}, {
		// Queue 0: no waiting. Limit 2, burst of 4: 2 run, 2 × 503 at once
		// (a rejected request ends within its arrival event, so it never
		// shows in ClientInflight or Connections).
		name: "no queue",
		in: Input{Arrivals: burst(4), Service: 10 * time.Second, Kernel: linux,
			Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: 0}}},
		outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.HTTP503: 2},
		peak:     Peak{Inflight: 2, Connections: 2, ClientInflight: 2},
		lives: []life{
			{0, 0, 10, outcome.OK, 0, 0},
			{0, 0, 10, outcome.OK, 0, 0},
			{0, -1, 0, outcome.HTTP503, 0, 0},
			{0, -1, 0, outcome.HTTP503, 0, 0},
		},
	}, {
		// The client timeout releases a running request's slot at that
		// instant. Limit 1, 10 s of work, timeout 12 s, arrivals 0, 1, 13.5:
		// #0 runs 0–10. #1 waits 1–10 (9 s), runs and times out at 13,
		// freeing the slot, so #2 (13.5) runs at once, 13.5–23.5.
		name: "client timeout frees a running slot",
		in: Input{Arrivals: at(0, 1, 13.5), Service: 10 * time.Second, ClientTimeout: 12 * time.Second, Kernel: linux,
			Limits: semaphoreLimits(1, -1)},
		outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.Timeout: 1},
		peak:     Peak{Inflight: 1, Queued: 1, Connections: 2, ClientInflight: 2},
		lives: []life{
			{0, 0, 10, outcome.OK, 0, 0},
			{1, 10, 13, outcome.Timeout, 0, 9},
			{13.5, 13.5, 23.5, outcome.OK, 0, 0},
		},
	}, {
		// The client timeout removes a queued request. With a FIFO queue and
		// one timeout for all, a waiter can only expire in the queue if a
		// request sent after it got ahead, which SYN retransmissions do:
		// limit 1, FDLimit 2, backlog 0 (accept queue of 1), 10 s of work,
		// client timeout 38 s, arrivals 0,0,0,0.5,10.2:
		//  0      #0 accepted and runs; #1 accepted and queued (2 conns = FDLimit);
		//         #2 waits in the accept queue: accept fails with EMFILE and
		//         net/http sleeps 5, 10, 20 … 640 ms, then 1 s: tries at 0.005,
		//         0.015, … 0.635, 1.275, 2.275, … 10.275.
		//  0.5    #3's SYN is dropped: retransmits at 1.5,2.5,3.5,4.5,5.5,7.5,11.5,19.5,35.5.
		//  10     #0 ok; #1 runs (after 10 s queued).
		//  10.2   #4's SYN is dropped (#2 fills the queue): retransmits at 11.2, …
		//  10.275 #2 accepted and queued.
		//  11.2   #4 enters the accept queue; accept fails, sleeps from 11.2:
		//         tries at 11.205, … 12.475, 13.475, … 20.475. #3's SYNs at
		//         11.5 and 19.5 are dropped.
		//  20     #1 ok; #2 runs (9.725 s queued).
		//  20.475 #4 accepted and queued.
		//  30     #2 ok; #4 runs (9.525 s queued; until 40, its deadline is 48.2).
		//  35.5   #3's 9th SYN gets in; accepted at once (1 conn) and queued.
		//  38.5   #3's client gives up (0.5+38) while still queued: removed, 3 s queued.
		//  40     #4 ok.
		name: "client timeout removes a queued request",
		in: Input{Arrivals: at(0, 0, 0, 0.5, 10.2), Service: 10 * time.Second, ClientTimeout: 38 * time.Second, Kernel: linux,
			Limits: Limits{Discipline: catalog.AppQueue, Backlog: 0, FDLimit: 2, Settings: catalog.Settings{Limit: 1, Queue: -1}}},
		outcomes: map[outcome.Outcome]int{outcome.OK: 4, outcome.Timeout: 1},
		peak:     Peak{Inflight: 1, Queued: 1, AcceptQueue: 1, Connections: 2, ClientInflight: 4, SynPending: 2},
		lives: []life{
			{0, 0, 10, outcome.OK, 0, 0},
			{0, 10, 20, outcome.OK, 0, 10},
			{0, 20, 30, outcome.OK, 0, 9.725},
			{35.5, -1, 38.5, outcome.Timeout, 9, 3},
			{11.2, 30, 40, outcome.OK, 1, 9.525},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSimulate(t, tt.in)
			checkOutcomes(t, res, tt.outcomes)
			checkPeak(t, res, tt.peak)
			checkLives(t, res, tt.lives)
		})
	}
}
