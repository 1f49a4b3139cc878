package predict

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// One slot of 400 ms work, a 500 ms client timeout. #0 runs to 0.4 s.
// #1 and #2 (10 and 20 ms) could not end by 0.51 and 0.52 s: the release
// at 0.4 s refuses both and hands the slot to #3 (350 ms). The run's
// storm of that moment ran its first waiter's goroutine 150 ms after the
// release and its second's 50 ms after it: #1's client gives up at
// 0.51 s, before its 503 is written, and times out; #2 gets its 503 at
// 0.45 s.
func TestARefusedWaiterWhoseGoroutineRunsAfterItsClientGaveUpTimesOut(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 10 * ms, 20 * ms, 350 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(1)}
	got := replicaRequests(t, in, Spread{RefusalStorms: []RefusalStorm{{At: 400 * ms, Delays: []time.Duration{150 * ms, 50 * ms}}}})
	for i, want := range []struct {
		o        outcome.Outcome
		finished time.Duration
	}{{outcome.OK, 400 * ms}, {outcome.Timeout, 510 * ms}, {outcome.HTTP503, 450 * ms}, {outcome.OK, 800 * ms}} {
		if got[i].Outcome != want.o || got[i].Finished != want.finished {
			t.Errorf("#%d: %s at %v; want %s at %v", i, got[i].Outcome, got[i].Finished, want.o, want.finished)
		}
	}
}

// The same, but the run's only storm came at 5 s, far from this release:
// its ranks (0 and 1 ms) say nothing of this turn, and each refusal waits
// PerRefusal (150 ms) for each one refused before it in the turn. #1's
// 503 is written at once, at 0.4 s; #2's at 0.55 s, after its client gave
// up at 0.52 s.
func TestWithoutAStormOfTheMomentEachRefusalWaitsForTheOnesBeforeIt(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 10 * ms, 20 * ms, 350 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(1)}
	got := replicaRequests(t, in, Spread{PerRefusal: 150 * ms,
		RefusalStorms: []RefusalStorm{{At: 5 * time.Second, Delays: []time.Duration{0, ms}}}})
	for i, want := range []struct {
		o        outcome.Outcome
		finished time.Duration
	}{{outcome.HTTP503, 400 * ms}, {outcome.Timeout, 520 * ms}} {
		if r := got[i+1]; r.Outcome != want.o || r.Finished != want.finished {
			t.Errorf("#%d: %s at %v; want %s at %v", i+1, r.Outcome, r.Finished, want.o, want.finished)
		}
	}
}

// Two slots of 400 ms work and a 500 ms client timeout: #0 (at 0) ends at
// 0.4 s, #1 (at 3 or 7 ms) 3 or 7 ms later. #2 (10 ms) is hopeless at
// 0.4 s: the first release refuses it, rank 0 of the run's storm, written
// 10 ms later. #3 (300 ms, due by 0.8 s) can still end in time: that
// release hands it the slot. #4 (301 ms, due by 0.801 s) becomes hopeless
// only at the second release. 3 ms after the first, that release is of
// the same turn: #4 is rank 1, written 150 ms after the turn's first
// refusal, at 0.55 s. 7 ms after it, the release starts a turn of its
// own: #4 is rank 0 of it, written 10 ms after it.
func TestARefusingReleaseWithinStormJoinOfTheFirstRanksOnInTheSameTurn(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		second, written time.Duration
	}{{3 * ms, 550 * ms}, {7 * ms, 417 * ms}} {
		in := Input{Arrivals: []time.Duration{0, c.second, 10 * ms, 300 * ms, 301 * ms}, Service: 400 * ms,
			ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(2)}
		got := replicaRequests(t, in, Spread{RefusalStorms: []RefusalStorm{{At: 400 * ms, Delays: []time.Duration{10 * ms, 150 * ms}}}})
		for i, want := range []struct {
			o        outcome.Outcome
			finished time.Duration
		}{{outcome.HTTP503, 410 * ms}, {outcome.OK, 800 * ms}, {outcome.HTTP503, c.written}} {
			if r := got[i+2]; r.Outcome != want.o || r.Finished != want.finished {
				t.Errorf("second release at %v: #%d: %s at %v; want %s at %v", 400*ms+c.second, i+2, r.Outcome, r.Finished, want.o, want.finished)
			}
		}
	}
}

// A refused waiter stays in the queue's gauge until its goroutine writes
// its 503: the server's gauge counts it until its handler returns. One
// slot: #1 and #2 are refused at 0.4 s and written 10 and 50 ms later.
func TestARefusedWaiterIsQueuedUntilItsRefusalIsWritten(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 10 * ms, 20 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(1), Step: 5 * ms}
	e, _ := newReplica(in, Spread{RefusalStorms: []RefusalStorm{{At: 400 * ms, Delays: []time.Duration{10 * ms, 50 * ms}}}},
		rand.New(rand.NewPCG(1, 0)), &buffers{})
	e.run()
	series, err := e.series()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at     float64
		queued int
	}{{0.405, 2}, {0.42, 1}, {0.45, 0}} {
		if q := pointAt(t, Result{Series: series}, c.at).Queued; q != c.queued {
			t.Errorf("queued at %vs: %d, want %d", c.at, q, c.queued)
		}
	}
}
