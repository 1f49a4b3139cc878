package verdict

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestCompareAndExplain(t *testing.T) {
	// fd-ceiling as measured: where every request waited agrees, how many
	// finished in time does not.
	st := &summary.Target{
		Config:     map[string]any{"model": "nethttp"},
		Outcomes:   map[outcome.Outcome]int{outcome.OK: 24431, outcome.Timeout: 569},
		SynRetried: 915,
		Peak:       summary.Peak{Inflight: 19988, AcceptQueue: 4097},
		Predicted: &summary.Predicted{Inflight: 19988, AcceptQueue: 4097, OK: 24085, SynRetried: 915,
			Outcomes: map[outcome.Outcome]int{outcome.OK: 24085, outcome.Timeout: 915}},
	}
	agrees, diffs := compare(st, Tolerance)
	want := []string{
		"ok: measured 24431, predicted 24085 (+346, allowed ±1222)",
		"timed out: measured 569, predicted 915 (-346, allowed ±46)",
	}
	if agrees || len(diffs) != 1 || diffs[0] != want[1] {
		t.Fatalf("agrees %v, diffs %q; want only %q", agrees, diffs, want[1])
	}
	notes := explain(st, diffs)
	if len(notes) != 1 || !strings.Contains(notes[0], "timer wheel") {
		t.Errorf("notes %q", notes)
	}
	st.Outcomes[outcome.Timeout] = 915
	st.Outcomes[outcome.OK] = 24085
	if agrees, diffs := compare(st, Tolerance); !agrees || explain(st, diffs) != nil {
		t.Errorf("exact figures: agrees %v, diffs %q", agrees, diffs)
	}
}
