package predict

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

func TestEachWheelLevelCountsInEighthsOfItsStart(t *testing.T) {
	for _, tc := range []struct{ jiffies, unit int64 }{
		{62, 1}, {63, 8}, {250, 8}, {503, 8}, {504, 64}, {1000, 64}, {4031, 64}, {4032, 512}, {16000, 512}, {32256, 4096},
	} {
		if got := unit(tc.jiffies); got != tc.unit {
			t.Errorf("a timer of %d jiffies: unit %d, want %d", tc.jiffies, got, tc.unit)
		}
	}
}

func TestTheWheelFiresTheSynScheduleLateAsThisKernelDoes(t *testing.T) {
	// HZ=250 and jiffy 0 at the first SYN. Each timer is armed when the
	// previous SYN went out and fires at the first unit boundary after its
	// expiry: 250 jiffies → 256 (1.024 s); 256+250 = 506 → 512; … the 4 s
	// gap: 1784+1000 = 2784 → 2816 (units of 64); the 32 s gap:
	// 8896+8000 = 16896 → 17408 (units of 512); give-up 64 s later:
	// 33408 → 33792.
	w := wheel{jiffy: 4 * time.Millisecond}
	nominal, giveUp := linux.NominalSchedule()
	fires, gaveUp := w.retransmissions(0, nominal, giveUp)
	want := []float64{1.024, 2.048, 3.072, 4.096, 5.12, 7.136, 11.264, 19.456, 35.584, 69.632}
	for i, f := range fires {
		if f != sec(want[i]) {
			t.Errorf("retransmission %d at %v, want %v s", i+1, f, want[i])
		}
	}
	if gaveUp != sec(135.168) {
		t.Errorf("gives up at %v, want 135.168 s", gaveUp)
	}
	// Sent 4 and 8 ms later (jiffies 1 and 2), the first timer still fires
	// at 1.024 s: requests sent a few ms apart retransmit together.
	for _, sent := range []float64{0.004, 0.008} {
		if f, _ := w.retransmissions(sec(sent), nominal, giveUp); f[0] != sec(1.024) {
			t.Errorf("sent at %.3f s: first retransmission at %v, want 1.024 s", sent, f[0])
		}
	}
}

// raceInput: a limitlistener of 1 with an accept queue of 1. Request 0
// runs 0–1 s; request 1 waits in the accept queue and is accepted at 1 s;
// requests 2 and 3, sent at 4 and 8 ms, find the queue full and both
// retransmit at 1.024 s into an empty queue of one place.
func raceInput() Input {
	return Input{Arrivals: at(0, 0, 0.004, 0.008), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 0, Settings: catalog.Settings{Limit: 1}}}
}

func TestHandshakesThatFireTogetherOnTwoCPUsBothGetIntoTheLastPlace(t *testing.T) {
	for _, tc := range []struct {
		cpus []uint8
		peak int
	}{
		{[]uint8{0, 0, 0, 1}, 2}, // requests 2 and 3 on different CPUs: both see room
		{[]uint8{0, 0, 1, 1}, 1}, // on the same CPU: one after the other
	} {
		e := newEngine(raceInput())
		e.useWheel(wheel{jiffy: 4 * time.Millisecond})
		e.cpu = tc.cpus
		e.run()
		if e.peak.AcceptQueue != tc.peak {
			t.Errorf("CPUs %v: peak accept queue %d, want %d", tc.cpus, e.peak.AcceptQueue, tc.peak)
		}
	}
}

func TestAnAcceptDelayKeepsAConnectionInTheQueueForAMoment(t *testing.T) {
	in := Input{Arrivals: at(0, 1), Service: 100 * time.Millisecond, Kernel: linux,
		Limits: Limits{Discipline: catalog.NoLimit, Backlog: 128}}
	rs, err := Replicate(in, Spread{AcceptDelay: time.Millisecond}, ReplicaOptions{N: 20, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	central := mustSimulate(t, in)
	for i, f := range rs.Runs {
		if f.Peak.AcceptQueue != 1 {
			t.Errorf("replica %d: peak accept queue %d, want 1", i, f.Peak.AcceptQueue)
		}
	}
	if central.Peak.AcceptQueue != 0 || central.Seen.AcceptQueue != 0 {
		t.Errorf("central: peak %d, seen %d; want 0 and 0", central.Peak.AcceptQueue, central.Seen.AcceptQueue)
	}
}

func TestTheLosersOfARaceForTheLastPlaceWaitInLimboAndRetryOnTheServersSynAckTimer(t *testing.T) {
	// Two retransmitted SYNs fire together on one CPU at 1.024 s into one
	// free place (limboInput): the one whose timer was armed last runs
	// first and gets the place, and the other's ACK is dropped. That one
	// is connected for its client at 1.024 s, holds a request socket, and
	// gets into the accept queue at the first limbo attempt that finds
	// room.
	w := wheel{jiffy: 4 * time.Millisecond}
	// From 1.024 s (jiffy 256): SYN-ACK timers of 1, 2, 4, 8, 16 s
	// (units of 8, 8, 64, 64, 64 jiffies): 256+250 → 512, 512+500 → 1016,
	// 1016+1000 → 2048, 2048+2000 → 4096, 4096+4000 → 8128; the request
	// socket is dropped 32 s later (8128+8000 → 16384). With timestamps
	// the client sends its request again as a tail loss probe after 200 ms
	// (50 jiffies, units of 1), then on its RTO, 200 ms, doubling:
	// 256+50 → 307, +50 → 358, +100 → 464, +200 → 672, +400 → 1080,
	// +800 (units of 64) → 1920, +1600 → 3584, +3200 → 6848, +6400 (units
	// of 512) → 13312, then past 16384. Without, the probe after 1 s (units
	// of 8) and the RTO 3 s (units of 64), doubling: 256+250 → 512, +750 →
	// 1280, +1500 → 2816, +3000 → 5824, +6000 (units of 512) → 12288.
	for _, tc := range []struct {
		timestamps bool
		want       []time.Duration
	}{
		{true, at(1.228, 1.432, 1.856, 2.048, 2.688, 4.064, 4.32, 7.68, 8.192, 14.336, 16.384, 27.392, 32.512, 53.248)},
		{false, at(2.048, 2.048, 4.064, 5.12, 8.192, 11.264, 16.384, 23.296, 32.512, 49.152)},
	} {
		got := limboAttempts(w.synAckFirings(sec(1.024)), w.clientRetransmissions(sec(1.024), tc.timestamps))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("timestamps %v: attempts %v\nwant %v", tc.timestamps, got, tc.want)
		}
	}
	in := limboInput()
	in.Service = time.Second
	e := newEngine(in)
	e.useWheel(w)
	e.cpu = []uint8{0, 0, 0, 0, 1, 1}
	e.run()
	// Requests 1, 2 and 3 run 1–2, 2–3 and 3–4 s, and request 5 (in the
	// queue from 1.024 s) 4–5 s. Request 4 finds the queue full at 1.228,
	// 1.432 and 1.856 s, enters it at 2.048 s, when request 2's accept has
	// left a place, and runs 5–6 s, connected for its client since 1.024 s.
	r4 := e.out[4]
	if r4.Connected != sec(1.024) || r4.Started != sec(5) || r4.Outcome != "ok" {
		t.Errorf("request 4: connected %v, started %v, %s; want 1.024 s, 5 s, ok", r4.Connected, r4.Started, r4.Outcome)
	}
}

// limboInput is a connection limit of 1 whose accept queue has room for
// 3, and whose listener keeps as many request sockets: request 0 runs from 0 s,
// requests 1 to 3 fill the queue, and the SYNs of requests 4 and 5 (sent
// at 4 and 8 ms) are dropped. At 1 s request 0 ends and request 1 is
// accepted; at 1.024 s the two retransmitted SYNs fire together into the
// one free place. Request 5's timer was armed last, so it runs first: it
// takes the first request socket and the place. Request 4 takes the
// second request socket, and its ACK is dropped: it is in limbo.
func limboInput() Input {
	return Input{Arrivals: at(0, 0, 0, 0, 0.004, 0.008), Service: 10 * time.Second, Kernel: linux,
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 2, Settings: catalog.Settings{Limit: 1}}}
}

func TestAGhostDialWhoseAckFindsTheQueueFullComesBackAsAnOrphan(t *testing.T) {
	// A connection limit of 1 with room for 2 in its accept queue. #0 holds
	// the slot until 3 s, #1 and #2 fill the queue, and everyone's client
	// gives up at 0.9 s after its send: the server cannot see it, so the
	// queue stays full until 3 s. #3 and #4, whose SYNs were dropped, are
	// ghosts then: Go's Transport still dials. #5 takes the slot at 3.05 s
	// and #6 the queue's first place at 3.06 s. At 3.072 s the ghosts'
	// SYNs fire together on one CPU into the one free place: #4, whose
	// timer was armed last, takes it, and #3's ACK is dropped. #3 tries
	// again on its FIN's retransmissions and the server's SYN-ACK timer;
	// the queue stays full until #5 ends at
	// 13.05 s, and the server is busy again from 13.1 s (#7). From jiffy
	// 768 (3.072 s), the FIN goes again as a tail loss probe after 50
	// jiffies and then on timers of 50, 100, 200, 400, 800 and 1600: at
	// 819, 870, 976, 1184, 1592, 2432 and 4096; the SYN-ACK timers of 250,
	// 500, 1000 and 2000 fire at 1024, 1528, 2560 and 4608: the first try
	// after 13.05 s is at jiffy 4096, 16.384 s, which puts #3 in the queue
	// as an orphan until #7 ends at 23.1 s.
	in := Input{Arrivals: at(0, 0, 0, 0.004, 0.008, 3.05, 3.06, 13.1), Kernel: linux, ClientTimeout: 900 * time.Millisecond,
		Work: []time.Duration{3 * time.Second, time.Second, time.Second, time.Second, time.Second, 10 * time.Second,
			time.Second, 10 * time.Second},
		Limits: Limits{Discipline: catalog.KernelQueue, Backlog: 1, Settings: catalog.Settings{Limit: 1}, WorkOutlivesClient: true}}
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = []uint8{0, 0, 0, 1, 1, 0, 0, 0}
	e.run()
	state := func(at time.Duration) gauges {
		var g gauges
		for _, s := range e.snaps {
			if s.t <= at {
				g = s.g
			}
		}
		return g
	}
	if g := state(sec(16.38)); g.acceptQueue != 0 || g.connections != 1 {
		t.Errorf("at 16.38 s: %+v; want the queue empty and #7's connection", g)
	}
	if g := state(sec(16.384)); g.acceptQueue != 1 || g.connections != 1 {
		t.Errorf("at 16.384 s: %+v; want #3's orphan in the queue", g)
	}
	if g := state(sec(23.1)); g.acceptQueue != 0 {
		t.Errorf("at 23.1 s: %+v; want the orphan accepted and closed", g)
	}
}

func TestAConnectionOutOfLimboOnABareAckHoldsItsSlotUntilItsRequestComes(t *testing.T) {
	// limboInput, with requests 2, 3 and 5 working 10 ms: they run
	// 2–2.03 s, and the queue has room from 2 s. Request 4 leaves limbo at
	// 2.048 s on the server's SYN-ACK retransmission, which the client
	// answers with a bare ACK; it is accepted at once and holds the
	// connection limit's one slot with nothing to read until the client
	// retransmits its request at 2.688 s (jiffy 672), and runs
	// 2.688–3.688 s.
	e := bareAckEngine(limboInput())
	e.run()
	if r4 := e.out[4]; r4.Connected != sec(1.024) || r4.Started != sec(2.688) || r4.Outcome != "ok" {
		t.Errorf("request 4: connected %v, started %v, %s; want 1.024 s, 2.688 s, ok", r4.Connected, r4.Started, r4.Outcome)
	}
	for _, s := range e.snaps {
		if s.t >= sec(2.048) && s.t < sec(2.688) && (s.g.connections != 1 || s.g.inflight != 0 || s.g.acceptQueue != 0) {
			t.Errorf("at %v: %+v; want one connection, held with no work", s.t, s.g)
		}
	}
}

// bareAckEngine runs in with requests 2, 3 and 5 working 10 ms and the
// others 1 s, requests 4 and 5 on a CPU of their own.
func bareAckEngine(in Input) *engine {
	ms10 := 10 * time.Millisecond
	in.Work = []time.Duration{time.Second, time.Second, ms10, ms10, time.Second, ms10}
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = []uint8{0, 0, 0, 0, 1, 1}
	return e
}

func TestTheListenerHoldsARequestSocketForAConnectionInLimbo(t *testing.T) {
	// As above: request 4's ACK is dropped at 1.024 s, and the server's
	// SYN-ACK retransmission gets it into the accept queue at 2.048 s. The
	// listener holds its request socket for that second, and none else:
	// request 5's handshake ended as it began.
	e := bareAckEngine(limboInput())
	e.run()
	for _, s := range e.snaps {
		want := 0
		if s.t >= sec(1.024) && s.t < sec(2.048) {
			want = 1
		}
		if s.g.synQueue != want {
			t.Errorf("at %v: %d request sockets, want %d", s.t, s.g.synQueue, want)
		}
	}
	if e.peak.SynQueue != 1 {
		t.Errorf("peak %d request sockets, want 1", e.peak.SynQueue)
	}
}

func TestAConnectionInLimboOnACookieGetsInOnlyWithItsClientsResend(t *testing.T) {
	// A connection limit of 1 with a backlog of 0: the accept queue has
	// room for 1, and the listener keeps 1 request socket. Request 0 runs
	// 0–1 s, request 1 fills the queue, and the SYNs of requests 2 and 3
	// are dropped. At 1.024 s request 3 takes the request socket and the
	// place request 1 left, and the listener answers request 2's SYN with
	// a cookie, keeping nothing; its ACK is dropped. With no SYN-ACK to
	// resend, request 2 tries again only when its client resends its
	// request: at 1.228, 1.432 and 1.856 s the queue is full, and at
	// 2.688 s it is empty (request 3 ran 2–2.01 s), so request 2 gets in
	// with its request, and runs at once. No slot is held without work,
	// and the listener never holds a request socket for longer than an
	// instant.
	in := raceInput()
	in.Work = []time.Duration{time.Second, time.Second, time.Second, 10 * time.Millisecond}
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = []uint8{0, 0, 1, 1}
	e.run()
	if r2 := e.out[2]; r2.Connected != sec(1.024) || r2.Started != sec(2.688) || r2.Outcome != "ok" {
		t.Errorf("request 2: connected %v, started %v, %s; want 1.024 s, 2.688 s, ok", r2.Connected, r2.Started, r2.Outcome)
	}
	for _, s := range e.snaps {
		if s.t >= sec(2.01) && s.t < sec(2.688) && (s.g.connections != 0 || s.g.acceptQueue != 0) {
			t.Errorf("at %v: %+v; want no connection until request 2's resend", s.t, s.g)
		}
	}
	if e.peak.SynQueue != 0 {
		t.Errorf("peak %d request sockets, want none", e.peak.SynQueue)
	}
}

func TestAConnectionOnACookieThatWentStaleIsResetAtItsClientsNextResend(t *testing.T) {
	// As above, but requests 1 and 3 work 200 s: the queue stays full
	// until 201 s. Request 2's cookie, stamped at 1.024 s, goes stale a
	// minute later (jiffy 15256). Its client resends at jiffies 307, 358,
	// 464, 672, 1080, 1920, 3584, 6848 and 13312, into a full queue, and
	// next at 26624 (106.496 s), after the cookie went stale: the
	// listener, which never knew the connection, resets it.
	in := raceInput()
	in.Work = []time.Duration{time.Second, 200 * time.Second, time.Second, 200 * time.Second}
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = []uint8{0, 0, 1, 1}
	e.run()
	if r2 := e.out[2]; r2.Connected != sec(1.024) || r2.Outcome != "reset" || r2.Finished != sec(106.496) {
		t.Errorf("request 2: connected %v, %s at %v; want 1.024 s, reset at 106.496 s", r2.Connected, r2.Outcome, r2.Finished)
	}
}

func TestAClientThatGaveUpInLimboStillHoldsASlotUntilItsFINComes(t *testing.T) {
	// limboInput, with a client timeout of 1.5 s that the server cannot
	// see: request 1 runs 1–2 s for nobody, and requests 2, 3 and 5,
	// orphans since 1.5 to 1.508 s, are accepted and closed at 2 s.
	// Request 4's client gives up at 1.504 s while in limbo, and its socket
	// goes on retransmitting, with a FIN now. The connection gets in at
	// 2.048 s on a bare ACK, is accepted at once, and holds the slot until
	// the FIN comes at 2.688 s.
	in := limboInput()
	in.ClientTimeout = 1500 * time.Millisecond
	in.Work = []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second, 100 * time.Millisecond}
	in.Limits.WorkOutlivesClient = true
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = []uint8{0, 0, 0, 0, 1, 1}
	e.run()
	if r4 := e.out[4]; r4.Started != Never || r4.Outcome != "timeout" || r4.Finished != sec(1.504) {
		t.Errorf("request 4: started %v, %s at %v; want never, timeout at 1.504 s", r4.Started, r4.Outcome, r4.Finished)
	}
	held, closed := false, Never
	for _, s := range e.snaps {
		if s.t >= sec(2.048) && s.t < sec(2.688) {
			held = held || s.g.connections == 1
			if s.g.connections != 1 || s.g.inflight != 0 {
				t.Errorf("at %v: %+v; want one connection, held with no work", s.t, s.g)
			}
		}
		if s.t >= sec(2.048) && s.g.connections == 0 && closed == Never {
			closed = s.t
		}
		if s.t >= sec(2.688) && s.g.connections != 0 {
			t.Errorf("at %v: %+v; want the connection closed on the FIN", s.t, s.g)
		}
	}
	if !held || closed != sec(2.688) {
		t.Errorf("held %v, closed at %v; want held from 2.048 s and closed at 2.688 s: %+v", held, closed, e.snaps)
	}
}

func TestOldRequestSocketsGetFewerSynAckRetriesWhenTheyCrowdTheBacklog(t *testing.T) {
	// reqsk_timer_handler: past half the backlog and 4, one retry less
	// for each doubling of twice the young count that does not exceed the
	// request sockets, down to 2.
	for _, tc := range []struct {
		backlog, pending, young, want int
	}{
		{16, 8, 0, 5},  // 2·8 is not more than 16
		{16, 9, 0, 2},  // no young ones: down to 2
		{16, 9, 3, 4},  // 9 ≥ 6, 9 < 12
		{16, 9, 5, 5},  // 9 < 10
		{16, 12, 2, 3}, // 12 ≥ 4, 12 ≥ 8, 12 < 16
		{16, 10, 5, 4}, // 10 ≥ 10, 10 < 20
		{16, 12, 3, 3}, // 12 ≥ 6, 12 ≥ 12, 12 < 24
		{16, 5, 0, 5},  // 2·5 is not more than 16
		{0, 5, 0, 2},   // a backlog under 8 counts as 8: 10 > 8
		{0, 4, 0, 5},   // 8 is not more than 8
	} {
		e := newEngine(Input{Arrivals: at(0), Kernel: linux, Limits: Limits{Discipline: catalog.KernelQueue,
			Backlog: tc.backlog, Settings: catalog.Settings{Limit: 1}}})
		e.useWheel(wheel{jiffy: 4 * time.Millisecond})
		for r := range tc.pending {
			e.limbo[r] = nil
		}
		e.youngRequestSockets = tc.young
		if got := e.synAckRetriesNow(); got != tc.want {
			t.Errorf("backlog %d, %d pending, %d young: %d retries, want %d", tc.backlog, tc.pending, tc.young, got, tc.want)
		}
	}
}

func TestAClientWhoseRequestSocketWasPrunedIsResetAtItsNextRetransmission(t *testing.T) {
	// A connection limit of 1 with a backlog of 8: room for 9 in its
	// accept queue, and as many request sockets. #0 runs 0–1 s, #1 to #9 wait in the queue, and #1
	// runs 1–101 s. The SYNs of #10 to #16, sent at 4 to 20 ms, are
	// dropped; their retransmissions fire together at 1.024 s on one CPU
	// into the place #1 left: one gets it, and the other six are in limbo,
	// each with a request socket, the queue full until 101 s. Six request
	// sockets are more than half of the backlog of 8, so their SYN-ACK
	// timers (2.048, 4.064, 8.192 s from 1.024 s) prune them: at 2.048 s
	// the six young ones keep 5, 5, 5, 4, 4 and 3 retries as each fires in
	// turn, and at 4.064 s none is young and each keeps 2. At 8.192 s,
	// with two fired, the first two are dropped; four are left, no more
	// than half of 8, and keep 5 retries: they are dropped at 65.536 s
	// (jiffy 16384). Each client's next retransmission of its request is
	// reset by the listener: at 14.336 s (jiffy 3584) for the first two,
	// at 106.496 s (13312 + 12800 → 26624) for the others. #2 to #9 work
	// 1 ms from 101 s, and the SYN that got in runs from 101.008 s.
	in := Input{Arrivals: at(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.004, 0.004, 0.008, 0.008, 0.012, 0.016, 0.02), Kernel: linux,
		ClientTimeout: 300 * time.Second,
		Limits:        Limits{Discipline: catalog.KernelQueue, Backlog: 8, Settings: catalog.Settings{Limit: 1}}}
	in.Work = make([]time.Duration, len(in.Arrivals))
	for i := range in.Work {
		in.Work[i] = 100 * time.Second
		if i >= 2 && i <= 9 {
			in.Work[i] = time.Millisecond
		}
	}
	in.Work[0] = time.Second
	e := newEngine(in)
	e.useWheel(wheel{jiffy: 4 * time.Millisecond})
	e.cpu = make([]uint8, len(in.Arrivals))
	e.run()
	ends := map[string]int{}
	for _, q := range e.out[10:] {
		if q.Outcome == "ok" {
			ends[fmt.Sprintf("ok from %v", q.Started)]++
			continue
		}
		ends[fmt.Sprintf("%s at %v, connected at %v", q.Outcome, q.Finished, q.Connected)]++
	}
	want := map[string]int{"ok from 1m41.008s": 1, "reset at 14.336s, connected at 1.024s": 2, "reset at 1m46.496s, connected at 1.024s": 4}
	if !reflect.DeepEqual(ends, want) {
		t.Errorf("ends %v\nwant %v", ends, want)
	}
}
