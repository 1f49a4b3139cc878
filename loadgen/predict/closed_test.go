package predict

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/workload"
)

func users(n, iterations int, rampUp, think time.Duration) *workload.Users {
	return &workload.Users{Starts: workload.RampUp(n, rampUp), Iterations: iterations, Think: think}
}

// Five users with no think time against a semaphore of 2: each user's next
// request goes out the instant its last answer arrives, so exactly five
// are in flight from the first send to the first user's last answer: two
// running and three queued, whatever the server does.
func TestClosedUsersWithoutThinkKeepExactlyNInFlight(t *testing.T) {
	in := Input{Users: users(5, 4, 0, 0), Service: 100 * time.Millisecond, Limits: semaphoreLimits(2, -1),
		Kernel: linux, Step: 10 * time.Millisecond}
	res := mustSimulate(t, in)
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 20})
	checkPeak(t, res, Peak{Inflight: 2, Queued: 3, Connections: 5, ClientInflight: 5})
	// Two slots serve 20 requests of 100 ms: the last ends at 1 s. The
	// first user to finish its four is done when 16 have been served, at
	// 800 ms; until then every point holds 5 in flight.
	if res.End != time.Second {
		t.Errorf("End = %v, want 1s", res.End)
	}
	for _, p := range res.Series {
		if p.T < 800*time.Millisecond && (p.ClientInflight != 5 || p.Inflight != 2 || p.Queued != 3) {
			t.Errorf("at %v: %d in flight (%d running, %d queued), want 5 (2, 3)", p.T, p.ClientInflight, p.Inflight, p.Queued)
		}
	}
	if res.Seen.ClientInflight != 5 {
		t.Errorf("Seen.ClientInflight = %d, want 5", res.Seen.ClientInflight)
	}
}

// One user, 50 ms of think, 100 ms of work, three iterations: it sends at
// 0, 150 ms and 300 ms, and its last answer comes at 400 ms.
func TestAClosedUserThinksBetweenAnswerAndNextSend(t *testing.T) {
	res := mustSimulate(t, Input{Users: users(1, 3, 0, 50*time.Millisecond), Service: 100 * time.Millisecond,
		Limits: semaphoreLimits(1, -1), Kernel: linux})
	for i, want := range []time.Duration{0, 150 * time.Millisecond, 300 * time.Millisecond} {
		if got := res.Requests[i].Sent; got != want {
			t.Errorf("request %d sent at %v, want %v", i, got, want)
		}
	}
	if res.End != 400*time.Millisecond || res.LastSend() != 300*time.Millisecond {
		t.Errorf("End = %v, LastSend = %v; want 400ms, 300ms", res.End, res.LastSend())
	}
}

// Four users ramped up over 2 s start at 0, 0.5, 1 and 1.5 s, as JMeter
// starts its threads; requests are numbered iteration by iteration, so
// request 5 is user 1's second, sent at 0.5 s + 300 ms of work + 100 ms of
// think.
func TestClosedUsersRampUpAndNumberRequestsByIteration(t *testing.T) {
	res := mustSimulate(t, Input{Users: users(4, 2, 2*time.Second, 100*time.Millisecond), Service: 300 * time.Millisecond,
		Limits: semaphoreLimits(4, -1), Kernel: linux})
	for i, want := range []float64{0, 0.5, 1, 1.5, 0.4, 0.9, 1.4, 1.9} {
		if got := res.Requests[i].Sent; got != sec(want) {
			t.Errorf("request %d sent at %v, want %vs", i, got, want)
		}
	}
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 8})
}

// A user waits for its request's give-up before it thinks: with a 250 ms
// timeout and a server that takes 1 s, user 0 sends at 0 and 250 ms (no
// think), and both time out.
func TestAClosedUserGoesOnAfterItsTimeout(t *testing.T) {
	res := mustSimulate(t, Input{Users: users(1, 2, 0, 0), Service: time.Second, Limits: semaphoreLimits(1, -1),
		Kernel: linux, ClientTimeout: 250 * time.Millisecond})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.Timeout: 2})
	if got := res.Requests[1].Sent; got != 250*time.Millisecond {
		t.Errorf("second request sent at %v, want 250ms", got)
	}
}

// Replicas of a closed input send each request as late after its user was
// ready as the run did, and keep the requests' numbers.
func TestClosedReplicasSendAsLateAsTheRun(t *testing.T) {
	in := Input{Users: users(2, 3, 0, 0), Service: 100 * time.Millisecond, Limits: semaphoreLimits(2, -1), Kernel: linux}
	late := make([]time.Duration, in.Requests())
	for i := range late {
		late[i] = 10 * time.Millisecond
	}
	e, order := newReplica(in, Spread{SendLate: late, Overshoot: []time.Duration{0}}, rand.New(rand.NewPCG(1, 0)), &buffers{})
	e.run()
	// Each request takes 10 ms to leave and 100 ms to serve: user 0 sends
	// at 10, 120 and 230 ms.
	for j, i := range order {
		if j != i {
			t.Fatalf("order[%d] = %d; closed replicas keep their numbering", j, i)
		}
	}
	for i, want := range []time.Duration{10, 10, 120, 120, 230, 230} {
		if got := e.out[i].Sent; got != want*time.Millisecond {
			t.Errorf("request %d sent at %v, want %vms", i, got, want)
		}
	}
}

func TestAClosedInputWithArrivalsIsRefused(t *testing.T) {
	_, err := Simulate(Input{Users: users(1, 1, 0, 0), Arrivals: at(0), Limits: semaphoreLimits(1, -1), Kernel: linux})
	if err == nil || err.Error() != "predict: Arrivals: must be nil with Users, which send their own requests" {
		t.Errorf("err = %v", err)
	}
}

// A closed replica gives each ok answer its own measured delay, where
// known: user 0's answer takes 5 ms and user 1's 20 ms, so their second
// requests go out at 105 and 120 ms, not at drawn instants.
func TestClosedReplicasAnswerAsLateAsTheRunDid(t *testing.T) {
	in := Input{Users: users(2, 2, 0, 0), Service: 100 * time.Millisecond, Limits: semaphoreLimits(2, -1), Kernel: linux}
	ms := time.Millisecond
	spread := Spread{Overshoot: []time.Duration{0}, ReplyDelay: []time.Duration{50 * ms}, ReplyOf: []time.Duration{5 * ms, 20 * ms, 0, 0}}
	e, _ := newReplica(in, spread, rand.New(rand.NewPCG(1, 0)), &buffers{})
	e.run()
	if e.out[2].Sent != 105*ms || e.out[3].Sent != 120*ms {
		t.Errorf("second requests sent at %v and %v, want 105ms and 120ms", e.out[2].Sent, e.out[3].Sent)
	}
}
