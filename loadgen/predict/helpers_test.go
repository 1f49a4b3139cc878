package predict

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
)

// linux is this machine's kernel: tcp_syn_retries=6, tcp_syn_linear_timeouts=4.
// Its SYN schedule: retransmissions at 1,2,3,4,5,7,11,19,35,67 s, give-up at 131 s.
var linux = Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second}

// oldLinux is a kernel without linear SYN timeouts: 1,3,7,15,31,63 s, give-up at 127 s.
var oldLinux = Kernel{SynRetries: 6, InitialRTO: time.Second}

// sec converts seconds to a Duration, exactly for the decimals used here.
func sec(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// at returns arrivals at the given seconds.
func at(s ...float64) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, x := range s {
		out[i] = sec(x)
	}
	return out
}

// burst returns n arrivals at 0.
func burst(n int) []time.Duration { return make([]time.Duration, n) }

// every returns n arrivals at 0, iv, 2iv, ...
func every(n int, iv time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i) * iv
	}
	return out
}

// seed is the published experiment's schedule: 1000 requests at 2 per second.
func seed() []time.Duration { return every(1000, 500*time.Millisecond) }

func mustSimulate(t testing.TB, in Input) Result {
	t.Helper()
	res, err := Simulate(in)
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	return res
}

// counts builds a full Outcomes map.
func counts(kv map[outcome.Outcome]int) map[outcome.Outcome]int {
	m := make(map[outcome.Outcome]int, len(outcome.All))
	for _, o := range outcome.All {
		m[o] = kv[o]
	}
	return m
}

func checkOutcomes(t *testing.T, res Result, want map[outcome.Outcome]int) {
	t.Helper()
	want = counts(want)
	for _, o := range outcome.All {
		if res.Outcomes[o] != want[o] {
			t.Errorf("Outcomes[%s] = %d, want %d (all: %v)", o, res.Outcomes[o], want[o], res.Outcomes)
		}
	}
	if len(res.Outcomes) != len(outcome.All) {
		t.Errorf("Outcomes has %d keys, want %d", len(res.Outcomes), len(outcome.All))
	}
}

func checkPeak(t *testing.T, res Result, want Peak) {
	t.Helper()
	if res.Peak != want {
		t.Errorf("Peak = %+v\n          want %+v", res.Peak, want)
	}
}

// life is the expected life of one request in seconds; -1 is Never.
type life struct {
	conn, start, fin float64
	out              outcome.Outcome
	syn              int
	queued           float64
}

func (l life) String() string {
	return fmt.Sprintf("conn=%v start=%v fin=%v %s syn=%d queued=%v", l.conn, l.start, l.fin, l.out, l.syn, l.queued)
}

func asLife(r Request) life {
	s := func(d time.Duration) float64 {
		if d == Never {
			return -1
		}
		return d.Seconds()
	}
	return life{s(r.Connected), s(r.Started), s(r.Finished), r.Outcome, r.SynRetries, r.Queued.Seconds()}
}

func checkLives(t *testing.T, res Result, want []life) {
	t.Helper()
	if len(res.Requests) != len(want) {
		t.Fatalf("%d requests, want %d", len(res.Requests), len(want))
	}
	var b strings.Builder
	for i, r := range res.Requests {
		if r.Index != i {
			t.Errorf("Requests[%d].Index = %d", i, r.Index)
		}
		if got := asLife(r); got != want[i] {
			fmt.Fprintf(&b, "\n  #%d: got  %v\n       want %v", i, got, want[i])
		}
	}
	if b.Len() > 0 {
		t.Errorf("request lives differ:%s", b.String())
	}
}

// pointAt returns the series point at T = s seconds.
func pointAt(t *testing.T, res Result, s float64) Point {
	t.Helper()
	for _, p := range res.Series {
		if p.T == sec(s) {
			return p
		}
	}
	t.Fatalf("no series point at %vs", s)
	return Point{}
}
