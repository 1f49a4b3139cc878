package runner

import (
	"testing"
	"time"
)

// A schedule with a 1 s offset whose attack began 2 ms after the run's
// start began 1.002 s after it, and samples taken from the run's start
// count from there; without the attack's zero, or with one before the
// start (which no attack gives), from the offset alone.
func TestTheSamplesCountFromTheInstantTheAttackBegan(t *testing.T) {
	started := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		zero time.Time
		want time.Duration
	}{
		{"began 2 ms late", started.Add(2 * ms), 1002 * ms},
		{"unknown", time.Time{}, time.Second},
		{"before the start", started.Add(-ms), time.Second},
	} {
		if got := scheduleShift(time.Second, tc.zero, started); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
