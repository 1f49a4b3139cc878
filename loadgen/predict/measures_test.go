package predict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// One slot, 1 s of work, a 1.5 s client timeout, requests at 0 and 0.1 s.
// #0 runs 0–1 s and ends ok. #1 waits until 1 s, runs, and its client
// leaves at 1.6 s: the server stops the work there, so 0.6 s of it was
// done for nobody. The ok latencies are #0's alone: 1 s.
func TestWorkCutShortByALeavingClientIsWasted(t *testing.T) {
	l := Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}
	res := mustSimulate(t, Input{Arrivals: at(0, 0.1), Service: time.Second, Limits: l, Kernel: linux,
		ClientTimeout: sec(1.5)})
	checkLives(t, res, []life{{0, 0, 1, outcome.OK, 0, 0}, {0.1, 1, 1.6, outcome.Timeout, 0, 0.9}})
	if res.WastedWork != sec(0.6) {
		t.Errorf("WastedWork = %v, want 600ms", res.WastedWork)
	}
	if got := res.OKLatency(); got != [2]time.Duration{time.Second, time.Second} {
		t.Errorf("OKLatency = %v, want [1s 1s]", got)
	}
}

// fasthttp cannot see its client leave. One served connection, 1 s of
// work, a 0.5 s client timeout, requests at 0, 0.2 and 0.7 s. #0's client
// leaves at 0.5 s, but its work runs to 1 s and holds the only place:
// #1 and #2 are answered 503 at once, #2 after #0's client had gone. The
// whole second of #0's work was for nobody.
func TestWorkThatOutlivesItsClientHoldsItsPlaceAndIsWastedWhole(t *testing.T) {
	l := Limits{Discipline: catalog.RejectBeyond, Backlog: 128, WorkOutlivesClient: true, Settings: catalog.Settings{Limit: 1}}
	res := mustSimulate(t, Input{Arrivals: at(0, 0.2, 0.7), Service: time.Second, Limits: l, Kernel: linux,
		ClientTimeout: sec(0.5), Step: 100 * time.Millisecond})
	checkLives(t, res, []life{
		{0, 0, 0.5, outcome.Timeout, 0, 0}, {0.2, -1, 0.2, outcome.HTTP503, 0, 0}, {0.7, -1, 0.7, outcome.HTTP503, 0, 0},
	})
	if res.WastedWork != time.Second {
		t.Errorf("WastedWork = %v, want 1s", res.WastedWork)
	}
	at := func(s float64) Point {
		for _, p := range res.Series {
			if p.T == sec(s) {
				return p
			}
		}
		t.Fatalf("no series point at %g s", s)
		return Point{}
	}
	if p := at(0.9); p.Inflight != 1 || p.Connections != 1 || p.ClientInflight != 0 {
		t.Errorf("at 0.9 s: %+v, want the work running on its connection with no client waiting", p)
	}
	if p := at(1); p.Inflight != 0 || p.Connections != 0 {
		t.Errorf("at 1 s: %+v, want the work ended and its connection closed", p)
	}
	if got := res.OKLatency(); got != [2]time.Duration{} {
		t.Errorf("OKLatency = %v, want zero without ok requests", got)
	}
}
