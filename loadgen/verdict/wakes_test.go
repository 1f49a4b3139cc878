package verdict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
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
	byQuiet, _ := overshoots(measured, timedWorks(measured, sameWork(time.Second), 4, 0), true)
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
	byQuiet, _ := overshoots(measured, timedWorks(measured, sameWork(time.Second), 3, 0), true)
	var got []time.Duration
	for _, q := range byQuiet {
		got = append(got, q.d)
	}
	slices.Sort(got)
	if want := []time.Duration{400 * time.Microsecond, 1200 * time.Microsecond}; !durationsNear(got, want) {
		t.Errorf("overshoots %v, want %v", got, want)
	}
}

// Works of 1 s and a client timeout of 2 s. #0 ended ok 0.5 ms late. #1's
// client, sent at 0.5 s, gave up during its work, which came due at 2.4 s,
// before the client could leave, and ended 6.2 ms later: that is its
// timer's wake, an overshoot like any ok one's, placed on the server's
// clock by #0's arrival. #2's client left before its work came due, so its
// end is no timer's, but it is the last work to end before #3's came due.
func TestAWorkWhoseClientGaveUpAfterItCameDueGivesItsOvershoot(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	measured := []Measured{
		{Seq: 0, ToGate: ms(1), Served: served("slot-0", 0.001, 0.001, 1.0015)},
		{Seq: 1, Scheduled: ms(500), Outcome: outcome.Timeout, Latency: ms(2001), StartedLeft: ms(900), Left: ms(1906.2)},
		{Seq: 2, Scheduled: ms(3000), Outcome: outcome.Timeout, Latency: ms(2001), StartedLeft: ms(1500), Left: ms(2003)},
		{Seq: 3, Scheduled: ms(5000), ToGate: ms(10), Served: served("slot-0", 5.01, 5.01, 6.0102)},
	}
	byQuiet, byTime := overshoots(measured, timedWorks(measured, sameWork(time.Second), 4, 2*time.Second), true)
	var overs, quiets, ats []time.Duration
	for _, q := range byQuiet {
		overs, quiets = append(overs, q.d), append(quiets, q.at)
	}
	for _, q := range byTime {
		ats = append(ats, q.at)
	}
	if want := []time.Duration{ms(0.5), ms(0.2), ms(6.2)}; !durationsNear(overs, want) {
		t.Errorf("overshoots %v, want %v: the ok works', then #1's", overs, want)
	}
	if want := []time.Duration{time.Hour, ms(1007), ms(1398.5)}; !durationsNear(quiets, want) {
		t.Errorf("quiets %v, want %v: #3's after #2's stop at 5.003 s", quiets, want)
	}
	if want := []time.Duration{ms(1001), ms(6010), ms(2400)}; !durationsNear(ats, want) {
		t.Errorf("due on the schedule's clock %v, want %v", ats, want)
	}
}

// Four works of 1 s, timed by the server, each reaching the gate 1 ms
// after its send (at 0, 0.1, 0.2 and 0.8 ms). #0's sleep came due at
// 1.0 s and its wake came at 1.0004 s, where it ended; #1 and #2 came due
// before that wake and ended 0.12 and 0.30 ms after it, one after the
// other: staggers of 0.12 and 0.18 ms, at the wake's 1.0014 s on the
// schedule's clock. #3 came due at 1.0008 s, after every end of that
// wake, and ended at a wake of its own: no stagger.
func TestTheSleepsOfOneWakeGiveHowMuchLaterEachEndedThanTheOneBefore(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	measured := []Measured{
		{Seq: 0, ToGate: ms(1), Served: served("slot-0", 0, 0, 1.0004)},
		{Seq: 1, Scheduled: ms(0.1), ToGate: ms(1), Served: served("slot-1", 0.0001, 0.0001, 1.00052)},
		{Seq: 2, Scheduled: ms(0.2), ToGate: ms(1), Served: served("slot-2", 0.0002, 0.0002, 1.0007)},
		{Seq: 3, Scheduled: ms(0.8), ToGate: ms(1), Served: served("slot-3", 0.0008, 0.0008, 1.0013)},
	}
	got := wakeStaggers(sleepWakes(timedWorks(measured, sameWork(time.Second), 4, 0)))
	var staggers, ats []time.Duration
	for _, s := range got {
		staggers, ats = append(staggers, s.d), append(ats, s.at)
	}
	if want := []time.Duration{ms(0.12), ms(0.18)}; !durationsNear(staggers, want) {
		t.Errorf("staggers %v, want %v", staggers, want)
	}
	if want := []time.Duration{ms(1001.4), ms(1001.4)}; !durationsNear(ats, want) {
		t.Errorf("at %v, want %v", ats, want)
	}
}
