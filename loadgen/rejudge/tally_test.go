package rejudge_test

import (
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
	want := []rejudge.Tally{
		{Target: "a", Runs: 3, Agree: 2, Ranks: map[string][]float64{"ok": {0.2, 0.9, 1}}},
		{Target: "b", Runs: 1, Agree: 1, Ranks: map[string][]float64{"ok": {0.5}}},
	}
	if got := rejudge.TallyOf(sums); !reflect.DeepEqual(got, want) {
		t.Errorf("tally\n%+v\nwant\n%+v", got, want)
	}
}
