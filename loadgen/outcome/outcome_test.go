package outcome

import "testing"

func TestSumAddsTheNamedOutcomesOfAnyMapKeyedByOutcome(t *testing.T) {
	bySummary := map[string]int{"ok": 5, "http_503": 2, "reset": 1, "refused": 4, "timeout": 9}
	if got := Sum(bySummary, Rejected...); got != 7 {
		t.Errorf("Sum(summary map, Rejected) = %d, want 7", got)
	}
	byPrediction := map[Outcome]int{OK: 3, Timeout: 1}
	if got := Sum(byPrediction, OK, Timeout, Other); got != 4 {
		t.Errorf("Sum(prediction map) = %d, want 4", got)
	}
}

func TestFailedIsEveryOutcomeButOkAndTimeout(t *testing.T) {
	counts := map[Outcome]int{}
	for i, o := range All {
		counts[o] = 1 << i
	}
	if got, want := Sum(counts, Failed...), Sum(counts, All...)-counts[OK]-counts[Timeout]; got != want {
		t.Errorf("Sum(Failed) = %b, want %b: every outcome but ok and timeout, once", got, want)
	}
}
