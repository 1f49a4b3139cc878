package main

import (
	"bytes"
	"slices"
	"testing"

	"github.com/conclab/conclab/loadgen/summary"
)

func TestCheckPassesOnlyWhenEveryTargetAgrees(t *testing.T) {
	yes, no := true, false
	predicted := &summary.Predicted{Inflight: 5}
	agree := summary.Target{Name: "a", Predicted: predicted, Agrees: &yes}
	disagree := summary.Target{Name: "b", Predicted: predicted, Agrees: &no,
		Disagreements: []string{"peak running: measured 9, predicted 5 (+4, allowed ±2)", "ok: measured 1, predicted 5"}}
	for _, tc := range []struct {
		name string
		sum  *summary.Summary
		want []string
	}{
		{"every target agrees", &summary.Summary{Complete: true, Targets: []summary.Target{agree, agree}}, nil},
		{"one target disagrees: its first figure is quoted",
			&summary.Summary{Complete: true, Targets: []summary.Target{agree, disagree}},
			[]string{"check: b disagrees: peak running: measured 9, predicted 5 (+4, allowed ±2)"}},
		{"a disagreement without figures",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "c", Predicted: predicted, Agrees: &no}}},
			[]string{"check: c disagrees: summary.json lists no figure"}},
		{"a target the runner could not predict gives the runner's reason",
			&summary.Summary{Complete: true, Targets: []summary.Target{
				{Name: "ext", Notes: []string{"other: EOF", "no prediction: /config: connection refused"}}}},
			[]string{"check: ext has no verdict: no prediction: /config: connection refused"}},
		{"a target without a prediction or a note",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "ext"}}},
			[]string{"check: ext has no verdict: no prediction"}},
		{"an interrupted run judges no target",
			&summary.Summary{Interrupted: "interrupted after 3s", Targets: []summary.Target{
				{Name: "a", Predicted: predicted}, {Name: "b", Predicted: predicted}}},
			[]string{"check: a has no verdict: the run is incomplete (interrupted after 3s)",
				"check: b has no verdict: the run is incomplete (interrupted after 3s)"}},
		{"an incomplete run that says nothing more",
			&summary.Summary{Targets: []summary.Target{{Name: "a"}}},
			[]string{"check: a has no verdict: the run is incomplete"}},
		{"a prediction left unjudged in a complete run",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "a", Predicted: predicted}}},
			[]string{"check: a has no verdict: summary.json holds a prediction but no verdict"}},
		{"no targets at all", &summary.Summary{Complete: true},
			[]string{"check: summary.json lists no targets: nothing could be checked"}},
		{"no summary at all", nil,
			[]string{"check: summary.json lists no targets: nothing could be checked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkFailures(tc.sum)
			if !slices.Equal(got, tc.want) {
				t.Errorf("checkFailures:\n got %q\nwant %q", got, tc.want)
			}
			var stderr bytes.Buffer
			code := checkExit(tc.sum, &stderr)
			wantCode, wantErr := exitOK, ""
			if len(tc.want) > 0 {
				wantCode = exitCheckFailed
				for _, l := range tc.want {
					wantErr += l + "\n"
				}
			}
			if code != wantCode || stderr.String() != wantErr {
				t.Errorf("checkExit: %d and stderr %q, want %d and %q", code, stderr.String(), wantCode, wantErr)
			}
		})
	}
}
