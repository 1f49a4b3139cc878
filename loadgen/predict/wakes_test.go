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

// Two sleeps of 100 ms on a LIFO semaphore of two slots, started at 0 and
// 0.1 ms, come due at 0.1 and 0.1001 s, and the run's 1 ms overshoot
// wakes the runtime at 0.101 s. A waiter came at 50 ms (#2), one at 60 ms
// (#3) and one at 0.1011 s (#4). The wake's first sleep ends at 0.101 s
// and hands its slot to the newest waiter, #3; the second ends 0.2 ms
// later, the run's stagger, when #4 is the newest, and #4 starts at
// 0.1012 s. #2 waits for the next wake, at 0.202 s. Ended at one instant,
// both slots would go to #2 and #3, and #4 would wait for that wake.
func TestTheSleepsOfOneWakeEndOneAfterAnother(t *testing.T) {
	in := Input{Arrivals: at(0, 0.0001, 0.05, 0.06, 0.1011), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1, Order: catalog.OrderLIFO}}}
	spread := Spread{SleepTimers: true, Overshoot: []time.Duration{time.Millisecond}, OvershootQuiet: []time.Duration{sec(0.1)}}
	for _, tc := range []struct {
		name    string
		stagger []time.Duration
		ends    [2]time.Duration
		starts  [3]time.Duration // of #2, #3 and #4
	}{
		{"staggered", []time.Duration{200 * time.Microsecond}, [2]time.Duration{sec(0.101), sec(0.1012)}, [3]time.Duration{sec(0.202), sec(0.101), sec(0.1012)}},
		{"at one instant", nil, [2]time.Duration{sec(0.101), sec(0.101)}, [3]time.Duration{sec(0.101), sec(0.101), sec(0.202)}},
	} {
		s := spread
		s.WakeStagger = tc.stagger
		s.WakeStaggerAt = make([]time.Duration, len(tc.stagger))
		got := replicaRequests(t, in, s)
		for i, want := range tc.ends {
			if got[i].Finished != want {
				t.Errorf("%s: #%d ended at %v, want %v", tc.name, i, got[i].Finished, want)
			}
		}
		for i, want := range tc.starts {
			if got[i+2].Started != want {
				t.Errorf("%s: #%d started at %v, want %v", tc.name, i+2, got[i+2].Started, want)
			}
		}
	}
}

// Three sleeps of 100 ms on three slots, started at 0, 1 and 1.5 ms, and
// a 1 ms overshoot. The first's wake comes at 0.101 s, the very instant
// the second comes due: that wake fires the second's timer, and it ends
// one 0.2 ms step later, at 0.1012 s, arming no wake of its own. The
// third comes due at 0.1015 s with no wake armed and draws its own, at
// 0.1025 s. Had the second also armed a wake as it came due, at 0.102 s,
// the third would have ended there.
func TestASleepWhoseTimerAWakeFiredArmsNoWakeOfItsOwn(t *testing.T) {
	in := Input{Arrivals: at(0, 0.001, 0.0015), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 3, Queue: -1}}}
	got := replicaRequests(t, in, Spread{SleepTimers: true, Overshoot: []time.Duration{time.Millisecond},
		OvershootQuiet: []time.Duration{sec(0.1)}, WakeStagger: []time.Duration{200 * time.Microsecond},
		WakeStaggerAt: []time.Duration{0}})
	for i, want := range []time.Duration{sec(0.101), sec(0.1012), sec(0.1025)} {
		if got[i].Outcome != outcome.OK || got[i].Finished != want {
			t.Errorf("#%d: %s at %v, want ok at %v", i, got[i].Outcome, got[i].Finished, want)
		}
	}
}
