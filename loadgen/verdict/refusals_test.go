package verdict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Two works end at 1.995 and 2.0 s, one turn. Waiters of 100 ms work,
// sent at 96 to 99 ms with a 2 s timeout, became hopeless at 1.996 to
// 1.999 s: the refusing release is the one at 2.0 s, and the storm starts
// there. In the queue's order, #2 was refused 3 ms after it; #3's client
// gave up at 2.097 s and its goroutine ran only at 2.1 s, 100 ms after
// it; #7's 503 was written at 2.0005 s and not read in time, so it timed
// out too; #4 was refused 1 ms after it. #5 timed out as well, but it
// reached the gate after the last waiter that was refused: nothing says it
// was refused then. #6 was refused at once, before any release.
func TestARefusalStormRanksItsWaitersInTheQueuesOrder(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, ToGate: ms, Served: served("slot-0", 0, 0, 1.994)},
		{Seq: 1, Outcome: outcome.OK, ToGate: ms, Served: served("slot-1", 0, 0, 1.999)},
		{Seq: 2, Scheduled: 96 * ms, ToGate: 104 * ms, Outcome: outcome.HTTP503, Refused: at(2.003), Decided: 1803 * ms},
		{Seq: 3, Scheduled: 97 * ms, ToGate: 113 * ms, Outcome: outcome.Timeout, Left: 2003 * ms},
		{Seq: 4, Scheduled: 98 * ms, ToGate: 122 * ms, Outcome: outcome.HTTP503, Refused: at(2.001), Decided: 1781 * ms},
		{Seq: 5, Scheduled: 99 * ms, ToGate: 201 * ms, Outcome: outcome.Timeout, Left: 2010 * ms},
		{Seq: 6, Scheduled: time.Second, ToGate: ms, Outcome: outcome.HTTP503, Refused: at(1.001), Decided: 100 * us},
		{Seq: 7, Scheduled: 98500 * us, ToGate: 116500 * us, Outcome: outcome.Timeout, Left: 1902 * ms},
	}
	storms := refusalStorms(measured, workEnds(measured), func(int) time.Duration { return 100 * ms }, 2*time.Second)
	if len(storms) != 1 || storms[0].At != 2*time.Second ||
		!durationsNear(storms[0].Delays, []time.Duration{3 * ms, 100 * ms, 500 * us, ms}) {
		t.Errorf("storms %+v; want one at 2s of delays [3ms 100ms 500µs 1ms]", storms)
	}
}

// Four works end at 1.0, 1.003, 1.007 and 1.02 s, 100 ms each, and each
// release refuses one waiter that became hopeless just before it (sent at
// 0.0999 s and so on, with a 1 s timeout), written 1 ms after it. A storm
// takes the refusing releases of predict.StormJoin (5 ms) from its first,
// as a replica's turn does: the first two are one storm, of delays 1 and
// 4 ms; the third, 7 ms after the first, starts another; the fourth too.
func TestAStormTakesTheRefusingReleasesOfStormJoinFromItsFirst(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	var measured []Measured
	for i, end := range []float64{1.0, 1.003, 1.007, 1.02} {
		measured = append(measured, Measured{Seq: 2 * i, Outcome: outcome.OK, ToGate: ms, Served: served("slot-0", 0, 0, end-0.001)})
		sent := time.Duration(end*float64(time.Second)) - 900*ms - 100*us
		measured = append(measured, Measured{Seq: 2*i + 1, Scheduled: sent, ToGate: 10 * ms, Outcome: outcome.HTTP503,
			Refused: at(1), Decided: time.Duration(end*float64(time.Second)) + ms - sent - 10*ms})
	}
	storms := refusalStorms(measured, workEnds(measured), func(int) time.Duration { return 100 * ms }, time.Second)
	want := []struct {
		at     time.Duration
		delays []time.Duration
	}{{time.Second, []time.Duration{ms, 4 * ms}}, {1007 * ms, []time.Duration{ms}}, {1020 * ms, []time.Duration{ms}}}
	if len(storms) != len(want) {
		t.Fatalf("storms %+v; want %d", storms, len(want))
	}
	for i, w := range want {
		if storms[i].At != w.at || !durationsNear(storms[i].Delays, w.delays) {
			t.Errorf("storm %d: %+v; want at %v, delays %v", i, storms[i], w.at, w.delays)
		}
	}
}

// A run whose server timed its works but refused no waiter at a release
// has no storms, and says so: an empty list, not nil, so that a replica's
// refusals take PerRefusal each.
func TestARunWithoutRefusalsHasAnEmptyListOfStorms(t *testing.T) {
	measured := []Measured{{Seq: 0, Outcome: outcome.OK, ToGate: time.Millisecond, Served: served("slot-0", 0, 0, 0.1)}}
	if storms := refusalStorms(measured, workEnds(measured), func(int) time.Duration { return 100 * time.Millisecond }, time.Second); storms == nil || len(storms) != 0 {
		t.Errorf("storms %v; want an empty list", storms)
	}
}

// A slot frees when its holder's client leaves during the work, as well
// as when a work ends. #0's work ends at 1.9 s; #1's client gave up at
// 2.0 s, 50 ms into its work, and the model stopped it then: it held the
// slot, and is no waiter of the storm. #2 (100 ms of work, sent at
// 98.5 ms with a 2 s timeout) became hopeless at 1.9985 s, after the
// first release: the release that refused it, 1 ms before its goroutine
// ran, is #1's, at 2.0 s.
func TestAReleaseByAClientThatLeftDuringItsWorkRefusesToo(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, ToGate: ms, Served: served("slot-0", 0, 0, 1.899)},
		{Seq: 1, Outcome: outcome.Timeout, ToGate: ms, StartedLeft: 1950 * ms, Left: 2 * time.Second},
		{Seq: 2, Scheduled: 98500 * us, ToGate: 10 * ms, Outcome: outcome.HTTP503, Refused: at(2.001),
			Decided: 2001*ms - 98500*us - 10*ms},
	}
	work := func(int) time.Duration { return 100 * ms }
	storms := refusalStorms(measured, releases(measured, workEnds(measured)), work, 2*time.Second)
	if len(storms) != 1 || storms[0].At != 2*time.Second || !durationsNear(storms[0].Delays, []time.Duration{ms}) {
		t.Errorf("storms %+v; want one at 2s of delays [1ms]", storms)
	}
	if storms := refusalStorms(measured, workEnds(measured), work, 2*time.Second); len(storms) != 0 {
		t.Errorf("without the client's leaving, storms %+v; want none", storms)
	}
}
