package adminapi

import (
	"testing"
	"time"
)

// A duration that /config carries as float seconds must come back to the
// nanosecond, or a simulated event moves off its instant.
func TestSecondsGiveBackEveryWholeMillisecondExactly(t *testing.T) {
	for ms := time.Duration(0); ms <= 100*time.Second; ms += time.Millisecond {
		s := ms.Seconds()
		if got := Seconds(&s); got != ms {
			t.Fatalf("Seconds(%v) = %v, want %v", s, got, ms)
		}
	}
	if Seconds(nil) != 0 {
		t.Error("Seconds(nil) must be 0")
	}
}
