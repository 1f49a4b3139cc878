package predict

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

func TestSimulateInvalid(t *testing.T) {
	ok := Input{Arrivals: at(0, 1), Service: time.Second, Kernel: linux, Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	tests := []struct {
		field string
		edit  func(*Input)
	}{
		{"Limits.Discipline", func(in *Input) { in.Limits.Discipline = 99 }},
		{"Limits.Discipline", func(in *Input) { in.Limits.Discipline = 0 }},
		{"Arrivals[2]", func(in *Input) { in.Arrivals = at(0, 2, 1) }},
		{"Arrivals[0]", func(in *Input) { in.Arrivals = []time.Duration{-1} }},
		{"Service", func(in *Input) { in.Service = -time.Second }},
		{"ClientTimeout", func(in *Input) { in.ClientTimeout = -1 }},
		{"ConnectTimeout", func(in *Input) { in.ConnectTimeout = -1 }},
		{"Step", func(in *Input) { in.Step = -1 }},
		{"Reads[0]", func(in *Input) { in.Reads = []Span{{From: 2, To: 1}} }},
		{"Reads[1]", func(in *Input) { in.Reads = []Span{{From: 2, To: 3}, {From: 1, To: 3}} }},
		{"Limits.Backlog", func(in *Input) { in.Limits.Backlog = -1 }},
		{"Limits.FDLimit", func(in *Input) { in.Limits.FDLimit = -1 }},
		{"Limits.Queue", func(in *Input) { in.Limits.Queue = -2 }},
		{"Limits.Limit", func(in *Input) { in.Limits.Limit = -1 }},
		{"Limits.QueueTimeout", func(in *Input) { in.Limits.QueueTimeout = -1 }},
		{"Limits.PoolKeepAlive", func(in *Input) { in.Limits.PoolKeepAlive = -1 }},
		{"Kernel.SynRetries", func(in *Input) { in.Kernel.SynRetries = -1 }},
		{"Kernel.SynLinearTimeouts", func(in *Input) { in.Kernel.SynLinearTimeouts = -1 }},
		{"Kernel.InitialRTO", func(in *Input) { in.Kernel.InitialRTO = -1 }},
		{"Limits.Limit", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.AppQueue, Settings: catalog.Settings{Limit: 0}}
		}},
		{"Limits.Limit", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.KernelQueue, Settings: catalog.Settings{Limit: 0}}
		}},
		{"Limits.Max", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.ThreadPool, Settings: catalog.Settings{Core: 0, Max: 0}}
		}},
		{"Limits.Max", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.ThreadPool, Settings: catalog.Settings{Core: 3, Max: 2}}
		}},
		{"Limits.Core", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.ThreadPool, Settings: catalog.Settings{Core: -1, Max: 2}}
		}},
		{"Limits.Policy", func(in *Input) {
			in.Limits = Limits{Discipline: catalog.ThreadPool, Settings: catalog.Settings{Core: 1, Max: 2, Policy: "drop"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			_, err := Simulate(in)
			if err == nil {
				t.Fatal("want an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "predict: "+tt.field+": ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q does not name %s on one line", msg, tt.field)
			}
		})
	}
	if _, err := Simulate(ok); err != nil {
		t.Errorf("valid input: %v", err)
	}
}

func TestSimulateEmpty(t *testing.T) {
	res := mustSimulate(t, Input{Limits: Limits{Discipline: catalog.NoLimit}})
	checkOutcomes(t, res, nil)
	if res.End != 0 || !reflect.DeepEqual(res.Series, []Point{{}}) || len(res.Requests) != 0 || res.Peak != (Peak{}) {
		t.Errorf("empty input: %+v", res)
	}
}

func TestSeriesSteps(t *testing.T) {
	// One request sent at 0.3 s with 1.2 s of work: ends at 1.5 s.
	in := Input{Arrivals: at(0.3), Service: sec(1.2), Kernel: linux, Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	t.Run("default 1s", func(t *testing.T) {
		res := mustSimulate(t, in)
		want := []Point{
			{T: 0},
			{T: sec(1), Inflight: 1, Connections: 1, ClientInflight: 1},
			{T: sec(2)}, // the first step at or after End
		}
		if !reflect.DeepEqual(res.Series, want) {
			t.Errorf("Series = %+v\n  want %+v", res.Series, want)
		}
	})
	t.Run("500ms", func(t *testing.T) {
		in := in
		in.Step = 500 * time.Millisecond
		res := mustSimulate(t, in)
		one := Point{Inflight: 1, Connections: 1, ClientInflight: 1}
		at := func(s float64, p Point) Point { p.T = sec(s); return p }
		want := []Point{at(0, Point{}), at(0.5, one), at(1, one), at(1.5, Point{})} // End 1.5 is a step: the state after it
		if !reflect.DeepEqual(res.Series, want) {
			t.Errorf("Series = %+v\n  want %+v", res.Series, want)
		}
	})
	t.Run("too many points", func(t *testing.T) {
		in := in
		in.Step = time.Nanosecond
		if _, err := Simulate(in); err == nil || !strings.HasPrefix(err.Error(), "predict: Step: ") {
			t.Errorf("err = %v, want a Step error", err)
		}
	})
}

// inputsForProperties covers every model with load that reaches its limits.
func inputsForProperties() map[string]Input {
	sv, ct := 800*time.Second, 900*time.Second
	return map[string]Input{
		"semaphore":     {Arrivals: seed(), Service: sv, ClientTimeout: ct, Kernel: linux, Limits: Limits{Discipline: catalog.AppQueue, Backlog: 4096, Settings: catalog.Settings{Limit: 40, Queue: 300, QueueTimeout: 200 * time.Second}}},
		"limitlistener": {Arrivals: seed(), Service: sv, ClientTimeout: ct, Kernel: linux, Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 100}}},
		"pool":          {Arrivals: seed(), Service: 100 * time.Second, ClientTimeout: ct, Kernel: linux, Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 4096, Settings: catalog.Settings{Core: 10, Max: 50, Queue: 100, Policy: catalog.PolicyDiscardOldest, PoolKeepAlive: 30 * time.Second}}},
		"pool-caller":   {Arrivals: seed(), Service: 100 * time.Second, ClientTimeout: ct, Kernel: linux, Limits: Limits{Discipline: catalog.ThreadPool, Backlog: 4096, Settings: catalog.Settings{Core: 10, Max: 20, Queue: 0, Policy: catalog.PolicyCallerRuns, PoolKeepAlive: 30 * time.Second}}},
		"fasthttp":      {Arrivals: seed(), Service: sv, ClientTimeout: ct, Kernel: linux, Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 4096, Settings: catalog.Settings{Limit: 256}}},
		"nethttp-fd":    {Arrivals: seed(), Service: sv, ClientTimeout: ct, ConnectTimeout: 30 * time.Second, Kernel: oldLinux, Limits: Limits{Discipline: catalog.NoLimit, Backlog: 64, FDLimit: 300}},
		"gin":           {Arrivals: seed(), Service: sv, Kernel: linux, Limits: Limits{Discipline: catalog.NoLimit, Backlog: 4096}, Step: 10 * time.Second},
	}
}

func TestDeterministic(t *testing.T) {
	for name, in := range inputsForProperties() {
		t.Run(name, func(t *testing.T) {
			a := mustSimulate(t, in)
			b := mustSimulate(t, in)
			if !reflect.DeepEqual(a, b) {
				t.Error("two runs of the same input differ")
			}
		})
	}
}

// Invariants that hold for every input: outcomes add up, every request ends,
// series points never exceed the peaks and end at zero, gauges are consistent.
func TestInvariants(t *testing.T) {
	for name, in := range inputsForProperties() {
		t.Run(name, func(t *testing.T) {
			res := mustSimulate(t, in)
			total := 0
			for _, n := range res.Outcomes {
				total += n
			}
			if total != len(in.Arrivals) {
				t.Errorf("outcomes add up to %d, want %d", total, len(in.Arrivals))
			}
			var end time.Duration
			for i, r := range res.Requests {
				end = max(end, r.Finished)
				if r.Outcome == "" || r.Finished < r.Sent || r.Sent != in.Arrivals[i] {
					t.Fatalf("request %+v", r)
				}
				if r.Outcome == outcome.OK && r.Finished != r.Started+in.Service {
					t.Fatalf("ok request %+v does not last Service", r)
				}
				if r.Started != Never && (r.Connected == Never || r.Started < r.Connected) {
					t.Fatalf("request %+v started before connecting", r)
				}
			}
			if end != res.End {
				t.Errorf("End = %v, latest Finished %v", res.End, end)
			}
			step := in.Step
			if step == 0 {
				step = time.Second
			}
			last := res.Series[len(res.Series)-1]
			if last.T < res.End || last.T-step >= res.End {
				t.Errorf("last point at %v for End %v", last.T, res.End)
			}
			if (last != Point{T: last.T}) {
				t.Errorf("last point %+v is not empty", last)
			}
			for i, p := range res.Series {
				if p.T != time.Duration(i)*step {
					t.Fatalf("point %d at %v", i, p.T)
				}
				if p.Inflight > res.Peak.Inflight || p.Queued > res.Peak.Queued || p.AcceptQueue > res.Peak.AcceptQueue ||
					p.Connections > res.Peak.Connections || p.ClientInflight > res.Peak.ClientInflight || p.SynPending > res.Peak.SynPending {
					t.Fatalf("point %+v above peak %+v", p, res.Peak)
				}
				if p.Inflight+p.Queued > p.Connections || p.Connections+p.SynPending > p.ClientInflight+p.AcceptQueue+p.Connections {
					t.Fatalf("inconsistent point %+v", p)
				}
				if in.Limits.FDLimit > 0 && p.Connections > in.Limits.FDLimit {
					t.Fatalf("point %+v above FDLimit", p)
				}
			}
		})
	}
}

func TestInputNotModified(t *testing.T) {
	in := inputsForProperties()["limitlistener"]
	before := append([]time.Duration(nil), in.Arrivals...)
	mustSimulate(t, in)
	if !reflect.DeepEqual(before, in.Arrivals) {
		t.Error("Simulate modified Arrivals")
	}
}
