package predict

import (
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
)

func rateLimits(perSecond float64, burst int, wait bool, queueTimeout time.Duration) Limits {
	return Limits{Discipline: catalog.TokenBucket, Backlog: 4096,
		Settings: catalog.Settings{TokenRate: perSecond, Burst: burst, RateWait: wait, QueueTimeout: queueTimeout}}
}

// A bucket of b tokens gaining r a second, under a constant overload from 0
// to T, admits exactly b + ⌊r·T⌋ requests. Here r = 3/s, b = 5, a request
// every 7 ms until T = 1.995 s: 5 + ⌊5.985⌋ = 10. The first 5 take the
// full bucket; the k-th token after them is there at k/3 s, and the first
// request sent at or after it takes it: 336, 672, 1001, 1337 and 1673 ms
// (#48, #96, #143, #191, #239). Every other request gets 429 at once.
func TestATokenBucketAdmitsItsBurstAndThenItsRate(t *testing.T) {
	res := mustSimulate(t, Input{Arrivals: every(286, 7*time.Millisecond), Service: 10 * time.Millisecond,
		Limits: rateLimits(3, 5, false, 0), Kernel: linux})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 10, outcome.HTTP429: 276})
	var admitted []int
	for _, r := range res.Requests {
		if r.Outcome == outcome.OK {
			admitted = append(admitted, r.Index)
		}
	}
	want := []int{0, 1, 2, 3, 4, 48, 96, 143, 191, 239}
	if len(admitted) != len(want) {
		t.Fatalf("admitted %v, want %v", admitted, want)
	}
	for i := range want {
		if admitted[i] != want[i] {
			t.Fatalf("admitted %v, want %v", admitted, want)
		}
	}
	// 10 ms of work, a request every 7 ms: two of the burst overlap, and a
	// 429 ends at the instant it is sent.
	checkPeak(t, res, Peak{Inflight: 2, Connections: 2, ClientInflight: 2})
}

// With rate_wait, a request reserves the next token and waits for it, up
// to the queue timeout. r = 8/s (a token per 125 ms), b = 1, a 250 ms
// queue timeout, sends every 15.625 ms (an eighth of a token: exact in
// binary). #0 takes the token. #1 finds -0.875 after its own: due at
// 125 ms. #2 finds -1.75: due at 250 ms, a wait of 218.75 ms. #3 would wait
// 328.125 ms: it gives its token back and gets 429, and so do #4 (312.5 ms)
// and #5 (296.875 ms).
func TestATokenBucketWithWaitsStartsEachWaiterWhenItsTokenIsDue(t *testing.T) {
	res := mustSimulate(t, Input{Arrivals: every(6, 15625*time.Microsecond), Service: 50 * time.Millisecond,
		Limits: rateLimits(8, 1, true, 250*time.Millisecond), Kernel: linux})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 3, outcome.HTTP429: 3})
	for i, start := range []time.Duration{0, 125 * time.Millisecond, 250 * time.Millisecond} {
		if got := res.Requests[i].Started; got != start {
			t.Errorf("#%d started at %v, want %v", i, got, start)
		}
	}
	checkPeak(t, res, Peak{Inflight: 1, Queued: 2, Connections: 3, ClientInflight: 3})
	if res.End != 300*time.Millisecond {
		t.Errorf("End = %v, want 300ms", res.End)
	}
}

// A waiter whose client gives up gives its token back, as
// rate.Reservation.Cancel does. r = 8/s, b = 1, a 93.75 ms client timeout.
// #0 takes the token at 0. #1, sent at 15.625 ms, is due at 125 ms but its
// client leaves at 109.375 ms: the bucket is back from -0.125 to 0.875.
// #2, sent at 117.1875 ms, finds 0.9375: due at 125 ms, not at 250 ms as it
// would be had #1 kept its token, and it is ok.
func TestAWaiterWhoseClientLeavesGivesItsTokenBack(t *testing.T) {
	res := mustSimulate(t, Input{
		Arrivals: []time.Duration{0, 15625 * time.Microsecond, 117187500 * time.Nanosecond},
		Service:  50 * time.Millisecond, Limits: rateLimits(8, 1, true, 0), Kernel: linux,
		ClientTimeout: 93750 * time.Microsecond})
	checkOutcomes(t, res, map[outcome.Outcome]int{outcome.OK: 2, outcome.Timeout: 1})
	if got := res.Requests[2].Started; got != 125*time.Millisecond {
		t.Errorf("#2 started at %v, want 125ms", got)
	}
	if res.Requests[1].Outcome != outcome.Timeout || res.Requests[1].Started != Never {
		t.Errorf("#1 = %+v, want a timeout that never started", res.Requests[1])
	}
}

func TestATokenBucketNeedsARateAndABurst(t *testing.T) {
	for _, c := range []struct {
		l    Limits
		want string
	}{
		{rateLimits(0, 1, false, 0), "Limits.TokenRate"},
		{rateLimits(5, 0, false, 0), "Limits.Burst"},
	} {
		_, err := Simulate(Input{Arrivals: every(1, 0), Limits: c.l, Kernel: linux})
		if err == nil || !strings.HasPrefix(err.Error(), "predict: "+c.want+":") {
			t.Errorf("%+v: %v, want an error naming %s", c.l.Settings, err, c.want)
		}
	}
}
