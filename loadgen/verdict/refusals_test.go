package verdict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Two works end at 1.995 and 2.0 s, one turn. Four waiters of 100 ms
// work, sent at 96 to 99 ms with a 2 s timeout, became hopeless at 1.996
// to 1.999 s: the turn's first refusing release is the one at 2.0 s. In
// the queue's order, #2 was refused 3 ms after it; #3's client gave up at
// 2.097 s and its goroutine ran only at 2.1 s, 100 ms after it; #4 was
// refused 1 ms after it. #5 timed out too, but it reached the gate after
// the last waiter that was refused: nothing says it was refused then. #6
// was refused at once, before any release.
func TestARefusalStormRanksItsWaitersInTheQueuesOrder(t *testing.T) {
	ms := time.Millisecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, ToGate: ms, Served: served("slot-0", 0, 0, 1.994)},
		{Seq: 1, Outcome: outcome.OK, ToGate: ms, Served: served("slot-1", 0, 0, 1.999)},
		{Seq: 2, Scheduled: 96 * ms, ToGate: 104 * ms, Outcome: outcome.HTTP503, Refused: at(2.003), Decided: 1803 * ms},
		{Seq: 3, Scheduled: 97 * ms, ToGate: 113 * ms, Outcome: outcome.Timeout, Left: 2003 * ms},
		{Seq: 4, Scheduled: 98 * ms, ToGate: 122 * ms, Outcome: outcome.HTTP503, Refused: at(2.001), Decided: 1781 * ms},
		{Seq: 5, Scheduled: 99 * ms, ToGate: 201 * ms, Outcome: outcome.Timeout, Left: 2010 * ms},
		{Seq: 6, Scheduled: time.Second, ToGate: ms, Outcome: outcome.HTTP503, Refused: at(1.001), Decided: 100 * time.Microsecond},
	}
	storms := refusalStorms(measured, func(int) time.Duration { return 100 * ms }, 2*time.Second)
	if len(storms) != 1 || storms[0].At != 2*time.Second ||
		!durationsNear(storms[0].Delays, []time.Duration{3 * ms, 100 * ms, ms}) {
		t.Errorf("storms %+v; want one at 2s of delays [3ms 100ms 1ms]", storms)
	}
}
