package predict

import (
	"reflect"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

func poolLimits(core, max, queue int, policy string) Limits {
	return Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: core, Max: max, Queue: queue, Policy: policy, PoolKeepAlive: 5 * time.Second}}
}

type workerChange struct {
	T       float64
	Workers int
}

// simulateWorkers runs in and also returns every change of the pool's worker count.
func simulateWorkers(t *testing.T, in Input) (Result, []workerChange) {
	t.Helper()
	var trace []workerChange
	res, err := simulate(in, func(at time.Duration, n int) { trace = append(trace, workerChange{at.Seconds(), n}) })
	if err != nil {
		t.Fatal(err)
	}
	return res, trace
}

// Core 2, max 4, queue 3, 8 requests at once, 10 s of work. ThreadPoolExecutor:
// #0,#1 start workers 1 and 2 (below core); #2,#3,#4 fill the queue; #5,#6
// start workers 3 and 4 (queue full, below max); #7 meets a full queue and
// max workers: the policy decides. At 10 s the four workers finish (in
// request order #0,#1,#5,#6) and the first three take the queued tasks FIFO;
// those run 10–20 s after 10 s queued.
//
// (The brief's "9 simultaneous arrivals … then the 9th by policy" counts one
// too many: core 2 + queue 3 + (max-core) 2 = 7 are taken, so the 8th is the
// first to meet the policy; with 9, two do — see "abort, 9 at once".)
func TestPoolPolicies(t *testing.T) {
	base := []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, // workers 1, 2
		{0, 10, 20, outcome.OK, 0, 10}, {0, 10, 20, outcome.OK, 0, 10}, {0, 10, 20, outcome.OK, 0, 10}, // queued
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, // workers 3, 4
	}
	with := func(extra ...life) []life { return append(append([]life{}, base...), extra...) }
	tests := []struct {
		name     string
		policy   string
		n        int
		outcomes map[outcome.Outcome]int
		peak     Peak
		lives    []life
	}{{
		name: "abort", policy: catalog.PolicyAbort, n: 8,
		outcomes: map[outcome.Outcome]int{outcome.OK: 7, outcome.HTTP503: 1},
		peak:     Peak{Inflight: 4, Queued: 3, Connections: 7, ClientInflight: 7},
		lives:    with(life{0, -1, 0, outcome.HTTP503, 0, 0}),
	}, {
		name: "empty policy is abort", policy: "", n: 8,
		outcomes: map[outcome.Outcome]int{outcome.OK: 7, outcome.HTTP503: 1},
		peak:     Peak{Inflight: 4, Queued: 3, Connections: 7, ClientInflight: 7},
		lives:    with(life{0, -1, 0, outcome.HTTP503, 0, 0}),
	}, {
		name: "abort, 9 at once", policy: catalog.PolicyAbort, n: 9,
		outcomes: map[outcome.Outcome]int{outcome.OK: 7, outcome.HTTP503: 2},
		peak:     Peak{Inflight: 4, Queued: 3, Connections: 7, ClientInflight: 7},
		lives:    with(life{0, -1, 0, outcome.HTTP503, 0, 0}, life{0, -1, 0, outcome.HTTP503, 0, 0}),
	}, {
		name: "discard", policy: catalog.PolicyDiscard, n: 8,
		outcomes: map[outcome.Outcome]int{outcome.OK: 7, outcome.Reset: 1},
		peak:     Peak{Inflight: 4, Queued: 3, Connections: 7, ClientInflight: 7},
		lives:    with(life{0, -1, 0, outcome.Reset, 0, 0}),
	}, {
		// The oldest queued, #2, is reset at 0; #7 takes its place at the
		// end of the queue and runs 10–20 after #3 and #4.
		name: "discard-oldest", policy: catalog.PolicyDiscardOldest, n: 8,
		outcomes: map[outcome.Outcome]int{outcome.OK: 7, outcome.Reset: 1},
		peak:     Peak{Inflight: 4, Queued: 3, Connections: 7, ClientInflight: 7},
		lives: []life{
			{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
			{0, -1, 0, outcome.Reset, 0, 0}, {0, 10, 20, outcome.OK, 0, 10}, {0, 10, 20, outcome.OK, 0, 10},
			{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
			{0, 10, 20, outcome.OK, 0, 10},
		},
	}, {
		// #7 runs on its own connection goroutine: 4 workers + 1 caller = 5 running.
		name: "caller-runs", policy: catalog.PolicyCallerRuns, n: 8,
		outcomes: map[outcome.Outcome]int{outcome.OK: 8},
		peak:     Peak{Inflight: 5, Queued: 3, Connections: 8, ClientInflight: 8},
		lives:    with(life{0, 0, 10, outcome.OK, 0, 0}),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSimulate(t, Input{Arrivals: burst(tt.n), Service: 10 * time.Second, Kernel: linux, Limits: poolLimits(2, 4, 3, tt.policy)})
			checkOutcomes(t, res, tt.outcomes)
			checkPeak(t, res, tt.peak)
			checkLives(t, res, tt.lives)
			if res.End != sec(20) {
				t.Errorf("End = %v, want 20s", res.End)
			}
		})
	}
}

// Keep-alive 5 s, core 2, max 4, queue 3, abort; 8 at once (as above), then 8
// more at X. Worker count: 1,2,3,4 at 0. At 10 worker 4 (#6's) finds the
// queue empty and goes idle with 4 > core workers: it exits at 15 → 3. At 20
// the other three go idle with 3 > core: at 25 the first exits → 2, and the
// other two find 2 ≤ core and stay for good.
//
// The second burst shows the shrink: with 3 idle workers (X=24) #8,#9,#10 go
// to them, #11–#13 queue, #14 starts a 4th worker; with 2 (X=26) #8,#9 go to
// them, #10–#12 queue, #13,#14 start workers 3 and 4. #15 is aborted either
// way. After X=26: at 36 the four finish, three take the queued, worker 4
// idles out at 41 → 3; at 46 the rest idle and one exits at 51 → 2.
func TestPoolKeepAlive(t *testing.T) {
	arrivals := func(x float64) []time.Duration {
		a := burst(8)
		for range 8 {
			a = append(a, sec(x))
		}
		return a
	}
	t.Run("one burst", func(t *testing.T) {
		_, trace := simulateWorkers(t, Input{Arrivals: burst(8), Service: 10 * time.Second, Kernel: linux, Limits: poolLimits(2, 4, 3, catalog.PolicyAbort)})
		want := []workerChange{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {15, 3}, {25, 2}}
		if !reflect.DeepEqual(trace, want) {
			t.Errorf("workers %v, want %v", trace, want)
		}
	})
	t.Run("second burst before the shrink", func(t *testing.T) {
		res, trace := simulateWorkers(t, Input{Arrivals: arrivals(24), Service: 10 * time.Second, Kernel: linux, Limits: poolLimits(2, 4, 3, catalog.PolicyAbort)})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 14, outcome.HTTP503: 2})
		starts := []float64{24, 24, 24, 34, 34, 34, 24, -1}
		for i, s := range starts {
			if got := asLife(res.Requests[8+i]).start; got != s {
				t.Errorf("#%d started at %v, want %v", 8+i, got, s)
			}
		}
		if want := []workerChange{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {15, 3}, {24, 4}, {39, 3}, {49, 2}}; !reflect.DeepEqual(trace, want) {
			t.Errorf("workers %v, want %v", trace, want)
		}
	})
	t.Run("second burst after the shrink", func(t *testing.T) {
		res, trace := simulateWorkers(t, Input{Arrivals: arrivals(26), Service: 10 * time.Second, Kernel: linux, Limits: poolLimits(2, 4, 3, catalog.PolicyAbort)})
		checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 14, outcome.HTTP503: 2})
		starts := []float64{26, 26, 36, 36, 36, 26, 26, -1}
		for i, s := range starts {
			if got := asLife(res.Requests[8+i]).start; got != s {
				t.Errorf("#%d started at %v, want %v", 8+i, got, s)
			}
		}
		want := []workerChange{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {15, 3}, {25, 2}, {26, 3}, {26, 4}, {41, 3}, {51, 2}}
		if !reflect.DeepEqual(trace, want) {
			t.Errorf("workers %v, want %v", trace, want)
		}
	})
}

// poolCase is one small thread-pool run and what the simulator must predict
// for it, down to when each worker starts and exits.
type poolCase struct {
	name     string
	in       Input
	outcomes map[outcome.Outcome]int
	peak     Peak
	lives    []life
	workers  []workerChange
}

// poolCases are the runs of TestPoolSmall. They live at package level so
// that the test stays short; each comment says which ThreadPoolExecutor rule
// the run pins down and how its expected values follow.
var poolCases = []poolCase{{
	// Core 0 with an unbounded queue: every task is queued, and TPE's
	// re-check starts one worker only when none is left, so one worker
	// runs them one after another. It idles from 30 and exits at 90.
	name: "core 0 unbounded queue runs serially",
	in: Input{Arrivals: burst(3), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 0, Max: 4, Queue: -1, PoolKeepAlive: time.Minute}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 3},
	peak:     Peak{Inflight: 1, Queued: 2, Connections: 3, ClientInflight: 3},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {0, 10, 20, outcome.OK, 0, 10}, {0, 20, 30, outcome.OK, 0, 20}},
	workers:  []workerChange{{0, 1}, {90, 0}},
}, {
	// Queue 0 is a synchronous hand-off: core 1, max 3, 5 at once → 3
	// workers, 2 × 503. At 10 all three idle (3 > core): at 40 two exit,
	// the last finds 1 ≤ core and stays; it runs #5 at 45.
	name: "synchronous queue",
	in: Input{Arrivals: at(0, 0, 0, 0, 0, 45), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 3, Queue: 0, PoolKeepAlive: 30 * time.Second}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 4, outcome.HTTP503: 2},
	peak:     Peak{Inflight: 3, Connections: 3, ClientInflight: 3},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, -1, 0, outcome.HTTP503, 0, 0}, {0, -1, 0, outcome.HTTP503, 0, 0},
		{45, 45, 55, outcome.OK, 0, 0},
	},
	workers: []workerChange{{0, 1}, {0, 2}, {0, 3}, {40, 2}, {40, 1}},
}, {
	// An idle worker is handed a task last-in first-out, as the
	// labserver's executor does. Core 1, max 3, queue 0, keep-alive 15 s,
	// arrivals 0,0,5,20: workers 1,2 at 0 and 3 at 5; workers 1,2 idle
	// from 10 (expiring at 25), worker 3 from 15 (at 30). #3 at 20 goes
	// to worker 3, the most recently idle, so at 25 workers 1 and 2 both
	// expire (3 > core, then 2 > core) → 1. (FIFO would give #3 to
	// worker 1 and shrink at 25 and 30.)
	name: "idle workers are reused last-in first-out",
	in: Input{Arrivals: at(0, 0, 5, 20), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 3, Queue: 0, PoolKeepAlive: 15 * time.Second}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 4},
	peak:     Peak{Inflight: 3, Connections: 3, ClientInflight: 3},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {5, 5, 15, outcome.OK, 0, 0}, {20, 20, 30, outcome.OK, 0, 0}},
	workers:  []workerChange{{0, 1}, {0, 2}, {5, 3}, {25, 2}, {25, 1}},
}, {
	// Max 0 means max = core (labserver's --max default): core 2,
	// queue 1, 4 at once → 2 run, 1 queued, 1 × 503.
	name: "max 0 is core",
	in: Input{Arrivals: burst(4), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 2, Queue: 1}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 3, outcome.HTTP503: 1},
	peak:     Peak{Inflight: 2, Queued: 1, Connections: 3, ClientInflight: 3},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 10, 20, outcome.OK, 0, 10}, {0, -1, 0, outcome.HTTP503, 0, 0}},
	workers:  []workerChange{{0, 1}, {0, 2}},
}, {
	// discard-oldest with a synchronous queue has no oldest to drop:
	// the new request is reset.
	name: "discard-oldest with queue 0",
	in: Input{Arrivals: burst(2), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 1, Queue: 0, Policy: catalog.PolicyDiscardOldest}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 1, outcome.Reset: 1},
	peak:     Peak{Inflight: 1, Connections: 1, ClientInflight: 1},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {0, -1, 0, outcome.Reset, 0, 0}},
	workers:  []workerChange{{0, 1}},
}, {
	// The client timeout frees the worker: core 1, max 1, 10 s work,
	// timeout 12 s, arrivals 0,1,13.5. #1 waits 1–10, runs, times out
	// at 13; the worker is idle again, so #2 runs at once at 13.5.
	name: "client timeout frees a worker",
	in: Input{Arrivals: at(0, 1, 13.5), Service: 10 * time.Second, ClientTimeout: 12 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 1, Max: 1, Queue: -1}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.Timeout: 1},
	peak:     Peak{Inflight: 1, Queued: 1, Connections: 2, ClientInflight: 2},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {1, 10, 13, outcome.Timeout, 0, 9}, {13.5, 13.5, 23.5, outcome.OK, 0, 0}},
	workers:  []workerChange{{0, 1}},
}, {
	// A worker below core is started for each task even when others
	// are idle: core 3, arrivals 0, 20, 40 → 3 workers although one
	// would do.
	name: "grows to core even with idle workers",
	in: Input{Arrivals: at(0, 20, 40), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 128, Settings: catalog.Settings{Core: 3, Max: 3, Queue: -1}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 3},
	peak:     Peak{Inflight: 1, Connections: 1, ClientInflight: 1},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {20, 20, 30, outcome.OK, 0, 0}, {40, 40, 50, outcome.OK, 0, 0}},
	workers:  []workerChange{{0, 1}, {20, 2}, {40, 3}},
}}

func TestPoolSmall(t *testing.T) {
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			res, trace := simulateWorkers(t, tt.in)
			checkOutcomes(t, res, tt.outcomes)
			checkPeak(t, res, tt.peak)
			checkLives(t, res, tt.lives)
			if !reflect.DeepEqual(trace, tt.workers) {
				t.Errorf("workers %v, want %v", trace, tt.workers)
			}
		})
	}
}

// Tomcat's connector as a pool: 2 threads (core 2, queue unbounded) behind
// maxConnections 3, over a backlog of 1 (an accept queue of 2); 7 requests
// at once, 10 s of work, client timeout 100 s, SYNs retransmitted at
// 1,2,3,4,5,7,11,19,35,67 s:
//
//	0   #0,#1 accepted and run; #2 accepted and queued (3 connections);
//	    #3,#4 fill the accept queue; #5,#6 SYN-pending.
//	10  #0,#1 ok: #2 runs; two connections closed, so #3 and #4 are
//	    accepted: #3 runs, #4 queued.
//	11  #5,#6 get in on their 7th SYN and wait in the accept queue.
//	20  #2,#3 ok: #4 runs; #5,#6 accepted: #5 runs, #6 queued.
//	30  #4,#5 ok: #6 runs.  40  #6 ok.
func TestPoolBehindMaxConnectionsWaitsInThreePlaces(t *testing.T) {
	l := poolLimits(2, 0, catalog.Unbounded, "")
	l.Backlog, l.MaxConnections = 1, 3
	res := mustSimulate(t, Input{Arrivals: burst(7), Service: 10 * time.Second, ClientTimeout: 100 * time.Second,
		Kernel: linux, Limits: l})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 7})
	checkPeak(t, res, Peak{Inflight: 2, Queued: 1, AcceptQueue: 2, Connections: 3, ClientInflight: 7, SynPending: 2})
	checkLives(t, res, []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, 10, 20, outcome.OK, 0, 10}, {0, 10, 20, outcome.OK, 0, 0}, {0, 20, 30, outcome.OK, 0, 10},
		{11, 20, 30, outcome.OK, 7, 0}, {11, 30, 40, outcome.OK, 7, 10},
	})
	if res.SynRetried != 2 {
		t.Errorf("SynRetried = %d, want 2", res.SynRetried)
	}
}
