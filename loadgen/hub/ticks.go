package hub

import "math"

// laggingTicks is how far a worker's latest tick may trail the newest of
// any worker's before the sums stop waiting for it: a sampling period, as
// StatusEvery is a quarter of one (at most 250 ms: 1 s where the period
// is longer). A worker that falls further behind (its stream stalled, or
// its node is going away) adds its latest counters, as it did before the
// ticks, and the others' go on.
const laggingTicks = 4

// keptTicks is how many of its latest ticks a slot keeps: enough for a
// sum that waits for a worker laggingTicks behind.
const keptTicks = 2 * laggingTicks

// tickCounts are a worker's counters read at one tick of the grid.
type tickCounts struct {
	tick   int64
	counts []Counts
}

// remember keeps the slot's counters of tick (h.mu held).
func (s *slot) remember(tick int64, counts []Counts) {
	if len(s.ticks) == keptTicks {
		s.ticks = append(s.ticks[:0], s.ticks[1:]...)
	}
	s.ticks = append(s.ticks, tickCounts{tick: tick, counts: append([]Counts(nil), counts...)})
}

// sending is whether the slot's counters still change: its stream is open
// and has not sent its final frame.
func (s *slot) sending() bool { return s.streaming && !s.final && !s.ended }

// lastTick is the slot's latest tick, 0 before its first.
func (s *slot) lastTick() int64 {
	if len(s.ticks) == 0 {
		return 0
	}
	return s.ticks[len(s.ticks)-1].tick
}

// countsAt are the slot's counters as of tick at: those of its latest tick
// not after at, or its latest counters when at is past its last tick (a
// slot that has ended) or it has none (not on the grid yet).
func (s *slot) countsAt(at int64) []Counts {
	if len(s.ticks) == 0 || at > s.lastTick() {
		return s.counts
	}
	for j := len(s.ticks) - 1; j >= 0; j-- {
		if s.ticks[j].tick <= at {
			return s.ticks[j].counts
		}
	}
	return s.ticks[0].counts // at is older than any it keeps
}

// sumLocked makes every target's counters the sum of its workers'
// counters read at one instant: the latest tick that every worker still
// sending, and not laggingTicks behind, has reported. A worker's own
// latest counters, read at whichever instant it last reported, sum with
// another's read a tick later to a count of requests in flight that may
// never have been in flight at once: one worker's requests have ended and
// another's have been sent since.
// Such a sum put a 3-worker swarm run of the quick scenario 1 above the
// predicted band of client in-flight requests (h.mu held).
func (h *Hub) sumLocked() {
	newest := int64(0)
	for _, s := range h.slots {
		if s.sending() {
			newest = max(newest, s.lastTick())
		}
	}
	at := int64(math.MaxInt64)
	for _, s := range h.slots {
		if s.sending() && newest-s.lastTick() <= laggingTicks {
			at = min(at, s.lastTick())
		}
	}
	for i, t := range h.targets {
		t.sum(h.slots, i, at)
	}
}
