package predict

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

// knifeEdge is a limitlistener of 1 with an accept queue of one entry.
// Requests 0 and 1 are sent at 0: one runs until 1 s, the other waits in
// the accept queue and runs from 1 s to 2 s. Request 2, sent at 0.5 s,
// finds the queue full and retransmits its SYN at 1.5 s, the very instant
// request 3 sends its first SYN into the queue that request 1 left at 1 s.
//   - Retransmission first (the nominal schedule's order): request 2 runs
//     2–3 s, request 3 retransmits at 2.5 s and runs 3–4 s: all 4 ok.
//   - Request 3 first: it runs 2–3 s; request 2 gets in at its next
//     retransmission, 2.5 s, is accepted at 3 s, and its client gives up
//     at 0.5 + 2.9 = 3.4 s: 3 ok, 1 timeout.
func knifeEdge() Input {
	return Input{Arrivals: at(0, 0, 0.5, 1.5), Service: time.Second, ClientTimeout: sec(2.9), Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 0, Settings: catalog.Settings{Limit: 1}}}
}

// around gives each retransmission of the linux schedule a spread of d
// either side of its nominal offset.
func around(d time.Duration) [][2]time.Duration {
	retrans, _ := linux.SynSchedule()
	out := make([][2]time.Duration, len(retrans))
	for i, r := range retrans {
		out[i] = [2]time.Duration{r - d, r + d}
	}
	return out
}

func okRange(rs Replicas) (lo, hi int) {
	oks := make([]int, rs.N)
	for i, f := range rs.Runs {
		oks[i] = f.Outcomes[outcome.OK]
	}
	return Quantiles(oks)
}

func TestATieThatCanGoEitherWayGivesARangeOfExactlyKToKPlusOne(t *testing.T) {
	in := knifeEdge()
	central := mustSimulate(t, in)
	if got := central.Outcomes[outcome.OK]; got != 4 {
		t.Fatalf("central prediction: %d ok, want 4 (the retransmission wins the tie)", got)
	}
	rs, err := Replicate(in, Spread{Retransmits: around(10 * time.Millisecond)}, ReplicaOptions{N: DefaultReplicas, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := okRange(rs); lo != 3 || hi != 4 {
		t.Errorf("ok range [%d, %d], want [3, 4]", lo, hi)
	}
	// Only request 2 is in doubt: it is ok or times out; the others are
	// ok in every replica.
	for i, e := range rs.Ends {
		ok, timeout := e.Of(outcome.OK), e.Of(outcome.Timeout)
		if i == 2 {
			if ok == 0 || timeout == 0 || ok+timeout != rs.N {
				t.Errorf("request 2: %d ok and %d timeouts of %d replicas, want both", ok, timeout, rs.N)
			}
			continue
		}
		if ok != rs.N {
			t.Errorf("request %d: ok in %d of %d replicas", i, ok, rs.N)
		}
	}
}

func TestARetransmissionThatIsAlwaysLateLosesTheTieInEveryReplica(t *testing.T) {
	// Kernels send retransmissions late, never early: with a spread of
	// 1–20 ms after the nominal instant, request 3 always wins.
	spread := around(10 * time.Millisecond)
	for i := range spread {
		spread[i][0] += 11 * time.Millisecond
		spread[i][1] += 10 * time.Millisecond
	}
	rs, err := Replicate(knifeEdge(), Spread{Retransmits: spread}, ReplicaOptions{N: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := okRange(rs); lo != 3 || hi != 3 {
		t.Errorf("ok range [%d, %d], want [3, 3]", lo, hi)
	}
}

func TestReplicasAreTheSameForTheSameSeed(t *testing.T) {
	sp := Spread{Retransmits: around(10 * time.Millisecond), Overshoot: []time.Duration{0, sec(0.3)}}
	a, err := Replicate(knifeEdge(), sp, ReplicaOptions{N: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Replicate(knifeEdge(), sp, ReplicaOptions{N: 20, Seed: 3})
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same seed differ")
	}
}

func TestWithoutRetransmissionsEveryReplicaIsTheCentralPrediction(t *testing.T) {
	in := Input{Arrivals: every(10, 100*time.Millisecond), Service: time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 2, Queue: catalog.Unbounded}}}
	central := mustSimulate(t, in)
	rs, err := Replicate(in, Spread{Retransmits: around(10 * time.Millisecond)}, ReplicaOptions{N: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range rs.Runs {
		if f.Peak != central.Peak || !reflect.DeepEqual(f.Outcomes, central.Outcomes) {
			t.Errorf("replica %d: %+v, want the central %+v", i, f, central.Peak)
		}
	}
}

func TestSendLatenessMovesEachRequestAsMeasured(t *testing.T) {
	// Two requests against a semaphore of 1 with no queue: on schedule the
	// second (sent at 1.5 s) finds the first done (1 s of work); sent 0.6 s
	// late it still does; sent 0.6 s early it is rejected.
	in := Input{Arrivals: at(0, 1.5), Service: time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: 0}}}
	for _, tc := range []struct {
		late []time.Duration
		want outcome.Outcome
	}{
		{[]time.Duration{0, sec(0.6)}, outcome.OK},
		{[]time.Duration{0, -sec(0.6)}, outcome.HTTP503},
		// Sent before request 0: request 1 runs, request 0 is rejected.
		{[]time.Duration{sec(0.2), -sec(1.5)}, outcome.OK},
	} {
		rs, err := Replicate(in, Spread{SendLate: tc.late}, ReplicaOptions{N: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := rs.Ends[1].Of(tc.want); got != 3 {
			t.Errorf("late %v: request 1 ended %v in %d of 3 replicas", tc.late, tc.want, got)
		}
	}
}

func TestTheBandHoldsEveryValueOfAStep(t *testing.T) {
	// One request of 0.5 s work from 0.2 s: the gauge is 1 only between
	// two band points, and the band's high at 1 s still shows it.
	in := Input{Arrivals: at(0.2), Service: sec(0.5), Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	rs, err := Replicate(in, Spread{}, ReplicaOptions{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Band) != 2 {
		t.Fatalf("band of %d points, want 2 (0 s and 1 s)", len(rs.Band))
	}
	if b := rs.Band[1]; b.Lo.Inflight != 0 || b.Hi.Inflight != 1 {
		t.Errorf("band at 1 s: inflight [%d, %d], want [0, 1]", b.Lo.Inflight, b.Hi.Inflight)
	}
}

func TestASamplerIsSureToSeeOnlyWhatLastsAWholePeriod(t *testing.T) {
	for _, tc := range []struct {
		work     float64
		seen     int
		requests []time.Duration
	}{
		{work: 0.5, seen: 0, requests: at(0)},
		{work: 1, seen: 1, requests: at(0)},
		// 3 run from 0.5 s to 1 s, 2 from 0 s to 1.2 s: 2 for a whole second.
		{work: 1.2, seen: 2, requests: at(0, 0, 0.5)},
	} {
		in := Input{Arrivals: tc.requests, Service: sec(tc.work), Kernel: linux, SamplePeriod: time.Second,
			Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
		if got := mustSimulate(t, in).Seen.Inflight; got != tc.seen {
			t.Errorf("work %.1f s: seen %d running, want %d", tc.work, got, tc.seen)
		}
	}
}

// Two requests run from 0 s and a third from 0.5 s, each for 1.2 s: 2,
// then 3 until 1.2 s, then 1 until 1.7 s. A look every 0.1 s is sure to
// see the 3. Reads that came late or took long are sure to see only what
// lasted through one of them.
func TestASamplerThatReadLateIsSureToSeeOnlyWhatLastedThroughARead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reads []Span
		seen  int
	}{
		{"no reads given: a look every period", nil, 3},
		{"a read inside the 3", []Span{{sec(0.05), sec(0.06)}, {sec(0.6), sec(0.61)}}, 3},
		{"one read across 2, 3 and 1, one inside the 2", []Span{{sec(0.05), sec(0.06)}, {sec(0.4), sec(1.3)}, {sec(1.5), sec(1.6)}}, 2},
		{"one read until all had ended", []Span{{sec(0.2), sec(1.8)}}, 0},
		{"one read before any began", []Span{{-sec(0.1), -sec(0.05)}}, 0},
	} {
		in := Input{Arrivals: at(0, 0, 0.5), Service: sec(1.2), Kernel: linux, SamplePeriod: sec(0.1), Reads: tc.reads,
			Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
		if got := mustSimulate(t, in).Seen.Inflight; got != tc.seen {
			t.Errorf("%s: seen %d running, want %d", tc.name, got, tc.seen)
		}
		rs, err := Replicate(in, Spread{}, ReplicaOptions{N: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := rs.Runs[0].Seen.Inflight; got != tc.seen {
			t.Errorf("%s: a replica saw %d running, want %d", tc.name, got, tc.seen)
		}
	}
}

func TestQuantilesLeaveOutTheMostExtremeOnePercent(t *testing.T) {
	xs := make([]int, 200)
	for i := range xs {
		xs[i] = i
	}
	if lo, hi := Quantiles(xs); lo != 1 || hi != 198 {
		t.Errorf("200 values: [%d, %d], want [1, 198]", lo, hi)
	}
	if lo, hi := Quantiles([]int{5, 3, 9}); lo != 3 || hi != 9 {
		t.Errorf("3 values: [%d, %d], want [3, 9]", lo, hi)
	}
}

func TestReplicateRefusesBadInput(t *testing.T) {
	if _, err := Replicate(knifeEdge(), Spread{}, ReplicaOptions{N: 0}); err == nil {
		t.Error("0 replicas: no error")
	}
	if _, err := Replicate(knifeEdge(), Spread{SendLate: make([]time.Duration, 1)}, ReplicaOptions{N: 1}); err == nil {
		t.Error("SendLate of the wrong length: no error")
	}
	for _, sp := range []Spread{
		{AdmitLocal: make([]time.Duration, 2), AdmitAt: make([]time.Duration, 1)},
		{AdmitLocal: make([]time.Duration, 2), AdmitAt: []time.Duration{2, 1}},
		{AdmitLocal: []time.Duration{1, -1}, AdmitAt: []time.Duration{1, 2}},
	} {
		if _, err := Replicate(knifeEdge(), sp, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.Admit") {
			t.Errorf("AdmitLocal %v at %v: error %v, want one that names Spread.AdmitAt or AdmitLocal", sp.AdmitLocal, sp.AdmitAt, err)
		}
	}
	for _, sp := range []Spread{{AcceptAfter: make([]time.Duration, 1)}, {AcceptAfter: []time.Duration{0, 0, -1, 0}}} {
		if _, err := Replicate(knifeEdge(), sp, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.AcceptAfter") {
			t.Errorf("AcceptAfter %v: error %v, want one that names Spread.AcceptAfter", sp.AcceptAfter, err)
		}
	}
	for _, sp := range []Spread{
		{QueueTimeoutLate: make([]time.Duration, 2), QueueTimeoutAt: make([]time.Duration, 1)},
		{QueueTimeoutLate: make([]time.Duration, 2), QueueTimeoutAt: []time.Duration{2, 1}},
		{QueueTimeoutLate: []time.Duration{-1}, QueueTimeoutAt: []time.Duration{1}},
	} {
		if _, err := Replicate(knifeEdge(), sp, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.QueueTimeout") {
			t.Errorf("QueueTimeoutLate %v at %v: error %v, want one that names Spread.QueueTimeout", sp.QueueTimeoutLate, sp.QueueTimeoutAt, err)
		}
	}
	for _, sp := range []Spread{
		{GiveUpLate: make([]time.Duration, 2), GiveUpAt: make([]time.Duration, 1)},
		{GiveUpLate: make([]time.Duration, 2), GiveUpAt: []time.Duration{2, 1}},
		{StayedLate: make([]time.Duration, 1)},
		{GiveUpLate: []time.Duration{-1}},
		{StayedLate: []time.Duration{-1}, StayedAt: []time.Duration{1}},
	} {
		if _, err := Replicate(knifeEdge(), sp, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.") ||
			!strings.Contains(err.Error(), "GiveUp") && !strings.Contains(err.Error(), "Stayed") {
			t.Errorf("%+v: error %v, want one that names Spread.GiveUpAt or Spread.Stayed…", sp, err)
		}
	}
	for _, storms := range [][]RefusalStorm{
		{{At: 2 * time.Second}, {At: time.Second}},
		{{At: time.Second, Delays: []time.Duration{time.Millisecond, -time.Millisecond}}},
	} {
		if _, err := Replicate(knifeEdge(), Spread{RefusalStorms: storms}, ReplicaOptions{N: 1}); err == nil || !strings.Contains(err.Error(), "Spread.RefusalStorms") {
			t.Errorf("storms %v: error %v, want one that names Spread.RefusalStorms", storms, err)
		}
	}
}

func TestARejectionStaysInFlightForItsClientUntilItsAnswerArrives(t *testing.T) {
	// A semaphore of 1 with no queue: request 1, sent at 0.5 s, is
	// rejected at once by the server, and its answer takes 10 ms to reach
	// its client, which counts it in flight until 0.51 s.
	in := Input{Arrivals: at(0, 0.5), Service: time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: 0}}}
	rs, err := Replicate(in, Spread{AnswerDelay: []time.Duration{10 * time.Millisecond}}, ReplicaOptions{N: 1, BandStep: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := rs.Runs[0]
	if f.Outcomes[outcome.HTTP503] != 1 || f.Peak.ClientInflight != 2 || f.Peak.Connections != 1 {
		t.Errorf("503 %d, peak client in flight %d, connections %d; want 1, 2, 1", f.Outcomes[outcome.HTTP503], f.Peak.ClientInflight, f.Peak.Connections)
	}
	// The band's step (0.5, 0.75] s holds 2 in flight for the client.
	if b := rs.Band[3]; b.Hi.ClientInflight != 2 || b.Lo.ClientInflight != 1 {
		t.Errorf("band at 0.75 s: client in flight [%d, %d], want [1, 2]", b.Lo.ClientInflight, b.Hi.ClientInflight)
	}
}

// A freed slot reaches the next waiter a scheduling delay later, as a
// server's gauges show it between two holders. One slot, requests at 0 and
// 0.5 s of 1 s work, every delay 1 ms: #0 runs from 0.001 s to 1.001 s and
// #1, still queued, starts at 1.002 s. So in the band's step (1 s, 1.5 s]
// running dips to 0 and waiting is still 1 at its start; handed over at
// once, running would stay 1 through the step.
func TestAHandedSlotStaysEmptyUntilItsWaiterWakes(t *testing.T) {
	in := Input{Arrivals: at(0, 0.5), Service: sec(1), Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	for _, tc := range []struct {
		delay          []time.Duration
		loRun, hiQueue int
	}{
		{[]time.Duration{time.Millisecond}, 0, 1},
		{nil, 1, 0},
	} {
		rs, err := Replicate(in, Spread{AdmitDelay: tc.delay}, ReplicaOptions{N: 5, Seed: 1, BandStep: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.Band) < 4 {
			t.Fatalf("band of %d points", len(rs.Band))
		}
		b := rs.Band[3] // T = 1.5 s: the step (1 s, 1.5 s]
		if b.T != sec(1.5) || b.Lo.Inflight != tc.loRun || b.Hi.Inflight != 1 || b.Hi.Queued != tc.hiQueue {
			t.Errorf("delay %v: band at %v: running [%d, %d], waiting up to %d; want running [%d, 1], waiting up to %d",
				tc.delay, b.T, b.Lo.Inflight, b.Hi.Inflight, b.Hi.Queued, tc.loRun, tc.hiQueue)
		}
	}
}

// An ok answer reaches its client as late after its work as the run's
// did. One request of 1 s work, answers 5 ms late: with a 2 s client
// timeout it ends ok at 1.005 s, in flight for its client until then.
// With a 1.003 s timeout it ends ok at 1.005 s too: its answer was written
// at 1 s, before its client gave up, and a client that reads it late is
// late with its timer as well.
func TestAnOkAnswerReachesItsClientAsLateAsTheRunsDid(t *testing.T) {
	for _, timeout := range []time.Duration{sec(2), sec(1.003)} {
		in := Input{Arrivals: at(0), Service: sec(1), Kernel: linux, ClientTimeout: timeout,
			Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
		rs, err := Replicate(in, Spread{ReplyDelay: []time.Duration{5 * time.Millisecond}}, ReplicaOptions{N: 1, BandStep: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if f := rs.Runs[0]; f.Outcomes[outcome.OK] != 1 || f.OKLatency[0] != sec(1.005) {
			t.Errorf("timeout %v: outcomes %v, ok latency %v; want one ok in 1.005s", timeout, f.Outcomes, f.OKLatency)
		}
		if wasted := rs.Runs[0].WastedWork; wasted != 0 {
			t.Errorf("timeout %v: wasted %v, want none: the work ran to its end", timeout, wasted)
		}
		// In the band's step (1 s, 1.5 s] the work is over, and the
		// request is in flight for its client until its answer comes.
		if b := rs.Band[3]; b.Hi.ClientInflight != 1 || b.Lo.ClientInflight != 0 || b.Hi.Inflight != 0 {
			t.Errorf("timeout %v: band at 1.5 s: client in flight [%d, %d], running up to %d; want [0, 1] and 0",
				timeout, b.Lo.ClientInflight, b.Hi.ClientInflight, b.Hi.Inflight)
		}
	}
}

func TestEndsHoldsEveryOutcome(t *testing.T) {
	if len(Ends{}) != len(outcome.All) {
		t.Errorf("Ends holds %d outcomes, outcome.All has %d", len(Ends{}), len(outcome.All))
	}
}

// A request reaches the model's gate as late after its connect as the
// server timed it (Spread.Reach), not with a drawn delay, and its accept
// comes no later than that, whatever accept delay is drawn: #1, sent 1 ms
// after #0 but 2.5 ms faster to the gate, takes the bucket's one token in
// every replica, and #0 gets 429.
func TestAMeasuredReachToTheGateDecidesWhoTakesTheToken(t *testing.T) {
	in := Input{Arrivals: at(0, 0.001), Service: sec(0.01), Kernel: linux,
		Limits: rateLimits(0.001, 1, false, 0)}
	spread := Spread{Reach: []time.Duration{3 * time.Millisecond, 500 * time.Microsecond},
		AdmitDelay: []time.Duration{10 * time.Millisecond}, AcceptDelay: 20 * time.Millisecond}
	rs, err := Replicate(in, spread, ReplicaOptions{N: 5, Seed: 1, BandStep: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Ends[0].Of(outcome.HTTP429) != 5 || rs.Ends[1].Of(outcome.OK) != 5 {
		t.Errorf("ends %v, want #0 429 and #1 ok in all 5", rs.Ends)
	}
}

// LimitListener's accept loop waits on its semaphore: a slot freed when a
// request ends is taken again only when the loop wakes. Limit 1, #1
// waiting in the accept queue while #0 runs until 1 s: with a 1 ms wake,
// nothing runs for a moment in (1 s, 1.5 s]; without, #1 starts at once.
func TestALimitListenersFreedSlotWaitsForItsAcceptLoopToWake(t *testing.T) {
	in := Input{Arrivals: at(0, 0.5), Service: sec(1), Kernel: linux,
		Limits: oneLimitListenerSlot()}
	for _, tc := range []struct {
		wake  []time.Duration
		loRun int
	}{{[]time.Duration{time.Millisecond}, 0}, {nil, 1}} {
		rs, err := Replicate(in, Spread{WakeDelay: tc.wake}, ReplicaOptions{N: 5, Seed: 1, BandStep: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if b := rs.Band[3]; b.T != sec(1.5) || b.Lo.Inflight != tc.loRun || b.Hi.Inflight != 1 {
			t.Errorf("wake %v: band at %v: running [%d, %d], want [%d, 1]", tc.wake, b.T, b.Lo.Inflight, b.Hi.Inflight, tc.loRun)
		}
	}
}

// Three requests sent at 0 whose SYNs left 5 ms later (Spread.Syn) and
// reached the gate 10 ms after that (Spread.Reach), the server having
// accepted them 2 ms after their SYNs (Spread.InKernel): the client counts
// them in flight from 0, the accept queue holds them from 5 to 7 ms only,
// and they run from 15 ms. Without the accept's timing the accept queue
// holds them all the way to the gate.
func TestAServersAcceptEndsTheWaitInTheKernelOnTheWayToTheGate(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0, 0), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	three := func(d time.Duration) []time.Duration { return []time.Duration{d, d, d} }
	for _, tc := range []struct {
		inKernel []time.Duration
		queueAt8 int
	}{{three(2 * ms), 0}, {nil, 3}} {
		spread := Spread{SendLate: three(5 * ms), Syn: three(5 * ms), Reach: three(10 * ms), InKernel: tc.inKernel}
		rs, err := Replicate(in, spread, ReplicaOptions{N: 3, Seed: 1, BandStep: ms})
		if err != nil {
			t.Fatal(err)
		}
		want := map[time.Duration]Point{
			1 * ms:  {ClientInflight: 3},
			6 * ms:  {ClientInflight: 3, AcceptQueue: 3, Connections: 3},
			8 * ms:  {ClientInflight: 3, AcceptQueue: tc.queueAt8, Connections: 3},
			16 * ms: {ClientInflight: 3, Connections: 3, Inflight: 3},
		}
		seen := 0
		for _, b := range rs.Band {
			w, ok := want[b.T]
			if !ok {
				continue
			}
			seen++
			w.T = b.T
			if b.Lo != w || b.Hi != w {
				t.Errorf("in kernel %v: band at %v: [%+v, %+v], want %+v", tc.inKernel, b.T, b.Lo, b.Hi, w)
			}
		}
		if seen != len(want) {
			t.Errorf("in kernel %v: the band has %d of the %d instants checked", tc.inKernel, seen, len(want))
		}
	}
}

// Measured ways to the gate alone make replicas differ from the central
// simulation: with fasthttp's Concurrency 1, #0 at 0 ms reaching its
// handler at 50 ms and #1 at 10 ms reaching it at 11 ms, #1 runs and #0
// gets the 503, where the central simulation, all at once, has it the
// other way round.
func TestMeasuredWaysToTheGateAloneMoveTheReplicas(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.010), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	rs, err := Replicate(in, Spread{Reach: []time.Duration{50 * ms, ms}}, ReplicaOptions{N: 3, Seed: 1, BandStep: 10 * ms})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Ends[1].Of(outcome.OK) != 3 || rs.Ends[0].Of(outcome.HTTP503) != 3 {
		t.Errorf("ends %v, want #1 ok and #0 503 in all 3", rs.Ends)
	}
}

// fasthttp holds a connection's place from its accept to its close: with
// Concurrency 1 and 100 ms of work, #0 at 0 reads its request for 1 ms
// (Spread.ReadHold), works until 101 ms and closes 0.5 ms later
// (Spread.CloseHold). #1 at 101.2 ms finds the place still held and gets
// the 503; without the close's hold it runs.
func TestFasthttpHoldsAPlaceFromTheAcceptToTheClose(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	in := Input{Arrivals: at(0, 0.1012), Service: sec(0.1), Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	for _, tc := range []struct {
		closeHold []time.Duration
		second    outcome.Outcome
	}{{[]time.Duration{500 * us}, outcome.HTTP503}, {nil, outcome.OK}} {
		spread := Spread{SendLate: []time.Duration{0, 0}, ReadHold: []time.Duration{ms}, CloseHold: tc.closeHold}
		got := replicaRequests(t, in, spread)
		if got[0].Started != ms || got[0].Outcome != outcome.OK || got[1].Outcome != tc.second {
			t.Errorf("close hold %v: #0 started %v, %s; #1 %s; want 1ms, ok; %s", tc.closeHold, got[0].Started, got[0].Outcome,
				got[1].Outcome, tc.second)
		}
	}
}

// A request on its way to fasthttp's handler, accepted but not yet read
// (Spread.InKernel and Spread.Reach), has not taken a place: its client
// giving up frees none. Concurrency 1, a 50 ms client timeout: #0 at 0
// reaches the gate only at 100 ms and times out at 50 ms on its way; #1
// at 60 ms takes the place at 61 ms, and #2 at 70 ms finds it taken.
func TestAFasthttpRequestThatTimesOutOnItsWayToTheGateFreesNoPlace(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.060, 0.070), Service: sec(0.1), ClientTimeout: 50 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	spread := Spread{SendLate: []time.Duration{0, 0, 0}, Reach: []time.Duration{100 * ms, ms, ms}, InKernel: []time.Duration{0, 0, 0}}
	got := replicaRequests(t, in, spread)
	if got[0].Outcome != outcome.Timeout || got[1].Started != 61*ms || got[2].Outcome != outcome.HTTP503 {
		t.Errorf("#0 %s, #1 started %v, #2 %s; want timeout, 61ms, http_503", got[0].Outcome, got[1].Started, got[2].Outcome)
	}
}

// A LimitListener takes a slot at the accept, and the request reaches the
// gate only once its client has written it (Spread.Written). One slot,
// 100 ms of work: #0 at 0 is accepted at once but written at 50 ms, so it
// runs from 50 to 150 ms, holding the slot; #1 at 10 ms, written at 11 ms,
// waits in the accept queue until #0's close and starts at 150 ms. Without
// Written, #0 would run from 0 and #1 from 100 ms.
func TestALimitListenerSlotWaitsForTheRequestItsClientHasNotWritten(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.010), Service: sec(0.1), Kernel: linux,
		Limits: oneLimitListenerSlot()}
	for _, tc := range []struct {
		written     []time.Duration
		first, next time.Duration
	}{{[]time.Duration{50 * ms, ms}, 50 * ms, 150 * ms}, {nil, 0, 100 * ms}} {
		got := replicaRequests(t, in, Spread{SendLate: []time.Duration{0, 0}, Written: tc.written})
		if got[0].Started != tc.first || got[1].Started != tc.next {
			t.Errorf("written %v: #0 started %v, #1 %v; want %v, %v", tc.written, got[0].Started, got[1].Started, tc.first, tc.next)
		}
	}
	// #1, written before its accept at 150 ms, is read 0.2 ms after it.
	spread := Spread{SendLate: []time.Duration{0, 0}, Written: []time.Duration{50 * ms, ms},
		ReadAfterAccept: []time.Duration{0, 200 * time.Microsecond}}
	if got := replicaRequests(t, in, spread); got[1].Started != 150*ms+200*time.Microsecond {
		t.Errorf("read 0.2 ms after the accept: #1 started %v; want 150.2ms", got[1].Started)
	}
}

// A LimitListener's accept loop wakes after a close as late as the run's
// server timed its wakes of that moment (Spread.AcceptWake), not as a
// hand-over: one slot, 100 ms of work, #0 at 0 and #1 at 10 ms. With a
// wake of 3 ms timed at 100 ms, #1 starts at 103 ms, although the run's
// hand-overs (WakeDelay) took 20 ms.
func TestALimitListenersAcceptLoopWakesAsTheRunsServerTimedIt(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.010), Service: sec(0.1), Kernel: linux,
		Limits: oneLimitListenerSlot()}
	for _, tc := range []struct {
		wake []time.Duration
		next time.Duration
	}{{[]time.Duration{3 * ms}, 103 * ms}, {nil, 120 * ms}} {
		spread := Spread{SendLate: []time.Duration{0, 0}, WakeDelay: []time.Duration{20 * ms}, AcceptWake: tc.wake}
		if tc.wake != nil {
			spread.AcceptWakeAt = []time.Duration{100 * ms}
		}
		if got := replicaRequests(t, in, spread); got[1].Started != tc.next {
			t.Errorf("accept wakes %v: #1 started %v; want %v", tc.wake, got[1].Started, tc.next)
		}
	}
}

// Spread.AcceptWakeAt must have an entry for each AcceptWake, ascending.
func TestAcceptWakesWithoutTheirInstantsAreRefused(t *testing.T) {
	in := Input{Arrivals: at(0), Service: sec(0.1), Kernel: linux,
		Limits: oneLimitListenerSlot()}
	_, err := Replicate(in, Spread{AcceptWake: []time.Duration{time.Millisecond}}, ReplicaOptions{N: 1})
	if err == nil || !strings.Contains(err.Error(), "Spread.AcceptWakeAt") {
		t.Errorf("err %v; want one naming Spread.AcceptWakeAt", err)
	}
	_, err = Replicate(in, Spread{Written: []time.Duration{1, 2}}, ReplicaOptions{N: 1})
	if err == nil || !strings.Contains(err.Error(), "Spread.Written") {
		t.Errorf("err %v; want one naming Spread.Written", err)
	}
	_, err = Replicate(in, Spread{AcceptWake: []time.Duration{-1}, AcceptWakeAt: []time.Duration{0}}, ReplicaOptions{N: 1})
	if err == nil || !strings.Contains(err.Error(), "Spread.AcceptWake[0]: negative") {
		t.Errorf("err %v; want one naming the negative Spread.AcceptWake[0]", err)
	}
}

// Only a LimitListener's replicas wait for their clients' writes: a
// semaphore's (one slot, 100 ms of work, a 120 ms client timeout) start
// #0 at 0 whatever its Written says, until runs show the same of them, so
// #0 is served and #1, queued behind it, times out. Waiting 150 ms for
// #0's write would have served #1 and timed #0 out.
func TestOnlyALimitListenersReplicasWaitForTheClientsWrites(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.010), Service: sec(0.1), ClientTimeout: 120 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	rs, err := Replicate(in, Spread{SendLate: []time.Duration{0, 0}, Written: []time.Duration{150 * ms, ms}},
		ReplicaOptions{N: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Ends[0].Of(outcome.OK) != 1 || rs.Ends[1].Of(outcome.Timeout) != 1 {
		t.Errorf("ends %v; want #0 ok and #1 timeout", rs.Ends)
	}
	// The same spread for a LimitListener waits.
	in.Limits = oneLimitListenerSlot()
	if rs, err = Replicate(in, Spread{SendLate: []time.Duration{0, 0}, Written: []time.Duration{150 * ms, ms}},
		ReplicaOptions{N: 1, Seed: 1}); err != nil || rs.Ends[0].Of(outcome.Timeout) != 1 {
		t.Errorf("a LimitListener's ends %v (%v); want #0 timeout", rs.Ends, err)
	}
}

// oneLimitListenerSlot is a LimitListener of one slot with room in its
// accept queue.
func oneLimitListenerSlot() Limits {
	return Limits{Discipline: catalog.KernelQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1}}
}

func TestAReplicasStepsAreItsGaugesOverTheBandsSteps(t *testing.T) {
	// One request of 1.5 s work from 0.2 s: running at 1 s, done by 2 s,
	// though the step (1 s, 2 s] still held it. Two copies of one
	// simulation share their steps.
	in := Input{Arrivals: at(0.2), Service: sec(1.5), Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	rs, err := Replicate(in, Spread{}, ReplicaOptions{N: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Steps) != 2 || len(rs.Steps[1]) != 3 || &rs.Steps[0][0] != &rs.Steps[1][0] {
		t.Fatalf("steps %v, want 2 replicas sharing 3 steps (0, 1 and 2 s)", rs.Steps)
	}
	for k, want := range []StepGauges{
		{},
		{Lo: [4]int32{0, 0, 0, 0}, Hi: [4]int32{1, 0, 0, 1}, At: [4]int32{1, 0, 0, 1}},
		{Lo: [4]int32{0, 0, 0, 0}, Hi: [4]int32{1, 0, 0, 1}, At: [4]int32{}},
	} {
		if got := rs.Steps[1][k]; got != want {
			t.Errorf("step %d: %+v, want %+v", k, got, want)
		}
	}
	// Work that overshoots by 0 or by 2 s: replicas end at 1.7 s or at
	// 3.7 s, each with its own steps, and a short one's steps past its
	// end are 0.
	rs, err = Replicate(in, Spread{Overshoot: []time.Duration{0, 2 * time.Second}}, ReplicaOptions{N: 20})
	if err != nil {
		t.Fatal(err)
	}
	short, long := 0, 0
	for _, steps := range rs.Steps {
		if len(steps) != 5 {
			t.Fatalf("%d steps, want 5 (0 to 4 s)", len(steps))
		}
		switch steps[3].At[StepInflight] {
		case 0:
			short++
			if steps[4] != (StepGauges{}) {
				t.Errorf("a replica that ended at 1.7 s has %+v at 4 s, want 0", steps[4])
			}
		case 1:
			long++
		}
	}
	if short == 0 || long == 0 || &rs.Steps[0][0] == &rs.Steps[1][0] {
		t.Errorf("%d short and %d long replicas, want some of each, each with its own steps", short, long)
	}
}

// One slot, a queue of one place, hand-overs of 5 ms. Request 1 waits
// from 0.01 s and is handed #0's slot at 0.1 s; until its goroutine
// wakes at 0.105 s it is off the gate's list, as servers/semaphore takes
// it off at the hand-over, and request 2, arriving at 0.102 s, finds the
// place free: it waits, and runs after request 1.
func TestAWaiterHandedASlotNoLongerTakesAPlaceInTheQueue(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.01, 0.102), Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: 1}}}
	got := replicaRequests(t, in, Spread{WakeDelay: []time.Duration{5 * ms}})
	for i, started := range []time.Duration{0, 105 * ms, 210 * ms} {
		if q := got[i]; q.Outcome != outcome.OK || q.Started != started {
			t.Errorf("#%d: %s, started %v; want ok, started %v", i, q.Outcome, q.Started, started)
		}
	}
}

// One slot, 100 ms works, three requests at 0, 10 and 20 ms. The run's
// hand-overs took 1 ms at 0.1 s and 7 ms at 0.2 s (Spread.WakeAt). #0's
// release at 0.1 s draws among those of its moment, the 1 ms alone, so #1
// starts at 0.101 s; its release at 0.201 s finds the 7 ms one within
// localWindow, so #2 starts at 0.208 s. Drawn from the whole run, either
// could have taken either.
func TestAHandOverTakesAsLongAsTheRunsHandOversOfItsMoment(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.01, 0.02), Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: 2}}}
	got := replicaRequests(t, in, Spread{WakeDelay: []time.Duration{1 * ms, 7 * ms}, WakeAt: []time.Duration{100 * ms, 200 * ms}})
	for i, started := range []time.Duration{0, 101 * ms, 208 * ms} {
		if q := got[i]; q.Outcome != outcome.OK || q.Started != started {
			t.Errorf("#%d: %s, started %v; want ok, started %v", i, q.Outcome, q.Started, started)
		}
	}
	for _, bad := range []struct {
		spread Spread
		want   string
	}{
		{Spread{WakeDelay: []time.Duration{ms}, WakeAt: []time.Duration{ms, 2 * ms}}, "Spread.WakeAt"},
		{Spread{WakeDelay: []time.Duration{ms, ms}, WakeAt: []time.Duration{2 * ms, ms}}, "Spread.WakeAt"},
		{Spread{WakeDelay: []time.Duration{-ms}}, "Spread.WakeDelay[0]: negative"},
		{Spread{WakeDelay: []time.Duration{ms}, PerRefusal: -ms}, "Spread.PerRefusal: negative"},
		{Spread{WakeDelay: []time.Duration{ms}, AfterRefusals: map[int][]time.Duration{2: {ms, -ms}}}, "Spread.AfterRefusals[2][1]: negative"},
	} {
		_, err := Replicate(in, bad.spread, ReplicaOptions{N: 1})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: err %v; want one naming %s", bad.spread, err, bad.want)
		}
	}
}

// fasthttp of one place and 100 ms works, every accept at once but for
// request 1's, which the run's server timed 10 ms after its SYN at
// 0.095 s: later than any drawn accept delay (none here). #0 frees its
// place at 0.1 s, so #1, accepted at 0.105 s, is served; accepted at its
// SYN, it would have found the place held and got a 503.
func TestAFasthttpConnectionAcceptedLateAsMeasuredFindsThePlaceFreed(t *testing.T) {
	ms := time.Millisecond
	in := Input{Arrivals: at(0, 0.095), Service: 100 * ms, Kernel: linux,
		Limits: Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	for _, tc := range []struct {
		after []time.Duration
		want  outcome.Outcome
	}{{[]time.Duration{0, 10 * ms}, outcome.OK}, {nil, outcome.HTTP503}} {
		got := replicaRequests(t, in, Spread{AcceptAfter: tc.after})
		if got[0].Outcome != outcome.OK || got[1].Outcome != tc.want {
			t.Errorf("accepts after %v: %s and %s, want ok and %s", tc.after, got[0].Outcome, got[1].Outcome, tc.want)
		}
	}
}
