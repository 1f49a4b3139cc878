package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// modelCase is one small run of a fasthttp or net/http model and what the
// simulator must predict for it.
type modelCase struct {
	name     string
	in       Input
	outcomes map[outcome.Outcome]int
	peak     Peak
	lives    []life
	end      float64
}

// modelCases are the runs of TestModelsSmall. They live at package level so
// that the test stays short; each comment says how its expected values
// follow.
var modelCases = []modelCase{{
	// fasthttp Concurrency 5, 8 at once: 5 are served, the 6th–8th are
	// accepted, answered 503 and closed at once.
	name: "fasthttp limit 5",
	in: Input{Arrivals: burst(8), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 5}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 5, outcome.HTTP503: 3},
	peak:     Peak{Inflight: 5, Connections: 5, ClientInflight: 5},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, -1, 0, outcome.HTTP503, 0, 0}, {0, -1, 0, outcome.HTTP503, 0, 0}, {0, -1, 0, outcome.HTTP503, 0, 0},
	},
	end: 10,
}, {
	// A served connection that ends frees its place: limit 1, arrivals
	// 0, 5, 10 → #1 is rejected, #2 (at 10, after #0's finish) is served.
	name: "fasthttp limit 1 frees on finish",
	in: Input{Arrivals: at(0, 5, 10), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 2, outcome.HTTP503: 1},
	peak:     Peak{Inflight: 1, Connections: 1, ClientInflight: 1},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {5, -1, 5, outcome.HTTP503, 0, 0}, {10, 10, 20, outcome.OK, 0, 0}},
	end:      20,
}, {
	// Concurrency 0 is fasthttp's default (256·1024): no limit here.
	name: "fasthttp default concurrency",
	in: Input{Arrivals: burst(3), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 3},
	peak:     Peak{Inflight: 3, Connections: 3, ClientInflight: 3},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}},
	end:      10,
}, {
	// net/http at its fd limit: FDLimit 3, backlog 2 (queue of 3), 8 at
	// once, 10 s work, no client timeout.
	//  0   #0–#2 accepted and run; #3–#5 wait in the kernel queue:
	//      accept fails with EMFILE, and net/http sleeps 5 ms, then 10,
	//      20, … 640 ms, then 1 s: it tries again at 0.005, 0.015, 0.035,
	//      0.075, 0.155, 0.315, 0.635, 1.275, 2.275, … 10.275 s.
	//      #6,#7 SYN-pending.
	//  1…7 retransmits dropped. 10 #0–#2 ok, but net/http sleeps until
	//  10.275: #3–#5 accepted and run to 20.275.
	//  11  #6,#7 get in (7th SYN) and wait; accept fails again, the sleeps
	//      start over from 11 s and end at 11.005, … 12.275, 13.275, …
	//      20.275, when #3–#5 are done: #6,#7 run to 30.275.
	name: "nethttp fd limit",
	in: Input{Arrivals: burst(8), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 2, FDLimit: 3}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 8},
	peak:     Peak{Inflight: 3, AcceptQueue: 3, Connections: 3, ClientInflight: 8, SynPending: 2},
	lives: []life{
		{0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0}, {0, 0, 10, outcome.OK, 0, 0},
		{0, 10.275, 20.275, outcome.OK, 0, 0}, {0, 10.275, 20.275, outcome.OK, 0, 0}, {0, 10.275, 20.275, outcome.OK, 0, 0},
		{11, 20.275, 30.275, outcome.OK, 7, 0}, {11, 20.275, 30.275, outcome.OK, 7, 0},
	},
	end: 30.275,
}, {
	// The client timeout ends running work: 3 at once, 10 s work,
	// timeout 4 s → all time out at 4 s, having run 4 s.
	name: "nethttp client timeout",
	in: Input{Arrivals: burst(3), Service: 10 * time.Second, ClientTimeout: 4 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}},
	outcomes: map[outcome.Outcome]int{outcome.Timeout: 3},
	peak:     Peak{Inflight: 3, Connections: 3, ClientInflight: 3},
	lives:    []life{{0, 0, 4, outcome.Timeout, 0, 0}, {0, 0, 4, outcome.Timeout, 0, 0}, {0, 0, 4, outcome.Timeout, 0, 0}},
	end:      4,
}, {
	// Work that finishes exactly at the client deadline is ok (a finish
	// is processed before a deadline at the same instant).
	name: "finish at the deadline is ok",
	in: Input{Arrivals: burst(1), Service: 10 * time.Second, ClientTimeout: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}},
	outcomes: map[outcome.Outcome]int{outcome.OK: 1},
	peak:     Peak{Inflight: 1, Connections: 1, ClientInflight: 1},
	lives:    []life{{0, 0, 10, outcome.OK, 0, 0}},
	end:      10,
}, {
	// A client timeout shorter than the first retransmission: the
	// connect gives up at 0.5 s without retransmitting, and a connect
	// that took 0.5 s does not count as SYN-retried.
	name: "client timeout during connect",
	in: Input{Arrivals: burst(3), Service: 10 * time.Second, ClientTimeout: 500 * time.Millisecond, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 0, Settings: catalog.Settings{Limit: 1}}},
	outcomes: map[outcome.Outcome]int{outcome.Timeout: 3},
	peak:     Peak{Inflight: 1, AcceptQueue: 1, Connections: 1, ClientInflight: 3, SynPending: 1},
	lives:    []life{{0, 0, 0.5, outcome.Timeout, 0, 0}, {0, -1, 0.5, outcome.Timeout, 0, 0}, {-1, -1, 0.5, outcome.Timeout, 0, 0}},
	end:      0.5,
}}

func TestModelsSmall(t *testing.T) {
	for _, tt := range modelCases {
		t.Run(tt.name, func(t *testing.T) {
			res := mustSimulate(t, tt.in)
			checkOutcomes(t, res, tt.outcomes)
			checkPeak(t, res, tt.peak)
			checkLives(t, res, tt.lives)
			if res.End != sec(tt.end) {
				t.Errorf("End = %v, want %vs", res.End, tt.end)
			}
		})
	}
}

// nethttp, gin and echo run every request at once: the seed replay has all
// 1000 running by 499.5 s and done at 1299.5 s.
func TestUnlimitedModelsSeed(t *testing.T) {
	for _, m := range []catalog.Model{catalog.NetHTTP, catalog.Gin, catalog.Echo} {
		t.Run(m.Name, func(t *testing.T) {
			res := mustSimulate(t, Input{Arrivals: seed(), Service: 800 * time.Second, ClientTimeout: 900 * time.Second, Kernel: linux,
				Limits: Limits{Discipline: m.Discipline, Backlog: 4096}})
			checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 1000})
			checkPeak(t, res, Peak{Inflight: 1000, Connections: 1000, ClientInflight: 1000})
			if res.End != sec(1299.5) {
				t.Errorf("End = %v, want 1299.5s", res.End)
			}
			if res.SynRetried != 0 {
				t.Errorf("SynRetried = %d, want 0", res.SynRetried)
			}
		})
	}
}

func TestEveryModelOfTheCatalogueHasASimulation(t *testing.T) {
	for _, m := range catalog.Models {
		if d, ok := disciplines[m.Discipline]; !ok || d.build == nil {
			t.Errorf("model %s: discipline %s has no simulation", m.Name, m.Discipline)
		}
	}
}
