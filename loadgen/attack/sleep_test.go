package attack

import (
	"testing"
	"time"
)

// A sleep never ends early; how soon after it ends is make perf's to
// measure, not a test's.
func TestASleeperNeverWakesEarly(t *testing.T) {
	s := newSleeper()
	defer s.close()
	for _, d := range []time.Duration{0, time.Microsecond, 300 * time.Microsecond, 2500 * time.Microsecond, 20 * time.Millisecond} {
		began := time.Now()
		s.sleepUntil(began.Add(d))
		if slept := time.Since(began); slept < d || slept > d+5*time.Second {
			t.Errorf("sleepUntil(%s from now) took %s", d, slept)
		}
	}
}
