package verdict

import (
	"slices"
	"testing"
	"time"
)

// A sleep due at 1 s that ended at 1.0005 s was cut by another request's
// accept, arrival or refusal at 1.00036 s to 1.0005 s (within WakeCut of
// its end), not by its own request's, nor by one 151 µs before its end; a
// sleep that ended 0.1 ms after it came due, not by a wake before it came
// due.
func TestASleepIsCutByAnotherRequestsWakeJustBeforeItsEnd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		wake    Measured
		end     float64
		wantCut bool
	}{
		{"another's arrival at the end", Measured{Seq: 1, Served: &Served{Arrived: at(1.0005)}}, 1.0005, true},
		{"another's accept 140 µs before the end", Measured{Seq: 1, Served: &Served{Accepted: at(1.00036)}}, 1.0005, true},
		{"another's refusal 100 µs before the end", Measured{Seq: 1, Refused: at(1.0004)}, 1.0005, true},
		{"another's 151 µs before the end", Measured{Seq: 1, Served: &Served{Arrived: at(1.000349)}}, 1.0005, false},
		{"its own", Measured{Seq: 0, Served: &Served{Arrived: at(1.0004)}}, 1.0005, false},
		{"another's before it came due", Measured{Seq: 1, Served: &Served{Arrived: at(0.99999)}}, 1.0001, false},
		{"another's after the end", Measured{Seq: 1, Served: &Served{Arrived: at(1.00051)}}, 1.0005, false},
	} {
		wakes := serverWakes([]Measured{tc.wake})
		if got := cutByWake(wakes, 0, at(1), at(tc.end)); got != tc.wantCut {
			t.Errorf("%s: cut %v, want %v", tc.name, got, tc.wantCut)
		}
	}
	both := serverWakes([]Measured{{Seq: 2, Served: &Served{Accepted: at(2), Arrived: at(1)}}, {Seq: 3}})
	if len(both) != 2 || !both[0].t.Equal(at(1)) || !both[1].t.Equal(at(2)) {
		t.Errorf("an ok request's wakes %v, want its arrival and its accept, in order, and none of a request untimed", both)
	}
}

// Four ok requests of 1 s work. #0's sleep, due at 1 s, ended at
// 1.0005 s, 0.1 ms after #3's connection was accepted: cut. The others
// overshot 0.2, 0.7 and 0.9 ms with no wake before their ends.
func TestTheOvershootsSayWhichSleepsAWakeCut(t *testing.T) {
	measured := []Measured{
		{Seq: 0, Served: &Served{Arrived: at(0), Start: at(0), End: at(1.0005)}},
		{Seq: 1, Served: &Served{Arrived: at(2), Start: at(2), End: at(3.0002)}},
		{Seq: 2, Served: &Served{Arrived: at(4), Start: at(4), End: at(5.0007)}},
		{Seq: 3, Served: &Served{Accepted: at(1.0004), Arrived: at(1.0004), Start: at(6), End: at(7.0009)}},
	}
	byQuiet, _ := overshoots(measured, sameWork(time.Second), 4, true)
	var overs []time.Duration
	for _, s := range byQuiet {
		overs = append(overs, s.d)
	}
	us := time.Microsecond
	if want := []time.Duration{500 * us, 200 * us, 700 * us, 900 * us}; !durationsNear(overs, want) {
		t.Errorf("overshoots %v, want %v", overs, want)
	}
	if got, want := cuts(byQuiet), []bool{true, false, false, false}; !slices.Equal(got, want) {
		t.Errorf("cut %v, want %v", got, want)
	}
}

// Three sleeps of 1 s came due at 1.0, 1.0002 and 1.0003 s. The first
// ended at 1.0004 s, at its own wake; the second 50 µs after it, at that
// wake too (it came due before it), so its 0.25 ms is no wake's lateness
// and is left out; the third 1.1 ms later, at a wake of its own.
func TestASleepThatEndedAtAnEarlierOnesWakeGivesNoOvershoot(t *testing.T) {
	measured := []Measured{
		{Seq: 0, Served: served("slot-0", 0, 0, 1.0004)},
		{Seq: 1, Served: served("slot-1", 0, 0.0002, 1.00045)},
		{Seq: 2, Served: served("slot-2", 0, 0.0003, 1.0015)},
	}
	byQuiet, _ := overshoots(measured, sameWork(time.Second), 3, true)
	var got []time.Duration
	for _, q := range byQuiet {
		got = append(got, q.d)
	}
	slices.Sort(got)
	if want := []time.Duration{400 * time.Microsecond, 1200 * time.Microsecond}; !durationsNear(got, want) {
		t.Errorf("overshoots %v, want %v", got, want)
	}
}
