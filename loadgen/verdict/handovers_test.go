package verdict

import (
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

func servedTurn(slot string, turn int, arrived, start, end float64) *Served {
	s := served(slot, arrived, start, end)
	s.Turn = turn
	return s
}

// On slot-0, turns 1, 2 and 4 answered; turn 3 timed out, so its answer
// was lost: from turn 2's end to turn 4's start is turn 3's whole work,
// not a hand-over. Between turn 1's end (1 s) and turn 2's start
// (1.0003 s), nothing was refused: a hand-over alone of 0.3 ms. On slot-1,
// the server refused two waiters (at 3.10015 and 3.1002 s) between turn
// 7's end at 3.1 s and turn 8's start at 3.1005 s: 0.2 ms more than the
// mean alone (0.3 ms), or 0.1 ms a refusal.
func TestAHandOverIsBetweenConsecutiveTurnsAndEachRefusalBeforeItAddsToIt(t *testing.T) {
	measured := []Measured{
		{Seq: 0, Served: servedTurn("slot-0", 1, 0, 0, 1)},
		{Seq: 1, Served: servedTurn("slot-0", 2, 0.5, 1.0003, 2.0003)},
		{Seq: 2, Served: servedTurn("slot-0", 4, 1.5, 3.0005, 4)},
		{Seq: 3, Served: servedTurn("slot-1", 7, 2, 2.1, 3.1)},
		{Seq: 4, Served: servedTurn("slot-1", 8, 3, 3.1005, 4.1)},
		{Seq: 5, Refused: at(3.10015)},
		{Seq: 6, Refused: at(3.1002)},
	}
	h := HandOvers(measured)
	if !durationsNear(h.Alone, []time.Duration{300 * time.Microsecond}) || !durationsNear([]time.Duration{h.PerRefusal}, []time.Duration{100 * time.Microsecond}) ||
		len(h.AfterRefusals) != 1 || !durationsNear(h.AfterRefusals[2], []time.Duration{500 * time.Microsecond}) {
		t.Errorf("alone %v, per refusal %v, after refusals %v; want [300µs], 100µs and {2: [500µs]}", h.Alone, h.PerRefusal, h.AfterRefusals)
	}
}

// On slot-0, turn 2's client left during its work, which the server
// stopped at 2 s, and its passage said where that work ran (Stopped). It
// was handed the slot 3.2 ms after turn 1's end at 1 s, past three
// refusals: a hand-over after 3 refusals. Its own hand-over to turn 3,
// 0.5 ms after its stop, does not count. On slot-1, a hand-over alone
// took 0.1 ms: (3.2 − 0.1) / 3 ms a refusal. Without its passage, turn 2
// leaves a gap in slot-0's turns, and only slot-1's counts.
func TestAWorkWhoseClientLeftIsHandedItsSlotAndDoesNotCountHandingItOn(t *testing.T) {
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Served: servedTurn("slot-0", 1, 0, 0, 1)},
		{Seq: 1, Outcome: outcome.Timeout, Stopped: servedTurn("slot-0", 2, 0.5, 1.0032, 2)},
		{Seq: 2, Outcome: outcome.OK, Served: servedTurn("slot-0", 3, 1.5, 2.0005, 3.0005)},
		{Seq: 3, Refused: at(1.0001)},
		{Seq: 4, Refused: at(1.0002)},
		{Seq: 5, Refused: at(1.0003)},
		{Seq: 6, Outcome: outcome.OK, Served: servedTurn("slot-1", 1, 5, 5, 6)},
		{Seq: 7, Outcome: outcome.OK, Served: servedTurn("slot-1", 2, 5.5, 6.0001, 7)},
	}
	h := HandOvers(measured)
	if !durationsNear(h.Alone, []time.Duration{100 * time.Microsecond}) || len(h.AfterRefusals) != 1 ||
		!durationsNear(h.AfterRefusals[3], []time.Duration{3200 * time.Microsecond}) ||
		!durationsNear([]time.Duration{h.PerRefusal}, []time.Duration{3100 * time.Microsecond / 3}) {
		t.Errorf("alone %v, after refusals %v, per refusal %v; want [100µs], {3: [3.2ms]} and 1.033ms", h.Alone, h.AfterRefusals, h.PerRefusal)
	}
	measured[1].Stopped = nil
	if h := HandOvers(measured); !durationsNear(h.Alone, []time.Duration{100 * time.Microsecond}) || h.AfterRefusals != nil {
		t.Errorf("without the passage: alone %v, after refusals %v; want [100µs] and none", h.Alone, h.AfterRefusals)
	}
}

// Each request reached the gate 0.01 s after its send, which the schedule
// placed at its arrival on the server's clock less 0.01 s: a work that
// ended 0.99 s after its arrival ended then on the schedule's clock too.
// Slot-0 handed over at 1.5 s (0.1 ms), slot-1 at 1.2 s (0.3 ms): the
// hand-overs come in order of when they began, slot-1's first, with those
// instants beside them; where one is untimed, in order of length.
func TestAHandOverIsPlacedOnTheSchedulesClockWhereTheServerTimedItsArrival(t *testing.T) {
	gated := func(seq int, s *Served) Measured {
		sent := time.Duration((s.Arrived.Sub(at(0)).Seconds() - 0.01) * float64(time.Second))
		return Measured{Seq: seq, Scheduled: sent, ToGate: 10 * time.Millisecond, Served: s}
	}
	measured := []Measured{
		gated(0, servedTurn("slot-0", 1, 0.51, 0.51, 1.5)),
		gated(1, servedTurn("slot-0", 2, 1.0, 1.5001, 2.5001)),
		gated(2, servedTurn("slot-1", 1, 0.21, 0.21, 1.2)),
		gated(3, servedTurn("slot-1", 2, 0.7, 1.2003, 2.2003)),
	}
	h := HandOvers(measured)
	if !durationsNear(h.Alone, []time.Duration{300 * time.Microsecond, 100 * time.Microsecond}) ||
		!durationsNear(h.AloneAt, []time.Duration{1200 * time.Millisecond, 1500 * time.Millisecond}) {
		t.Errorf("alone %v at %v, want [300µs 100µs] at [1.2s 1.5s]", h.Alone, h.AloneAt)
	}
	measured[2].ToGate = 0 // slot-1's first work untimed: no hand-over is placed
	if h := HandOvers(measured); h.AloneAt != nil || !durationsNear(h.Alone, []time.Duration{100 * time.Microsecond, 300 * time.Microsecond}) {
		t.Errorf("with an untimed arrival: alone %v at %v, want [100µs 300µs] and no instants", h.Alone, h.AloneAt)
	}
}
