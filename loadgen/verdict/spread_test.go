package verdict

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
)

// at is a server clock reading s seconds after an arbitrary origin.
func at(s float64) time.Time {
	return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
}

func served(slot string, arrived, start, end float64) *Served {
	return &Served{Slot: slot, Arrived: at(arrived), Start: at(start), End: at(end)}
}

// On each slot, a hand-over is the gap between one holder's end and the
// next holder's start, when the next was already waiting: B waited for A
// on slot-0 (0.3 ms) and E for D on slot-1 (0.1 ms). C came after B had
// left, so its start says nothing of a hand-over; the caller-runs "slot"
// is many goroutines at once; net/http's requests have no slot.
func TestHandOversAreTheGapsBetweenAnEndAndAWaitersStart(t *testing.T) {
	measured := []Measured{
		{Seq: 0, Served: served("slot-0", 0, 0, 1)},
		{Seq: 1, Served: served("slot-0", 0.5, 1.0003, 2.0003)},
		{Seq: 2, Served: served("slot-0", 2.5, 2.5001, 3.5)},
		{Seq: 3, Served: served("slot-1", 0, 0, 1)},
		{Seq: 4, Served: served("slot-1", 0.9, 1.0001, 2)},
		{Seq: 5, Served: served("caller", 0, 0, 1)},
		{Seq: 6, Served: served("caller", 0.5, 1.2, 2)},
		{Seq: 7, Served: served("", 0.5, 1.2, 2)},
		{Seq: 8, Served: served("", 0.6, 1.3, 2)},
		{Seq: 9}, // timed out: no reply
	}
	if got, want := HandOvers(measured).Alone, []time.Duration{100 * time.Microsecond, 300 * time.Microsecond}; !durationsNear(got, want) {
		t.Errorf("HandOvers = %v, want %v", got, want)
	}
}

// oneSlotCentral is the central prediction of two requests, sent
// at 0 and 100 ms, of a second's work each, on one slot with an unbounded
// queue.
func oneSlotCentral(t *testing.T) predict.Result {
	t.Helper()
	in := predict.Input{Arrivals: []time.Duration{0, 100 * time.Millisecond}, Service: time.Second,
		Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.AppQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	return central
}

// Where the server timed the work, a replica's overshoot is what the
// server measured of each ok request's work less the asked work, and its
// hand-overs are the run's. Without replies, the overshoot is the
// client's latency less the connect and the work, on the requests the
// central prediction starts at once.
func TestTheServersTimingOfTheWorkIsTheOvershoot(t *testing.T) {
	central := oneSlotCentral(t)
	ms := time.Millisecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: 1003 * ms, Connect: ms, Dialed: true, Served: served("slot-0", 0, 0, 1.0004)},
		{Seq: 1, Outcome: outcome.OK, Latency: 1910 * ms, Connect: ms, Dialed: true, Served: served("slot-0", 0.1, 1.0006, 2.0008)},
	}
	sp := RunSpread(central, sameWork(time.Second), 0, 10, measured, nil, predict.Spread{})
	// In the order of how long the server had been quiet when each sleep
	// came due: #1's 1.0002 s after #0 ended, #0's with nothing before.
	if !durationsNear(sp.Overshoot, []time.Duration{200 * time.Microsecond, 400 * time.Microsecond}) ||
		!durationsNear(sp.OvershootQuiet, []time.Duration{1000200 * time.Microsecond, time.Hour}) ||
		!durationsNear(sp.WakeDelay, []time.Duration{200 * time.Microsecond}) {
		t.Errorf("with replies: overshoot %v after quiet %v, wake %v; want [200µs 400µs] after [1.0002s 1h] and [200µs]",
			sp.Overshoot, sp.OvershootQuiet, sp.WakeDelay)
	}
	for i := range measured {
		measured[i].Served = nil
	}
	sp = RunSpread(central, sameWork(time.Second), 0, 10, measured, nil, predict.Spread{})
	if !slices.Equal(sp.Overshoot, []time.Duration{2 * ms}) || sp.OvershootQuiet != nil || sp.WakeDelay != nil {
		t.Errorf("without replies: overshoot %v, wake %v; want [2ms] (the request started at once) and none", sp.Overshoot, sp.WakeDelay)
	}
}

// durationsNear compares durations built from float seconds, to the
// microsecond.
func durationsNear(got, want []time.Duration) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if d := got[i] - want[i]; d < -time.Microsecond || d > time.Microsecond {
			return false
		}
	}
	return true
}

// twoTokenBucketRequests is a schedule of two requests 10 ms apart, of 1 s
// each, against a token bucket of one token a second, and its central
// prediction.
func twoTokenBucketRequests(t *testing.T) (predict.Input, predict.Result) {
	t.Helper()
	in := predict.Input{Arrivals: []time.Duration{0, 10 * time.Millisecond}, Service: time.Second,
		Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.TokenBucket, Backlog: 128, Settings: catalog.Settings{TokenRate: 1, Burst: 1}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	return in, central
}

// A dial that returned 0.9 s or more after its SYN is not SYN-retried when
// the server accepted the connection at once: in burst-after-deploy one
// such request per target, its client busy sending the burst's connects,
// made the summary count a retransmission that never was and took the
// server's timing of every arrival away from the target's replicas.
func TestALateDialReturnKeepsTheServersTimingOfTheWayToTheGate(t *testing.T) {
	in, central := twoTokenBucketRequests(t)
	ms := time.Millisecond
	// #1's SYN left 1 ms after its send and the server accepted it 1 ms
	// later, but its dial returned 1,150 ms after the SYN, and the
	// request reached the gate as it was written, 1,151 ms after the SYN.
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: time.Second, Connect: ms, Syn: ms, Dialed: true, ToGate: 3 * ms, ToAccept: 2 * ms},
		{Seq: 1, Scheduled: 10 * ms, Outcome: outcome.HTTP429, Latency: 1200 * ms, Connect: 1150 * ms, Syn: ms, Dialed: true,
			ToGate: 1152 * ms, ToAccept: 2 * ms},
	}
	if measured[1].SynRetried() {
		t.Errorf("#1 counts as SYN-retried, accepted 1 ms after its SYN")
	}
	sp := RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{})
	if want := []time.Duration{2 * ms, 1151 * ms}; !slices.Equal(sp.Reach, want) {
		t.Errorf("Reach %v, want %v", sp.Reach, want)
	}
	measured[1].ToAccept = 0 // a server that does not say when it accepted
	if !measured[1].SynRetried() {
		t.Errorf("#1 untimed by its server does not count as SYN-retried")
	}
	if sp := RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{}); sp.Reach != nil {
		t.Errorf("with #1 taken as SYN-retried: Reach %v, want none", sp.Reach)
	}
}

// When the server timed every request's arrival at its gate, each
// replica has each request reach the gate as it did: its time to the gate
// less its connect. When one request's is missing (a timeout, which gets
// no answer), none is used: the known ones would be the ok requests', and
// the replicas would draw the others around them.
func TestTheServersTimingOfEachArrivalAtTheGateIsUsedWhenItTimedThemAll(t *testing.T) {
	in, central := twoTokenBucketRequests(t)
	us := time.Microsecond
	// Their SYNs left 100 and 200 µs after their sends; their clients'
	// dials returned 5 ms later, which is not when the server saw them.
	// The server accepted them 150 and 450 µs after their sends.
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: time.Second, Connect: 5 * time.Millisecond, Syn: 100 * us, Dialed: true,
			ToGate: 400 * us, ToAccept: 150 * us},
		{Seq: 1, Scheduled: 10 * time.Millisecond, Outcome: outcome.HTTP429, Latency: time.Millisecond, Connect: 5 * time.Millisecond,
			Syn: 200 * us, Dialed: true, ToGate: 1200 * us, ToAccept: 450 * us, Decided: 30 * us},
	}
	sp := RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{})
	if want := []time.Duration{300 * us, 1000 * us}; !slices.Equal(sp.Reach, want) || !slices.Equal(sp.AdmitDelay, want) {
		t.Errorf("Reach %v, AdmitDelay %v; want both %v", sp.Reach, sp.AdmitDelay, want)
	}
	// #1 was refused at once, 30 µs after it reached the gate; each
	// request's SYN is the part of its lateness its timeout does not
	// count; of their ways to the gate, 50 and 250 µs were in the accept
	// queue.
	if want := []time.Duration{30 * us}; !slices.Equal(sp.DecideDelay, want) {
		t.Errorf("DecideDelay %v, want %v", sp.DecideDelay, want)
	}
	if want := []time.Duration{100 * us, 200 * us}; !slices.Equal(sp.Syn, want) || !slices.Equal(sp.SendLate, want) {
		t.Errorf("Syn %v, SendLate %v; want both %v", sp.Syn, sp.SendLate, want)
	}
	if want := []time.Duration{50 * us, 250 * us}; !slices.Equal(sp.InKernel, want) {
		t.Errorf("InKernel %v, want %v", sp.InKernel, want)
	}
	// The same ways to the gate, each where its SYN left, for a wake
	// that draws those of its moment.
	if want := []time.Duration{100 * us, 10200 * us}; !slices.Equal(sp.AdmitLocal, []time.Duration{300 * us, 1000 * us}) ||
		!slices.Equal(sp.AdmitAt, want) {
		t.Errorf("AdmitLocal %v at %v; want [300µs 1ms] at %v", sp.AdmitLocal, sp.AdmitAt, want)
	}
	measured[0].ToAccept = 0
	if sp := RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{}); sp.Reach == nil || sp.InKernel != nil {
		t.Errorf("with an accept untimed: Reach %v, InKernel %v; want Reach, no InKernel", sp.Reach, sp.InKernel)
	}
	// #1's 429 says nothing of when it was decided: as its SYN arrived,
	// 10.2 ms into the schedule, and its answer took the rest of its latency.
	if !slices.Equal(sp.AnswerDelay, []time.Duration{800 * us}) || !slices.Equal(sp.AnswerAt, []time.Duration{10200 * us}) {
		t.Errorf("answer delays %v at %v, want [800µs] at [10.2ms]", sp.AnswerDelay, sp.AnswerAt)
	}
	measured[1] = Measured{Seq: 1, Outcome: outcome.Timeout, Latency: time.Second, Connect: 200 * us, Syn: 200 * us, Dialed: true}
	if sp := RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{}); sp.Reach != nil {
		t.Errorf("with a request untimed: Reach %v, want none", sp.Reach)
	}
	// Without the ways to the gate, the delays of the moment are how late
	// the sends were, each at its send: #1 scheduled at 10 ms and sent
	// 4 ms early, #0 2 ms late.
	measured[0].Late, measured[1].Late, measured[1].Scheduled = 2*time.Millisecond, -4*time.Millisecond, 10*time.Millisecond
	sp = RunSpread(central, sameWork(in.Service), 0, 100, measured, nil, predict.Spread{})
	if !slices.Equal(sp.AdmitLocal, []time.Duration{2 * time.Millisecond, 4 * time.Millisecond}) ||
		!slices.Equal(sp.AdmitAt, []time.Duration{2 * time.Millisecond, 6 * time.Millisecond}) {
		t.Errorf("AdmitLocal %v at %v; want [2ms 4ms] at [2ms 6ms]", sp.AdmitLocal, sp.AdmitAt)
	}
	// With a 1 s client timeout, the timed-out #1, sent at 6 ms, gave up
	// 0 ms late; one sent at 0 that gave up 2 ms late adds 2 ms, at its
	// deadline of 1 s. A 503 read 3 ms after its deadline, written 1 ms
	// before that, is a stayer of 2 ms.
	measured = append(measured, Measured{Seq: 1, Outcome: outcome.Timeout, Latency: 1002 * time.Millisecond},
		Measured{Seq: 0, Outcome: outcome.HTTP503, Latency: 1003 * time.Millisecond, AnswerDelay: time.Millisecond, Scheduled: 5 * time.Millisecond})
	sp = RunSpread(central, sameWork(in.Service), time.Second, 100, measured, nil, predict.Spread{})
	if !slices.Equal(sp.GiveUpLate, []time.Duration{2 * time.Millisecond, 0}) || !slices.Equal(sp.GiveUpAt, []time.Duration{time.Second, 1006 * time.Millisecond}) {
		t.Errorf("GiveUpLate %v at %v, want [2ms 0s] at [1s 1.006s]", sp.GiveUpLate, sp.GiveUpAt)
	}
	if !slices.Equal(sp.StayedLate, []time.Duration{2 * time.Millisecond}) || !slices.Equal(sp.StayedAt, []time.Duration{1005 * time.Millisecond}) {
		t.Errorf("StayedLate %v at %v, want [2ms] at [1.005s]", sp.StayedLate, sp.StayedAt)
	}
}

// A client stayed past its timeout as long as the server wrote its answer
// after it: a refusal's decision, or an ok work's end. An answer written
// before the timeout and read after it says nothing of the timer, and
// neither does one whose write the server did not time.
func TestAClientStayedAsLongAsItsAnswerWasWrittenAfterItsTimeout(t *testing.T) {
	ms := time.Millisecond
	end := time.Unix(100, 0)
	okRead := func(reply time.Duration) Measured {
		return Measured{Outcome: outcome.OK, Latency: 2*time.Second + 3*ms,
			Served: &Served{End: end, Received: end.Add(reply)}}
	}
	for _, tc := range []struct {
		name string
		m    Measured
		want time.Duration
		ok   bool
	}{
		{"a refusal written after", Measured{Outcome: outcome.HTTP503, Latency: 2*time.Second + 3*ms, AnswerDelay: ms}, 2 * ms, true},
		{"a refusal written before", Measured{Outcome: outcome.HTTP503, Latency: 2*time.Second + 3*ms, AnswerDelay: 4 * ms}, 0, false},
		{"a refusal not timed", Measured{Outcome: outcome.HTTP503, Latency: 2*time.Second + 3*ms}, 0, false},
		{"an ok work ended after", okRead(2 * ms), ms, true},
		{"an ok work ended before", okRead(5 * ms), 0, false},
		{"an ok answer not timed", Measured{Outcome: outcome.OK, Latency: 2*time.Second + 3*ms, Served: &Served{End: end}}, 0, false},
		{"in time", Measured{Outcome: outcome.HTTP503, Latency: time.Second, AnswerDelay: ms}, 0, false},
		{"timed out", Measured{Outcome: outcome.Timeout, Latency: 2*time.Second + 3*ms, AnswerDelay: ms}, 0, false},
	} {
		if got, ok := stayedPast(tc.m, 2*time.Second); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// sameWork is the work of a schedule whose requests all ask for w.
func sameWork(w time.Duration) func(int) time.Duration { return func(int) time.Duration { return w } }

// A request the central prediction has refused after a wait in the
// application queue reached the gate as it connected, as one refused at
// once does: a deadline queue of one slot, #0 at 0 runs 1 s, #1 at 100 ms
// waits and is refused at 1 s, when it could no longer end by its 1.5 s
// deadline. Both measured ways to the gate count.
func TestARequestRefusedAfterAWaitInTheQueueHasItsWayToTheGate(t *testing.T) {
	in := predict.Input{Arrivals: []time.Duration{0, 100 * time.Millisecond}, Service: time.Second, ClientTimeout: 1500 * time.Millisecond,
		Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.DeadlineQueue, Backlog: 128, Settings: catalog.Settings{Limit: 1, Queue: -1}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	if p := central.Requests[1]; p.Outcome != outcome.HTTP503 || p.Started != predict.Never || p.Queued != 900*time.Millisecond {
		t.Fatalf("central #1: %+v, want refused after 900 ms in the queue", p)
	}
	us := time.Microsecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: time.Second, Connect: 100 * us, Syn: 50 * us, Dialed: true, ToGate: 400 * us},
		{Seq: 1, Scheduled: 100 * time.Millisecond, Outcome: outcome.HTTP503, Latency: 900 * time.Millisecond, Connect: 100 * us, Syn: 50 * us,
			Dialed: true, ToGate: 600 * us},
	}
	sp := RunSpread(central, sameWork(in.Service), in.ClientTimeout, 10, measured, nil, predict.Spread{})
	if want := []time.Duration{350 * us, 550 * us}; !slices.Equal(sp.Reach, want) {
		t.Errorf("Reach %v, want %v", sp.Reach, want)
	}
}

// A server that holds a place per connection (fasthttp) says how long it
// held it after each ok request's work (CloseHold, from its passages); the
// replicas then take its reads and closes as they came, each where it
// began, and the accepts' delays for the admission's: it decides at the
// accept. #0's work ended at 1.0005 s; it was read 150 µs after its
// accept, 50 µs after its SYN.
func TestAServerThatHoldsAPlacePerConnectionGivesItsReadsAndCloses(t *testing.T) {
	in := predict.Input{Arrivals: []time.Duration{0, 10 * time.Millisecond}, Service: time.Second,
		Kernel: predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4},
		Limits: predict.Limits{Discipline: catalog.RejectBeyond, Backlog: 128, Settings: catalog.Settings{Limit: 1}}}
	central, err := predict.Simulate(in)
	if err != nil {
		t.Fatal(err)
	}
	us := time.Microsecond
	sent := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: 1001 * time.Millisecond, Connect: 100 * us, Syn: 50 * us, Dialed: true,
			ToGate: 250 * us, ToAccept: 100 * us, CloseHold: 300 * us,
			Served: &Served{Start: sent.Add(250 * us), End: sent.Add(1000500 * us), Received: sent.Add(1001 * time.Millisecond)}},
		{Seq: 1, Scheduled: 10 * time.Millisecond, Outcome: outcome.HTTP503, Latency: time.Millisecond, Connect: 100 * us, Dialed: true},
	}
	sp := RunSpread(central, sameWork(in.Service), 0, 10, measured, nil, predict.Spread{})
	if !slices.Equal(sp.CloseHold, []time.Duration{300 * us}) || !slices.Equal(sp.CloseHoldAt, []time.Duration{1000500 * us}) ||
		!slices.Equal(sp.ReadHold, []time.Duration{150 * us}) || !slices.Equal(sp.ReadHoldAt, []time.Duration{100 * us}) {
		t.Errorf("close holds %v at %v, read holds %v at %v; want [300µs] at [1.0005s], [150µs] at [100µs]",
			sp.CloseHold, sp.CloseHoldAt, sp.ReadHold, sp.ReadHoldAt)
	}
	if !slices.Equal(sp.AdmitDelay, []time.Duration{50 * us}) {
		t.Errorf("admission delays %v, want the accept's [50µs]", sp.AdmitDelay)
	}
}

// Where the server timed each request's arrival, the overshoot samples are
// also given by when each sleep came due on the schedule's clock: its
// send, its measured way to the gate, and the server's own times from
// there. #0, sent at 0, reached the gate 1 ms later and slept from then:
// due at 1.001 s, 0.4 ms over. #1, sent at 100 ms, reached it 2 ms later
// (0.102 s on the server's clock) and slept from 1.0016 s: due at 2.0016
// s, 0.2 ms over. Without the arrivals timed, there are none.
func TestTheOvershootsAreAlsoGivenByWhenTheirSleepsCameDue(t *testing.T) {
	central := oneSlotCentral(t)
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Outcome: outcome.OK, Latency: 1003 * ms, Connect: ms, Dialed: true, ToGate: ms,
			Served: served("slot-0", 0.001, 0.001, 1.0014)},
		{Seq: 1, Scheduled: 100 * ms, Outcome: outcome.OK, Latency: 1910 * ms, Connect: ms, Dialed: true, ToGate: 2 * ms,
			Served: served("slot-0", 0.102, 1.0016, 2.0018)},
	}
	sp := RunSpread(central, sameWork(time.Second), 0, 10, measured, nil, predict.Spread{})
	if !durationsNear(sp.OvershootAt, []time.Duration{1001 * ms, 2001600 * us}) ||
		!durationsNear(sp.OvershootLocal, []time.Duration{400 * us, 200 * us}) {
		t.Errorf("overshoots %v at %v; want [400µs 200µs] at [1.001s 2.0016s]", sp.OvershootLocal, sp.OvershootAt)
	}
	for i := range measured {
		measured[i].ToGate = 0
	}
	if sp = RunSpread(central, sameWork(time.Second), 0, 10, measured, nil, predict.Spread{}); sp.OvershootAt != nil || sp.OvershootLocal != nil {
		t.Errorf("without the arrivals timed: overshoots %v at %v; want none", sp.OvershootLocal, sp.OvershootAt)
	}
}

// Where some request's way to the gate is untimed, each request's write
// bounds it instead (predict.Spread.Written), from its SYN: #0's
// connection was accepted 0.1 ms after its SYN and its client's dial
// returned 200 ms after, so it reached the gate with the write, as the
// server timed it (200.4 ms); #1 waited in the accept queue past its
// client's dial (5 ms), which bounds it, and the server read it 100 µs
// after the accept; #2's connect retransmitted a SYN, so its write says
// nothing, but the server read it 200 µs after its accept; #3 never
// dialed, and #4's dial had not returned when its client gave up at 500 ms.
func TestEachRequestsWriteBoundsItsWayToTheGateFromItsSyn(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Dialed: true, Latency: 400 * ms, Syn: 100 * us, Connect: 200 * ms, ToAccept: 200 * us, ToGate: 200*ms + 500*us},
		{Seq: 1, Dialed: true, Latency: 500 * ms, Syn: 100 * us, Connect: 5 * ms, ToAccept: 300 * ms, ToGate: 300*ms + 100*us},
		{Seq: 2, Dialed: true, Latency: 1300 * ms, Syn: 100 * us, Connect: 1020 * ms, ToAccept: 1100 * ms, ToGate: 1100*ms + 200*us},
		{Seq: 3},
		{Seq: 4, Dialed: true, Outcome: outcome.Timeout, Latency: 500 * ms, Syn: 100 * us, Connect: 499900 * us},
	}
	got, read := writeBounds(measured, 5)
	if want := []time.Duration{200*ms + 400*us, 5 * ms, 0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
	if want := []time.Duration{0, 100 * us, 200 * us, 0, 0}; !slices.Equal(read, want) {
		t.Errorf("read after the accept %v, want %v", read, want)
	}
}

// A LimitListener's wake is a connection's accept less the close that
// freed its slot, timed at that close, where the connection was in the
// accept queue before the close: #0 (sent at 0) waited from its SYN at
// 0.1 ms for the close at 50 ms and was accepted 0.2 ms later; #1's SYN
// came after the close, so its accept waited for it too; #2 took a free
// slot (no close); #3's connect retransmitted a SYN. Where an ok
// request's work ended up to endToClose before the close, the wake counts
// from that end instead, whatever became of the waiter: #4, whose slot
// #5's work freed 0.3 ms after it ended, waited 0.4 ms, and #6, which timed
// out later, 0.5 ms after #7's work.
func TestALimitListenersWakeIsTheAcceptLessTheCloseThatFreedItsSlot(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Dialed: true, Syn: 100 * us, Connect: 200 * us, SlotFreed: 50 * ms, ToAccept: 50*ms + 200*us},
		{Seq: 1, Scheduled: 10 * ms, Dialed: true, Syn: 60 * ms, Connect: 200 * us, SlotFreed: 50 * ms, ToAccept: 60*ms + 100*us},
		{Seq: 2, Scheduled: 20 * ms, Dialed: true, Syn: 100 * us, Connect: 200 * us, ToAccept: 200 * us},
		{Seq: 3, Scheduled: 30 * ms, Dialed: true, Syn: 100 * us, Connect: 1010 * ms, SlotFreed: 900 * ms, ToAccept: 1020 * ms},
	}
	wakes, wakesAt := acceptWakes(measured, workEnds(measured))
	if !slices.Equal(wakes, []time.Duration{200 * us}) || !slices.Equal(wakesAt, []time.Duration{50 * ms}) {
		t.Errorf("wakes %v at %v, want [200µs] at [50ms]", wakes, wakesAt)
	}
	// #4 sent at 1 s (at(1) on the server's clock), its SYN at 1.0001 s,
	// the close at 1.2 s; #5's work, which #5's arrival at the gate places
	// on the schedule, ended at 1.1997 s.
	sent := at(1)
	measured = append(measured[:0],
		Measured{Seq: 4, Scheduled: time.Second, Outcome: outcome.OK, Dialed: true, Syn: 100 * us, Connect: 200 * us,
			SlotFreed: 200 * ms, ToAccept: 200*ms + 100*us, ToGate: 200*ms + 150*us,
			Served: &Served{Arrived: sent.Add(200*ms + 150*us), Start: sent.Add(200*ms + 150*us), End: sent.Add(300 * ms)}},
		Measured{Seq: 5, Outcome: outcome.OK, Scheduled: time.Second, ToGate: 100 * ms,
			Served: &Served{Arrived: sent.Add(100 * ms), End: sent.Add(200*ms - 300*us)}},
		Measured{Seq: 6, Scheduled: time.Second, Outcome: outcome.Timeout, Dialed: true, Syn: 100 * us, Connect: 200 * us,
			SlotFreed: 400 * ms, ToAccept: 400*ms + 300*us},
		Measured{Seq: 7, Outcome: outcome.OK, Scheduled: time.Second, ToGate: 300 * ms,
			Served: &Served{Arrived: sent.Add(300 * ms), End: sent.Add(400*ms - 200*us)}})
	wakes, wakesAt = acceptWakes(measured, workEnds(measured))
	if want := []time.Duration{time.Second + 200*ms - 300*us, time.Second + 400*ms - 200*us}; !slices.Equal(wakes, []time.Duration{400 * us, 500 * us}) ||
		!slices.Equal(wakesAt, want) {
		t.Errorf("wakes %v at %v, want [400µs 500µs] at %v", wakes, wakesAt, want)
	}
}

// A timed-out client's give-up is as late as loadgen recorded it, unless
// its server saw it leave sooner, after the timeout: 2 s timeouts,
// recorded 1 ms late, and left 0.4 ms after the timeout (an
// overload-controls run measured such); left after the record; left
// before the timeout, which bounds nothing; and not left at all. An ok
// request, or one that timed out sooner than the timeout (its connect),
// gives no sample.
func TestAClientGaveUpNoLaterThanItsServerSawItLeave(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	timedOut := func(left time.Duration) Measured {
		return Measured{Outcome: outcome.Timeout, Latency: 2*time.Second + ms, Left: left}
	}
	for _, tc := range []struct {
		name string
		m    Measured
		want time.Duration
		ok   bool
	}{
		{"left first", timedOut(2*time.Second + 400*us), 400 * us, true},
		{"left after", timedOut(2*time.Second + 3*ms), ms, true},
		{"left before the timeout", timedOut(time.Second), ms, true},
		{"not known", timedOut(0), ms, true},
		{"ok", Measured{Outcome: outcome.OK, Latency: 2*time.Second + ms}, 0, false},
		{"sooner", Measured{Outcome: outcome.Timeout, Latency: time.Second}, 0, false},
	} {
		if got, ok := giveUpLate(tc.m, 2*time.Second); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// A connection the server accepted 10 ms after its client's send, whose
// SYN left 0.1 ms after the send, was accepted 9.9 ms after its SYN. A
// request not dialed, one whose connect needed a retransmitted SYN, and
// one whose accept was not timed give none.
func TestAnAcceptTheServerTimedIsAfterItsSyn(t *testing.T) {
	ms, us := time.Millisecond, time.Microsecond
	measured := []Measured{
		{Seq: 0, Dialed: true, Syn: 100 * us, ToAccept: 10 * ms, Connect: ms},
		{Seq: 1, Syn: 100 * us, ToAccept: 10 * ms},
		{Seq: 2, Dialed: true, Syn: 100 * us, Connect: 1100 * ms, ToAccept: 1100 * ms},
		{Seq: 3, Dialed: true, Syn: 100 * us, Connect: ms},
	}
	if got, want := acceptsAfter(measured, 4), []time.Duration{9900 * us, 0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("accepts after %v, want %v", got, want)
	}
}
