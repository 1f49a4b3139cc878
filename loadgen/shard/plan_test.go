package shard_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/verdict"
)

// perProcess is the budget of a process on the lab's machine, whose
// open-file limit is 20,000.
var perProcess = shard.PerProcess(20000)

// kernel is the lab's SYN retransmission behaviour (Linux 6.18 defaults).
var kernel = predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second}

func parse(t *testing.T, doc string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse(t.Name()+".yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// targets is a scenario's targets section with n nethttp targets.
func targets(n int) string {
	var b strings.Builder
	b.WriteString("targets:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: t%d, model: nethttp}\n", i)
	}
	return b.String()
}

// simulate predicts every target of s as a server with no fd limit would
// behave on the lab's kernel.
func simulate(t *testing.T, s *scenario.Scenario) []*predict.Result {
	t.Helper()
	var out []*predict.Result
	for _, tg := range s.Targets {
		limits, err := verdict.ScenarioLimits(s, tg, verdict.Host{Somaxconn: 4096})
		if err != nil {
			t.Fatal(err)
		}
		res, err := verdict.Predict(s, s.Schedule(), limits, kernel)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &res)
	}
	return out
}

// plan sizes s from its predictions (nil: none).
func plan(t *testing.T, s *scenario.Scenario, predicted []*predict.Result) (shard.Plan, error) {
	t.Helper()
	held := make([]int, len(s.Targets))
	for i := range held {
		var p *predict.Result
		if predicted != nil {
			p = predicted[i]
		}
		held[i] = shard.Held(s, p)
	}
	return shard.NewPlan(s, held, 0, perProcess)
}

func TestAProcessHoldsHalfItsFileLimitAndAtMost9000(t *testing.T) {
	for noFile, want := range map[uint64]int{20000: 9000, 1 << 20: 9000, 400: 200, 1: 1, 0: 9000} {
		if got := shard.PerProcess(noFile); got != want {
			t.Errorf("PerProcess(%d) = %d, want %d", noFile, got, want)
		}
	}
}

// 20,000 requests at 1/s that each end at once hold one connection at a
// time: loadgen sends them itself. The prediction says 1 at once (3 with
// the margin); without it, the 60 s default timeout bounds it to 61.
func TestTwentyThousandRequestsAtOnePerSecondAreSentByLoadgenItself(t *testing.T) {
	s := parse(t, "name: slow\nrequests: 20000\nrate: 1\nsleep: 0s\n"+targets(1))
	predicted := simulate(t, s)
	if peak := predicted[0].Peak.ClientInflight; peak != 1 {
		t.Fatalf("predicted peak of client in-flight %d, want 1", peak)
	}
	if held, bound := shard.Held(s, predicted[0]), shard.Bound(s); held != 3 || bound != 61 {
		t.Errorf("held %d, bound %d; want 3 and 61", held, bound)
	}
	for _, p := range [][]*predict.Result{predicted, nil} {
		pl, err := plan(t, s, p)
		if err != nil || pl.Total() != 0 || pl.Workers[0] != 0 {
			t.Errorf("plan %+v, err %v; want no worker process", pl, err)
		}
	}
}

// Nine targets of a million requests at 1/s, without a prediction: the
// timeout bounds each to 61 connections at once, 549 in all, which loadgen
// holds itself.
func TestNineTargetsOfAMillionRequestsAtOnePerSecondNeedNoWorker(t *testing.T) {
	s := parse(t, "name: nine\nrequests: 1000000\nrate: 1\n"+targets(9))
	pl, err := plan(t, s, nil)
	if err != nil || pl.Total() != 0 {
		t.Errorf("plan %+v, err %v; want no worker process", pl, err)
	}
	if pl.Held[8] != 61 {
		t.Errorf("held %v, want 61 each", pl.Held)
	}
}

// 30,000 requests at 1000/s sleeping 25 s hold 25,000 at once: 26,250
// with the 5% margin, 3 workers of 9,000 (the requests alone would say 4).
func TestAPredictedPeakOf25000NeedsThreeWorkers(t *testing.T) {
	s := parse(t, "name: held\nrequests: 30000\nrate: 1000\nsleep: 25s\ntimeout: 60s\n"+targets(1))
	predicted := simulate(t, s)
	if peak := predicted[0].Peak.ClientInflight; peak != 25000 {
		t.Fatalf("predicted peak of client in-flight %d, want 25,000", peak)
	}
	pl, err := plan(t, s, predicted)
	if err != nil || pl.Held[0] != 26250 || pl.Workers[0] != 3 {
		t.Errorf("held %v workers %v, err %v; want 26,250 and 3", pl.Held, pl.Workers, err)
	}
	if want := "sending: t0 by 3 worker processes (26,250 connections open at once ÷ 9,000 per process)"; pl.String() != want {
		t.Errorf("plan says\n %q\nwant\n %q", pl, want)
	}
}

// The margin is 5% of the predicted peak, at least 2, and never past what
// the rate and timeout allow.
func TestTheMarginIsFivePercentAtLeastTwoWithinTheBound(t *testing.T) {
	s := parse(t, "name: margin\nrequests: 40000\nrate: 1000\ntimeout: 20s\n"+targets(1))
	if b := shard.Bound(s); b != 20001 {
		t.Fatalf("bound %d, want 20,001", b)
	}
	for peak, want := range map[int]int{0: 2, 1: 3, 40: 42, 41: 44, 60: 63, 8571: 9000, 8572: 9001, 17500: 18375, 19500: 20001} {
		if got := shard.Held(s, &predict.Result{Peak: predict.Peak{ClientInflight: peak}}); got != want {
			t.Errorf("peak %d: held %d, want %d", peak, got, want)
		}
	}
}

// Targets join loadgen's own process in order while they fit; the others
// get as many workers as they need, one at least.
func TestTargetsThatFitAreSentByLoadgenAndTheRestByWorkers(t *testing.T) {
	s := parse(t, "name: mix\nrequests: 100\nrate: 1\n"+targets(4))
	pl, err := shard.NewPlan(s, []int{5000, 5000, 3000, 20000}, 0, perProcess)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pl.Workers); got != "[0 1 0 3]" || pl.Total() != 4 {
		t.Errorf("workers %s, want [0 1 0 3]", got)
	}
	want := "sending: t1 by 1 worker process (5,000 connections open at once ÷ 9,000 per process); " +
		"t3 by 3 worker processes (20,000 connections open at once ÷ 9,000 per process); " +
		"t0, t2 by loadgen itself (8,000 connections open at once, of 9,000 per process)"
	if pl.String() != want {
		t.Errorf("plan says\n %q\nwant\n %q", pl, want)
	}
}

// Nine targets of a million requests, each held up to its 120 s timeout,
// need 1,008 workers: refused in one line that shows the arithmetic.
func TestARunPastTheWorkerCapIsRefusedWithItsArithmetic(t *testing.T) {
	s := parse(t, "name: seed\nrequests: 1000000\nrate: 10000\nsleep: 60s\ntimeout: 120s\n"+targets(9))
	_, err := plan(t, s, nil)
	want := "scenario seed needs 9 targets × 112 workers = 1,008 worker processes " +
		"(1,000,000 connections open at once per target ÷ 9,000 per process), more than the 32 one machine runs; " +
		"lower the rate, timeout or requests, or split the run across machines (--workers swarm:N)"
	var tooMany *shard.TooManyWorkersError
	if !errors.As(err, &tooMany) || err.Error() != want {
		t.Errorf("err\n %v\nwant\n %s", err, want)
	}
}

// Targets that need different numbers of workers are added up term by
// term.
func TestTheCapErrorAddsUpTargetsThatDiffer(t *testing.T) {
	s := parse(t, "name: mixed\nrequests: 100\nrate: 1\n"+targets(5))
	_, err := shard.NewPlan(s, []int{100000, 100000, 50000, 100, 100000}, 0, perProcess)
	want := "scenario mixed needs 3 targets × 12 workers + 1 target × 6 workers = 42 worker processes " +
		"(100,000 and 50,000 connections open at once per target ÷ 9,000 per process), more than the 32 one machine runs; " +
		"lower the rate, timeout or requests, or split the run across machines (--workers swarm:N)"
	if err == nil || err.Error() != want {
		t.Errorf("err\n %v\nwant\n %s", err, want)
	}
}

// --shards decides the workers of every target, within the cap; 1 has
// loadgen send every schedule itself.
func TestForcedShardsDecideWithinTheCap(t *testing.T) {
	s := parse(t, "name: forced\nrequests: 100\nrate: 1\n"+targets(9))
	held := make([]int, 9)
	pl, err := shard.NewPlan(s, held, 3, perProcess)
	if err != nil || pl.Total() != 27 || pl.String() != "sending: every target by 3 worker processes (--shards 3)" {
		t.Errorf("--shards 3: plan %q, %d workers, err %v", pl, pl.Total(), err)
	}
	pl, err = shard.NewPlan(s, held, 1, perProcess)
	if err != nil || pl.Total() != 0 || !strings.HasSuffix(pl.String(), "by loadgen itself (--shards 1)") {
		t.Errorf("--shards 1: plan %q, %d workers, err %v", pl, pl.Total(), err)
	}
	_, err = shard.NewPlan(s, held, 4, perProcess)
	want := "--shards: 9 targets × 4 workers = 36 worker processes, more than the 32 one machine runs; " +
		"lower --shards, or split the run across machines (--workers swarm:N)"
	if err == nil || err.Error() != want {
		t.Errorf("--shards 4: err\n %v\nwant\n %s", err, want)
	}
}

// Remote workers each send a share of every target: 19,000 connections
// over 2 workers are 9,500 each, more than a process holds, so the plan
// names the 3 the run needs; with 3, each holds ⌈19,000 ÷ 3⌉ = 6,334.
func TestRemoteWorkersEachHoldAShareOfEveryTarget(t *testing.T) {
	s := parse(t, "name: fd\nrequests: 100\nrate: 1\n"+targets(1))
	_, err := shard.NewRemotePlan(s, []int{19000}, 2, perProcess)
	want := "--workers: each of 2 workers would hold 9,500 connections at once (19,000 in all, a share of every target's), " +
		"more than the 9,000 one process holds; use 3 workers or more"
	if err == nil || err.Error() != want {
		t.Errorf("2 workers: %v, want %q", err, want)
	}
	s = parse(t, "name: mix\nrequests: 100\nrate: 1\n"+targets(2))
	pl, err := shard.NewRemotePlan(s, []int{19000, 5}, 3, perProcess)
	if err != nil {
		t.Fatal(err)
	}
	// 6,334 + ⌈5 ÷ 3⌉ = 6,336, held by worker 1, whose share rounds up.
	if want := "sending: every target by 3 workers elsewhere, each holding up to 6,336 connections at once (of 9,000 per process)"; pl.String() != want {
		t.Errorf("plan says\n %q\nwant\n %q", pl, want)
	}
	if pl.Total() != 0 || fmt.Sprint(pl.Workers) != "[3 3]" {
		t.Errorf("total %d workers %v: want no local process, 3 for each target", pl.Total(), pl.Workers)
	}
}
