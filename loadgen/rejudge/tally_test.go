package rejudge_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/conclab/conclab/loadgen/rejudge"
	"github.com/conclab/conclab/loadgen/summary"
)

// Three runs: a agrees in two, with ok ranks 0.9, 0.2 and 1; b has no
// verdict in the second run (it was not judged) and agrees in the other.
func TestATallyCountsTheRunsThatAgreeAndSortsTheirRanks(t *testing.T) {
	yes, no := true, false
	target := func(name string, agrees *bool, ok float64) summary.Target {
		return summary.Target{Name: name, Agrees: agrees, Predicted: &summary.Predicted{Rank: map[string]float64{"ok": ok}}}
	}
	sums := []*summary.Summary{
		{Targets: []summary.Target{target("a", &yes, 0.9), target("b", &yes, 0.5)}},
		{Targets: []summary.Target{target("a", &no, 0.2), {Name: "b"}}},
		{Targets: []summary.Target{target("a", &yes, 1)}},
	}
	// None counted its replicas' failures: no exact model to set beside.
	want := []rejudge.Tally{
		{Target: "a", Runs: 3, Agree: 2, Ranks: map[string][]float64{"ok": {0.2, 0.9, 1}}},
		{Target: "b", Runs: 1, Agree: 1, Ranks: map[string][]float64{"ok": {0.5}}},
	}
	if got := rejudge.TallyOf(sums); !reflect.DeepEqual(got, want) {
		t.Errorf("tally\n%+v\nwant\n%+v", got, want)
	}
}

// a's replicas fail the rule 2 and 10 times in 200, b's 4 times in 200
// and, in the second run, uncounted; c is not judged in the second run.
// Each run's chance that every target agrees is the product of its
// targets': 0.99 × 0.98 × 0.995 in the first, and unknown in the second
// (b's), so the runs together have no exact model beside them.
func TestATallyCarriesEachRunsChanceThatAnExactModelAgrees(t *testing.T) {
	yes, no := true, false
	target := func(name string, agrees *bool, failed int) summary.Target {
		p := &summary.Predicted{Replicas: 200}
		if failed >= 0 {
			p.ReplicasDisagreeing = &summary.ReplicasDisagreeing{Any: failed}
		}
		return summary.Target{Name: name, Agrees: agrees, Predicted: p}
	}
	first := &summary.Summary{Targets: []summary.Target{target("a", &yes, 2), target("b", &yes, 4), target("c", &yes, 1)}}
	second := &summary.Summary{Targets: []summary.Target{target("a", &no, 10), target("b", &yes, -1), {Name: "c"}}}
	tallies := rejudge.TallyOf([]*summary.Summary{first, second})
	wantChances := map[string][]float64{"a": {0.99, 0.95}, "c": {0.995}}
	for _, c := range tallies {
		want, known := wantChances[c.Target]
		switch {
		case !known && c.Exact != nil:
			t.Errorf("%s: exact %v, want none: a run did not count its replicas' failures", c.Target, c.Exact.Chances)
		case known && (c.Exact == nil || !chancesNear(c.Exact.Chances, want)):
			t.Errorf("%s: exact %+v, want chances %v", c.Target, c.Exact, want)
		}
	}
	if all := rejudge.TogetherOf([]*summary.Summary{first}); all.Runs != 1 || all.Agree != 1 || all.Exact == nil ||
		!chancesNear(all.Exact.Chances, []float64{0.99 * 0.98 * 0.995}) {
		t.Errorf("together of the first run: %+v", all)
	}
	if all := rejudge.TogetherOf([]*summary.Summary{first, second}); all.Runs != 2 || all.Agree != 1 || all.Exact != nil {
		t.Errorf("together of both runs: %+v, want 2 runs, 1 agreeing, no exact model", all)
	}
}

// A run where c has no verdict counts a and b alone: every judged target
// agrees, with the chance 0.99 × 0.98. A run where no target was judged
// counts in nothing.
func TestTogetherLeavesOutTheTargetsAndRunsNotJudged(t *testing.T) {
	yes := true
	counted := func(name string, failed int) summary.Target {
		return summary.Target{Name: name, Agrees: &yes,
			Predicted: &summary.Predicted{Replicas: 200, ReplicasDisagreeing: &summary.ReplicasDisagreeing{Any: failed}}}
	}
	sums := []*summary.Summary{
		{Targets: []summary.Target{counted("a", 2), counted("b", 4), {Name: "c"}}},
		{Targets: []summary.Target{{Name: "a"}, {Name: "b"}}},
	}
	all := rejudge.TogetherOf(sums)
	if all.Runs != 1 || all.Agree != 1 || all.Exact == nil || !chancesNear(all.Exact.Chances, []float64{0.99 * 0.98}) {
		t.Errorf("together: %+v, want 1 run, agreeing, with the chance 0.9702", all)
	}
}

// chancesNear reports whether got and want hold the same chances, to
// float64's rounding.
func chancesNear(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			return false
		}
	}
	return true
}
