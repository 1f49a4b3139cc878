package rejudge_test

import (
	"math"
	"testing"

	"github.com/conclab/conclab/loadgen/rejudge"
)

// Two runs whose replicas the rule passes 90 % and 50 % of the time: an
// exact model agrees in 1.4 of them on average; in none 0.1 × 0.5 of the
// time, in one or none 1 − 0.9 × 0.5.
func TestAnExactModelAgreesAsOftenAsItsRulePassesItsReplicas(t *testing.T) {
	e := rejudge.Exact{Chances: []float64{0.9, 0.5}}
	if got := e.Expected(); math.Abs(got-1.4) > 1e-12 {
		t.Errorf("expected %v, want 1.4", got)
	}
	for k, want := range map[int]float64{-1: 0, 0: 0.05, 1: 0.55, 2: 1, 3: 1} {
		if got := e.AtMost(k); math.Abs(got-want) > 1e-12 {
			t.Errorf("at most %d: %v, want %v", k, got, want)
		}
	}
}

func TestNoRunsGiveAnExactModelNothingToAgreeIn(t *testing.T) {
	e := rejudge.Exact{}
	if e.Expected() != 0 || e.AtMost(0) != 1 {
		t.Errorf("expected %v, at most 0: %v; want 0 and 1", e.Expected(), e.AtMost(0))
	}
}
