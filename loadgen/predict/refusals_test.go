package predict

import (
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
// each refusal waits PerRefusal (150 ms) for each one refused before it in
// the turn. #1's 503 is written at once, at 0.4 s; #2's at 0.55 s, after
// its client gave up at 0.52 s.
func TestWithoutAStormOfTheMomentEachRefusalWaitsForTheOnesBeforeIt(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 10 * ms, 20 * ms, 350 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(1)}
	got := replicaRequests(t, in, Spread{PerRefusal: 150 * ms,
		RefusalStorms: []RefusalStorm{{At: 5 * time.Second, Delays: []time.Duration{0}}}})
	for i, want := range []struct {
		o        outcome.Outcome
		finished time.Duration
	}{{outcome.HTTP503, 400 * ms}, {outcome.Timeout, 520 * ms}} {
		if r := got[i+1]; r.Outcome != want.o || r.Finished != want.finished {
			t.Errorf("#%d: %s at %v; want %s at %v", i+1, r.Outcome, r.Finished, want.o, want.finished)
		}
	}
}
