package main

import (
	"testing"

	"github.com/conclab/conclab/loadgen/rejudge"
)

// Two runs whose replicas the rule passes 90 % and 50 % of the time: an
// exact model agrees in 1.4 on average, and in none of them 5 % of the time.
func TestTheJudgeSaysHowAnExactModelWouldFare(t *testing.T) {
	e := &rejudge.Exact{Chances: []float64{0.9, 0.5}}
	for _, c := range []struct {
		agree int
		e     *rejudge.Exact
		want  string
	}{
		{0, e, "; a model that were exact would agree in 1.4 on average, and in none in 5.0 % of such sets"},
		{1, e, "; a model that were exact would agree in 1.4 on average, and in 1 or fewer in 55.0 % of such sets"},
		{2, e, "; a model that were exact would agree in 1.4 on average"},
		{0, &rejudge.Exact{Chances: []float64{0.9999, 0.9999}}, "; a model that were exact would agree in 2.0 on average, and in none in under 0.1 % of such sets"},
		{1, nil, ""},
	} {
		if got := exactText(c.agree, c.e); got != c.want {
			t.Errorf("agreeing in %d: %q, want %q", c.agree, got, c.want)
		}
	}
}
