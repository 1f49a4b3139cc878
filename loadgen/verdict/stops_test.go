package verdict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Works of 1 s and a client timeout of 2 s. #0's client, sent at 0.5 s,
// left at 2.5 s, during its work, which would have come due at 3.0 s; the
// server stopped it 7.2 ms later. #1's work came due before its client
// could leave (its end is an overshoot), #2's began after its client had
// left, #3 left while it waited, and #4 ended ok: none of them is a stop.
func TestAStopIsTheEndOfAWorkWhoseClientLeftBeforeItCameDue(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	timedOut := func(seq int, sent, started, left float64) Measured {
		return Measured{Seq: seq, Scheduled: ms(sent), Outcome: outcome.Timeout, Latency: ms(2001),
			StartedLeft: ms(started), Left: ms(left)}
	}
	measured := []Measured{
		timedOut(0, 500, 1500, 2007.2),
		timedOut(1, 600, 900, 1901),
		timedOut(2, 700, 2100, 2100.5),
		timedOut(3, 800, 0, 2003),
		{Seq: 4, Scheduled: ms(900), Outcome: outcome.OK, Latency: ms(1001), Served: served("slot-0", 0.9, 0.9, 1.9)},
	}
	late, at := StopsLate(measured, sameWork(time.Second), 5, 2*time.Second)
	if want := []time.Duration{ms(7.2)}; !durationsNear(late, want) {
		t.Errorf("stops %v late, want %v", late, want)
	}
	if want := []time.Duration{ms(2500)}; !slices.Equal(at, want) {
		t.Errorf("at %v, want %v: #0's client's deadline", at, want)
	}
	if late, at := StopsLate(measured, sameWork(time.Second), 5, 0); late != nil || at != nil {
		t.Errorf("without a timeout: %v at %v, want none", late, at)
	}
}
