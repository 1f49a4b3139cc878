package outcome

import (
	"testing"
	"time"
)

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

func TestALateDialReturnWhoseServerAcceptedAtTheFirstSynIsNotSynRetried(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name                   string
		connect, syn, toAccept time.Duration
		want                   bool
	}{
		{"a quick connect", ms(0.3), ms(0.1), ms(0.4), false},
		{"a long connect the server did not time", ms(1020), ms(0.2), 0, true},
		{"accepted after a retransmission", ms(1020), ms(0.2), ms(1020.5), true},
		{"accepted 1 ms after its SYN, returned 1,150 ms after it", ms(1150.2), ms(0.8), ms(1.8), false},
		{"accepted 0.9 s after its SYN", ms(1000), ms(0.5), ms(900.5), true},
	} {
		if got := SynRetried(tc.connect, tc.syn, tc.toAccept); got != tc.want {
			t.Errorf("%s: SynRetried = %v, want %v", tc.name, got, tc.want)
		}
	}
}
