package predict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// Five overshoots of 0.1 to 0.5 ms, the 0.2 ms one cut by a wake. The
// Kaplan–Meier estimate that a natural overshoot is longer falls to 0.8
// at 0.1 ms, stays there at the cut 0.2 ms, and is 0.533 at 0.3 ms and
// 0.267 at 0.4 ms: half of 0.8 is first reached at 0.4 ms, which the cut
// one is given. With 0.6 ms more, the estimate at 0.4 ms is 5/12, exactly
// half of 5/6: 0.4 ms again. A cut one keeps its length where nothing
// uncut lies beyond it, or too little: at 0.1 ms cut, 0.2 ms uncut, then
// two cut, the estimate falls only to 2/3. A cut one tied with an uncut
// one counts as shorter than it. Without cut flags, every one keeps its
// length.
func TestAnOvershootCutByAWakeIsGivenTheLengthItsOwnTimerWouldHave(t *testing.T) {
	us := time.Microsecond
	for _, tc := range []struct {
		name        string
		overs, want []time.Duration
		cut         []bool
	}{
		{"one cut", []time.Duration{100 * us, 200 * us, 300 * us, 400 * us, 500 * us},
			[]time.Duration{100 * us, 400 * us, 300 * us, 400 * us, 500 * us}, []bool{false, true, false, false, false}},
		{"nothing beyond", []time.Duration{100 * us, 500 * us}, []time.Duration{100 * us, 500 * us}, []bool{false, true}},
		{"a tie", []time.Duration{300 * us, 300 * us, 600 * us}, []time.Duration{600 * us, 300 * us, 600 * us},
			[]bool{true, false, false}},
		{"an exact half", []time.Duration{100 * us, 200 * us, 300 * us, 400 * us, 500 * us, 600 * us},
			[]time.Duration{100 * us, 400 * us, 300 * us, 400 * us, 500 * us, 600 * us}, []bool{false, true, false, false, false, false}},
		{"too little beyond", []time.Duration{100 * us, 200 * us, 300 * us, 400 * us}, []time.Duration{100 * us, 200 * us, 300 * us, 400 * us},
			[]bool{true, false, true, true}},
		{"none cut", []time.Duration{300 * us, 100 * us}, []time.Duration{300 * us, 100 * us}, []bool{false, false}},
		{"not known", []time.Duration{300 * us, 100 * us}, []time.Duration{300 * us, 100 * us}, nil},
	} {
		if got := naturalOvershoots(tc.overs, tc.cut); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Two sleeps of 100 ms on two slots, started at 0 and 0.3 ms. The first
// comes due at 0.1 s after the quiet that the run's 5 ms overshoot had,
// and its wake comes at 0.105 s. The second comes due at 0.1003 s, while
// that wake is armed, and ends with it: the runtime arms one wake, for its
// earliest timer. Drawing its own wake, after the quiet of the run's
// 0.5 ms overshoot, it would have ended both at 0.1008 s.
func TestASleepThatComesDueWhileAWakeIsArmedEndsAtThatWake(t *testing.T) {
	in := Input{Arrivals: at(0, 0.0003), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1}}}
	got := replicaRequests(t, in, Spread{SleepTimers: true, Overshoot: []time.Duration{5 * time.Millisecond, 500 * time.Microsecond},
		OvershootQuiet: []time.Duration{sec(0.1), sec(0.1003)}})
	for i, q := range got {
		if q.Outcome != outcome.OK || q.Finished != sec(0.105) {
			t.Errorf("#%d: %s at %v, want ok at 105ms", i, q.Outcome, q.Finished)
		}
	}
}
