package main

import (
	"bytes"
	"testing"

	"github.com/conclab/conclab/loadgen/rejudge"
	"github.com/conclab/conclab/loadgen/summary"
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

// A run's line names the hypervisor's steal where the run recorded it,
// and each disagreeing target's first disagreement.
func TestARunsLineSaysHowMuchCPUTimeTheHypervisorStole(t *testing.T) {
	yes, no := true, false
	steal := 0.013
	for _, c := range []struct {
		sum  summary.Summary
		want string
	}{
		{summary.Summary{Environment: summary.Environment{Steal: &steal}, Targets: []summary.Target{{Name: "a", Agrees: &yes}}},
			"runs/x (steal 1.3 %): every target judged agrees\n"},
		{summary.Summary{Targets: []summary.Target{{Name: "a", Agrees: &no, Disagreements: []string{"ok: measured 3", "more"}}}},
			"runs/x: a: ok: measured 3\n"},
	} {
		var out bytes.Buffer
		printRunLine(&out, "runs/x", &c.sum)
		if out.String() != c.want {
			t.Errorf("%q, want %q", out.String(), c.want)
		}
	}
}
