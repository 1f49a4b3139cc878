package predict

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// What the replicas learned from the Go runtime (Spread's PerRefusal,
// SleepTimers, OvershootQuiet, Connect and DecideDelay), each on a case
// small enough to work out by hand.

// replicaRequests runs one replica of in, perturbed by spread, and returns
// its requests by their index in the input.
func replicaRequests(t *testing.T, in Input, spread Spread) []Request {
	t.Helper()
	if err := validate(in); err != nil {
		t.Fatal(err)
	}
	e, order := newReplica(in, spread, rand.New(rand.NewPCG(1, 0)), &buffers{})
	e.run()
	out := make([]Request, len(order))
	for j, q := range e.result().Requests {
		out[order[j]] = q
	}
	return out
}

func deadlineLimits(limit int) Limits {
	return Limits{Discipline: catalog.DeadlineQueue, Backlog: 4096, Settings: catalog.Settings{Limit: limit, Queue: -1}}
}

// Two slots of 400 ms work, a 500 ms client timeout. #0 and #1 (at 0) run
// to 0.4 s. Then #2 and #3 (10 and 20 ms) could not end by 0.51 and
// 0.52 s: #0's release refuses both and hands its slot to #4 (350 ms).
// Each hand-over takes 100 µs, and each refusal 50 µs more, the refused
// goroutines writing their 503s first: #4 starts at 0.4 s + 2 × 50 µs +
// 100 µs. #1's release, at the same instant, refuses none, and its waiter
// #5 (360 ms), woken last, runs before the refused goroutines (Go's
// runnext): it starts 100 µs after 0.4 s, before #4.
func TestAWaiterHandedASlotStartsAfterTheRefusalsOfItsRelease(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 0, 10 * ms, 20 * ms, 350 * ms, 360 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(2)}
	got := replicaRequests(t, in, Spread{WakeDelay: []time.Duration{100 * us}, PerRefusal: 50 * us})
	for i, want := range []struct {
		o       outcome.Outcome
		started time.Duration
	}{{outcome.OK, 0}, {outcome.OK, 0}, {outcome.HTTP503, Never}, {outcome.HTTP503, Never},
		{outcome.OK, 400*ms + 200*us}, {outcome.OK, 400*ms + 100*us}} {
		if got[i].Outcome != want.o || got[i].Started != want.started {
			t.Errorf("#%d: %s, started %v; want %s, started %v", i, got[i].Outcome, got[i].Started, want.o, want.started)
		}
	}
}

// The same, but the run measured its hand-overs after two refusals
// (AfterRefusals): one of 400 µs, 300 µs more than the mean of those after
// none. The refusals hold #4, handed at the release that refused them,
// that much instead of 2 × 50 µs: it starts at 0.4 s + 300 µs + 100 µs.
// #5, handed at a release that refused none, starts 100 µs after 0.4 s.
func TestAWaiterHandedASlotAfterRefusalsWaitsAsTheRunsDid(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 0, 10 * ms, 20 * ms, 350 * ms, 360 * ms}, Service: 400 * ms,
		ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(2)}
	got := replicaRequests(t, in, Spread{WakeDelay: []time.Duration{100 * us}, PerRefusal: 50 * us,
		AfterRefusals: map[int][]time.Duration{2: {400 * us}}})
	for i, started := range map[int]time.Duration{4: 400*ms + 400*us, 5: 400*ms + 100*us} {
		if got[i].Outcome != outcome.OK || got[i].Started != started {
			t.Errorf("#%d: %s, started %v; want ok, started %v", i, got[i].Outcome, got[i].Started, started)
		}
	}
}

// Two slots of 400 ms work, a 500 ms client timeout, hand-overs of
// 100 µs and 50 µs a refusal. #0 ends at 0.4 s: its release refuses #2,
// whose 503 is written by 0.40005 s, and hands #3 its slot at 0.40015 s
// (#3 then ends after its client's deadline of 0.8 s and times out). #1
// ends 20 µs later, while that 503 is still being written: its release
// refuses #4 (its deadline 0.80001 s, before 0.40002 + 0.4) and hands
// #5 its slot, and #5 waits for both 503s, to 0.4001 s, and 100 µs more.
func TestARefusingReleaseWaitsForTheRefusalsStillBeingWritten(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 20 * us, 10 * ms, 300 * ms, 300*ms + 10*us, 310 * ms},
		Service: 400 * ms, ClientTimeout: 500 * ms, Kernel: linux, Limits: deadlineLimits(2)}
	got := replicaRequests(t, in, Spread{WakeDelay: []time.Duration{100 * us}, PerRefusal: 50 * us})
	for i, want := range []struct {
		o       outcome.Outcome
		started time.Duration
	}{{outcome.OK, 0}, {outcome.OK, 20 * us}, {outcome.HTTP503, Never}, {outcome.Timeout, 400*ms + 150*us},
		{outcome.HTTP503, Never}, {outcome.OK, 400*ms + 200*us}} {
		if got[i].Outcome != want.o || got[i].Started != want.started {
			t.Errorf("#%d: %s, started %v; want %s, started %v", i, got[i].Outcome, got[i].Started, want.o, want.started)
		}
	}
}

// Two sleeps of 100 ms started at 0 and 1 ms, each overshooting by 2 ms:
// #0's timer fires at 102 ms. #1's came due at 101 ms, before that: the
// runtime fires it with #0's, at 102 ms, rather than at 103 ms, unless the
// work is not a timer (cpu).
func TestASleepThatCameDueWhileAnEarlierOneOvershotEndsWithIt(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, ms}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1}}}
	for _, tc := range []struct {
		timers bool
		want   time.Duration
	}{{true, 102 * ms}, {false, 103 * ms}} {
		got := replicaRequests(t, in, Spread{Overshoot: []time.Duration{2 * ms}, SleepTimers: tc.timers})
		if got[0].Finished != 102*ms || got[1].Finished != tc.want {
			t.Errorf("sleep timers %v: #0 ended at %v, #1 at %v; want 102ms and %v", tc.timers, got[0].Finished, got[1].Finished, tc.want)
		}
	}
}

// The ten samples of quietSamples (below). #0's sleep
// (0 to 100 ms) comes due with nothing ended before it: it overshoots 3 ms,
// to 103 ms. #1's (5 to 105 ms) comes due 2 ms after that: 0.1 ms.
func TestASleepOvershootsAsTheRunsDidAfterAsLongAQuiet(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 5 * ms}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1}}}
	got := replicaRequests(t, in, quietSamples())
	if got[0].Finished != 103*ms || got[1].Finished != 105*ms+100*us {
		t.Errorf("#0 ended at %v, #1 at %v; want 103ms and 105.1ms", got[0].Finished, got[1].Finished)
	}
}

// quietSamples are ten overshoot samples: five of 0.1 ms whose sleeps came
// due 1 ms after another work ended, five of 3 ms that came due 50 ms after.
func quietSamples() Spread {
	ms, us := time.Millisecond, time.Microsecond
	return Spread{
		Overshoot:      []time.Duration{100 * us, 100 * us, 100 * us, 100 * us, 100 * us, 3 * ms, 3 * ms, 3 * ms, 3 * ms, 3 * ms},
		OvershootQuiet: []time.Duration{ms, ms, ms, ms, ms, 50 * ms, 50 * ms, 50 * ms, 50 * ms, 50 * ms},
	}
}

// The same quiet samples, and two more by when their sleeps came due: 2 ms
// at 95 ms and 4 ms at 250 ms. #0's sleep comes due at 100 ms, within 20 ms
// of the first alone: it overshoots 2 ms, to 102 ms, not the 3 ms its quiet
// gives. #1's, sent at 300 ms, comes due at 400 ms with no sample of its
// moment, 300 ms after #0 ended: by quiet, 3 ms, to 403 ms.
func TestASleepOvershootsAsTheRunsSleepsOfItsMomentDid(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: []time.Duration{0, 300 * ms}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1}}}
	spread := quietSamples()
	spread.OvershootLocal = []time.Duration{2 * ms, 4 * ms}
	spread.OvershootAt = []time.Duration{95 * ms, 250 * ms}
	got := replicaRequests(t, in, spread)
	if got[0].Finished != 102*ms || got[1].Finished != 403*ms {
		t.Errorf("#0 ended at %v, #1 at %v; want 102ms and 403ms", got[0].Finished, got[1].Finished)
	}
	for name, bad := range map[string]Spread{
		"OvershootAt shorter than OvershootLocal": {OvershootLocal: spread.OvershootLocal, OvershootAt: spread.OvershootAt[:1]},
		"OvershootAt descending":                  {OvershootLocal: spread.OvershootLocal, OvershootAt: []time.Duration{250 * ms, 95 * ms}},
		"a negative OvershootLocal":               {OvershootLocal: []time.Duration{-ms, ms}, OvershootAt: spread.OvershootAt},
	} {
		if _, err := Replicate(in, bad, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.Overshoot") {
			t.Errorf("%s: error %v, want one naming the field", name, err)
		}
	}
}

// One request sent at 0 whose connect took 3 ms (SendLate 3 ms, all of it
// Connect), 98 ms of work, a 100 ms client timeout: it reaches the server
// at 3 ms and its work would end at 101 ms, but its client's timeout runs
// from the send: a timeout at 100 ms. Counted from the connect, it would
// end ok.
func TestAClientsTimeoutRunsFromItsSendNotItsConnect(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0), Service: 98 * ms, ClientTimeout: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	late := []time.Duration{3 * ms}
	got := replicaRequests(t, in, Spread{SendLate: late, Syn: late})
	if got[0].Outcome != outcome.Timeout || got[0].Finished != 100*ms {
		t.Errorf("%s at %v, want timeout at 100ms", got[0].Outcome, got[0].Finished)
	}
	if got := replicaRequests(t, in, Spread{SendLate: late}); got[0].Outcome != outcome.OK {
		t.Errorf("counted from the connect: %s, want ok", got[0].Outcome)
	}
}

// A request reaches the gate 1 ms after its connect, as the server timed
// it, and the gate decides 2 ms later still (DecideDelay): it starts at
// 3 ms.
func TestTheGateDecidesAfterTheRequestReachesIt(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0), Service: 10 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	got := replicaRequests(t, in, Spread{Reach: []time.Duration{ms}, DecideDelay: []time.Duration{2 * ms}})
	if got[0].Started != 3*ms {
		t.Errorf("started at %v, want 3ms", got[0].Started)
	}
}

// AIMD's drops are works cut short by their client, not works that end
// sooner than a drawn overshoot would have them: as in
// TestAnAIMDLimitGrowsWithRequestsThatUseIt, but #1 starts 0.5 ms after #0
// and every sleep overshoots 1 ms, so #1's timer fires with #0's at
// 101 ms, 100.5 ms after its start. The limit still grows to 3, and #4 to
// #6 run.
func TestAnAIMDLimitDoesNotTakeAnEarlyTimerForADrop(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 500 * us, 20 * ms, 30 * ms, 150 * ms, 160 * ms, 170 * ms, 180 * ms},
		Service: 100 * ms, Kernel: linux, Limits: adaptiveLimits(2, 1, 3)}
	got := replicaRequests(t, in, Spread{Overshoot: []time.Duration{ms}, SleepTimers: true})
	for i, want := range []outcome.Outcome{outcome.OK, outcome.OK, outcome.HTTP503, outcome.HTTP503,
		outcome.OK, outcome.OK, outcome.OK, outcome.HTTP503} {
		if got[i].Outcome != want {
			t.Errorf("#%d: %s, want %s", i, got[i].Outcome, want)
		}
	}
}

// Answers measured 5 ms late around 1 s and 50 ms late around 3 s (a
// stall): a replica's answer whose work ends at 1 s draws among the first,
// one ending at 3 s among the second, and one far from both (at 5 s) among
// all.
func TestAnAnswerIsAsLateAsTheRunsAnswersOfItsMoment(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 2, 4), Service: sec(1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 3, Queue: -1}}}
	got := replicaRequests(t, in, Spread{ReplyDelay: []time.Duration{5 * ms, 50 * ms}, ReplyAt: []time.Duration{sec(1), sec(3)}})
	if got[0].Finished != sec(1.005) || got[1].Finished != sec(3.05) {
		t.Errorf("answers at %v and %v, want 1.005s and 3.05s", got[0].Finished, got[1].Finished)
	}
	if f := got[2].Finished; f != sec(5.005) && f != sec(5.05) {
		t.Errorf("an answer far from every sample at %v, want 5.005s or 5.05s", f)
	}
}

// A client gives up as late after its deadline as the run's clients did:
// one request of 1.0005 s work, answered 0.1 ms after its work ends, with
// a 1.0003 s timeout: given up at the deadline, it times out at 1.0003 s,
// before its work ends; with the client's timer firing 1 ms late
// (GiveUpLate), the answer at 1.0006 s is in time. A deadline queue still
// judges by the deadline: a waiter that could end only 0.2 ms after it is
// refused either way.
func TestAClientGivesUpAsLateAsTheRunsTimersFired(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: at(0), Service: sec(1) + 500*us, ClientTimeout: sec(1) + 300*us, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	reply := []time.Duration{100 * us}
	if got := replicaRequests(t, in, Spread{ReplyDelay: reply}); got[0].Outcome != outcome.Timeout || got[0].Finished != sec(1)+300*us {
		t.Errorf("at its deadline: %s at %v, want timeout at 1.0003s", got[0].Outcome, got[0].Finished)
	}
	if got := replicaRequests(t, in, Spread{ReplyDelay: reply, GiveUpLate: []time.Duration{ms}}); got[0].Outcome != outcome.OK || got[0].Finished != sec(1)+600*us {
		t.Errorf("1 ms late: %s at %v, want ok at 1.0006s", got[0].Outcome, got[0].Finished)
	}
	// #1 waits for #0's slot until 1 s, and could end at 2 s, 0.2 ms after
	// its deadline at 1.9998 s.
	dl := Input{Arrivals: []time.Duration{0, sec(1) - 200*us}, Service: sec(1), ClientTimeout: sec(1), Kernel: linux,
		Limits: deadlineLimits(1)}
	if got := replicaRequests(t, dl, Spread{GiveUpLate: []time.Duration{ms}}); got[1].Outcome != outcome.HTTP503 {
		t.Errorf("a deadline queue with late clients: #1 %s, want http_503", got[1].Outcome)
	}
}

// A client gives up as late as the clients of its moment, and one that
// took its answer after its deadline counts as one that would have given
// up later still. As above, the answer comes 0.3 ms after the deadline at
// 1.0003 s. The run's only give-up, 0.1 ms late, came at 3 s: drawn from
// it, the client times out. A client at 1 s that took its answer 0.5 ms
// after its deadline, the only sample of that moment, makes the give-up
// 0.5 ms late, and the answer is in time. Without the moments of the
// give-ups, a stayer is not used: it may be of another moment.
func TestAClientGivesUpAsLateAsTheClientsOfItsMomentStayed(t *testing.T) {
	us := time.Microsecond
	in := Input{Arrivals: at(0), Service: sec(1) + 500*us, ClientTimeout: sec(1) + 300*us, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	reply := []time.Duration{100 * us}
	for _, tc := range []struct {
		name   string
		spread Spread
		want   outcome.Outcome
	}{
		{"a give-up of another moment", Spread{GiveUpLate: []time.Duration{100 * us}, GiveUpAt: at(3)}, outcome.Timeout},
		{"a stayer of its moment", Spread{GiveUpLate: []time.Duration{100 * us}, GiveUpAt: at(3),
			StayedLate: []time.Duration{500 * us}, StayedAt: at(1)}, outcome.OK},
		{"a stayer without the moments", Spread{GiveUpLate: []time.Duration{100 * us},
			StayedLate: []time.Duration{500 * us}, StayedAt: at(1)}, outcome.Timeout},
	} {
		tc.spread.ReplyDelay = reply
		if got := replicaRequests(t, in, tc.spread); got[0].Outcome != tc.want {
			t.Errorf("%s: %s at %v, want %s", tc.name, got[0].Outcome, got[0].Finished, tc.want)
		}
	}
}

// Without hand-overs of its own (WakeDelay), a LimitListener's accept
// loop wakes as late as the run's delays of the moment (AdmitLocal, at
// AdmitAt): limit 1, #0 sent at 0 and #1 at 0.5 s, each 3 ms late
// (AdmitDelay), #0 running 1 s. #0's close at 1.003 s wakes the loop
// after the sample taken at 1 s, within 20 ms of it, not the one taken
// at 0.2 s: #1 starts at 1.006 s with 3 ms there, at 1.403 s with 400 ms.
// With no sample within 20 ms (the second at 1.1 s), any of them.
func TestALimitListenersLoopWakesAsLateAsTheRunsDelaysOfTheMoment(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.5), Service: sec(1), Kernel: linux,
		Limits: oneLimitListenerSlot()}
	for _, tc := range []struct {
		local   []time.Duration // at 0.2 s and at
		at      time.Duration
		started time.Duration
	}{
		{[]time.Duration{400 * ms, 3 * ms}, time.Second, 1006 * ms},
		{[]time.Duration{3 * ms, 400 * ms}, time.Second, 1403 * ms},
	} {
		got := replicaRequests(t, in, Spread{AdmitDelay: []time.Duration{3 * ms},
			AdmitLocal: tc.local, AdmitAt: []time.Duration{200 * ms, tc.at}})
		if got[0].Started != 3*ms || got[1].Started != tc.started {
			t.Errorf("delays %v: #0 started at %v, #1 at %v; want 3ms and %v", tc.local, got[0].Started, got[1].Started, tc.started)
		}
	}
	got := replicaRequests(t, in, Spread{AdmitDelay: []time.Duration{3 * ms},
		AdmitLocal: []time.Duration{3 * ms, 400 * ms}, AdmitAt: []time.Duration{200 * ms, 1100 * ms}})
	if s := got[1].Started; s != 1006*ms && s != 1403*ms {
		t.Errorf("no delay of the moment: #1 started at %v, want 1.006 s or 1.403 s", s)
	}
}

// fasthttp with one place, 100 ms sleeps that overshoot 1 ms, none of
// the run's cut by a wake (Spread.OvershootCut). #1 connects at 100.5 ms,
// after #0's sleep came due: its accept wakes the server, which refuses
// it, the place being #0's, and then fires #0's due timer. #0 ends at
// 100.5 ms, not 101 ms, and #2 at 100.7 ms finds the place free. Where the
// work is not a timer (cpu), or the run did not say which sleeps a wake
// cut, #0 ends at 101 ms and #2 is refused too.
func TestAnAcceptEndsTheSleepsThatCameDueBeforeIt(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: []time.Duration{0, 100*ms + 500*us, 100*ms + 700*us}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	for _, tc := range []struct {
		timers bool
		cut    []bool
		ended  time.Duration
		third  outcome.Outcome
	}{{true, []bool{false}, 100*ms + 500*us, outcome.OK}, {false, []bool{false}, 101 * ms, outcome.HTTP503},
		{true, nil, 101 * ms, outcome.HTTP503}} {
		got := replicaRequests(t, in, Spread{Overshoot: []time.Duration{ms}, OvershootCut: tc.cut, SleepTimers: tc.timers})
		if got[0].Finished != tc.ended || got[1].Outcome != outcome.HTTP503 || got[2].Outcome != tc.third {
			t.Errorf("sleep timers %v, cut %v: #0 ended at %v, #1 %s, #2 %s; want %v, http_503, %s", tc.timers, tc.cut,
				got[0].Finished, got[1].Outcome, got[2].Outcome, tc.ended, tc.third)
		}
	}
}

// fasthttp with one place reads its request 1 ms after the accept
// (Spread.ReadHold) and sleeps 100 ms. #0's overshoot was cut at 0.2 ms
// in the run, and the uncut one was 0.9 ms: a replica gives the cut one
// 0.9 ms, so #0 ends at 101.9 ms whichever it draws. #1 reaches the
// handler at 101.5 ms, after #0's sleep came due, and its read wakes the
// server, which ends #0 then. A semaphore's replicas draw the overshoots
// as measured and end no sleep at an arrival: #0 ends at 100.2 or
// 100.9 ms, alone or with #1 arriving at 100.5 ms.
func TestAFasthttpReplicaEndsASleepAsItsOwnTimerOrAWakeWould(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	spread := Spread{SendLate: []time.Duration{0, 0}, Overshoot: []time.Duration{200 * us, 900 * us},
		OvershootCut: []bool{true, false}, SleepTimers: true, ReadHold: []time.Duration{ms}}
	fast := Input{Arrivals: []time.Duration{0, 200 * ms}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 2}}}
	reps, err := Replicate(fast, spread, ReplicaOptions{N: 8, Seed: 1, NoBand: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reps.Runs {
		if r.OKLatency[0] != 101*ms+900*us {
			t.Errorf("fasthttp, replica %d: ok p50 %v, want 101.9ms", i, r.OKLatency[0])
		}
	}
	fast.Arrivals = []time.Duration{0, 100*ms + 500*us}
	if got := replicaRequests(t, fast, spread.withNaturalOvershoots(catalog.RejectBeyond)); got[0].Finished != 101*ms+500*us {
		t.Errorf("fasthttp: #0 ended at %v, want 101.5ms, with #1's read", got[0].Finished)
	}
	queue := Input{Arrivals: []time.Duration{0}, Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: -1}}}
	spread.ReadHold, spread.SendLate = nil, []time.Duration{0}
	reps, err = Replicate(queue, spread, ReplicaOptions{N: 16, Seed: 1, NoBand: true})
	if err != nil {
		t.Fatal(err)
	}
	latencies := map[time.Duration]bool{}
	for _, r := range reps.Runs {
		latencies[r.OKLatency[0]] = true
	}
	if len(latencies) != 2 || !latencies[100*ms+200*us] || !latencies[100*ms+900*us] {
		t.Errorf("semaphore, alone: ok in %v, want 100.2ms and 100.9ms", latencies)
	}
	queue.Arrivals = []time.Duration{0, 100*ms + 500*us}
	spread.SendLate = []time.Duration{0, 0}
	ends := map[time.Duration]bool{}
	for seed := range 16 {
		e, _ := newReplica(queue, spread, rand.New(rand.NewPCG(uint64(seed), 0)), &buffers{})
		e.run()
		ends[e.result().Requests[0].Finished] = true
	}
	if len(ends) != 2 || !ends[100*ms+200*us] || !ends[100*ms+900*us] {
		t.Errorf("semaphore: #0 ended at %v, want 100.2ms and 100.9ms", ends)
	}
}
