package attack

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/workload"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		err  string
		want outcome.Outcome
	}{
		{200, "", outcome.OK},
		{503, "503 Service Unavailable", outcome.HTTP503},
		{404, "404 Not Found", outcome.HTTPOther},
		{0, `Get "http://x/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`, outcome.Timeout},
		{0, `Get "http://x/": context deadline exceeded`, outcome.Timeout},
		{0, `Get "http://x/": dial tcp 127.0.0.1:1: connect: connection timed out`, outcome.Timeout},
		{0, `Get "http://x/": dial tcp 127.0.0.1:1: connect: connection refused`, outcome.Refused},
		{0, `Get "http://x/": read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer`, outcome.Reset},
		{0, `Get "http://x/": EOF`, outcome.Reset},
		{0, `Get "http://x/": readLoopPeekFailLocked: %!w(<nil>)`, outcome.Reset},
		{0, `Get "http://x/": write tcp 192.168.0.7:40974->192.168.0.4:8080: use of closed network connection`, outcome.Reset},
		{0, `Get "http://x/": context canceled`, outcome.Other},
	} {
		if got := Classify(&vegeta.Result{Code: tc.code, Error: tc.err}); got != tc.want {
			t.Errorf("%d %q: %s, want %s", tc.code, tc.err, got, tc.want)
		}
	}
}

func TestDetail(t *testing.T) {
	for _, tc := range []struct {
		outcome outcome.Outcome
		code    uint16
		err     string
		want    string
	}{
		{outcome.OK, 200, "", ""},
		{outcome.Reset, 0, `Get "http://x/?id=1": EOF`, "EOF"},
		{outcome.Reset, 0, `Get "http://x/?id=2": read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer`,
			"read tcp 127.0.0.1:*->127.0.0.1:6: read: connection reset by peer"},
		{outcome.HTTPOther, 404, "404 Not Found", "HTTP 404"},
		{outcome.Other, 0, `Get "http://x/?id=7": context canceled`, "context canceled"},
		{outcome.Other, 0, "dial tcp: lookup nowhere: no such host", "dial tcp: lookup nowhere: no such host"},
		{outcome.Other, 0, "", "no status and no error"},
	} {
		if got := Detail(tc.outcome, &vegeta.Result{Method: "GET", Code: tc.code, Error: tc.err}); got != tc.want {
			t.Errorf("%s %d %q: %q, want %q", tc.outcome, tc.code, tc.err, got, tc.want)
		}
	}
}

// Exactly N hits, ids 0..N-1, each with one outcome and a traced connect.
func TestAttackSendsExactlyNHits(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		id, _ := strconv.Atoi(r.URL.Query().Get("id"))
		if r.URL.Query().Get("sleep") != "20ms" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		time.Sleep(20 * time.Millisecond)
		if id%3 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var hits []Hit
	a, err := New(context.Background(), Options{Name: "t", URL: srv.URL + "/",
		Schedule: workload.Steady(30, 5*time.Millisecond, 20*time.Millisecond, 0), Timeout: 5 * time.Second},
		func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	a.Run(context.Background())
	count := map[outcome.Outcome]int{}
	seen := map[uint64]bool{}
	for _, h := range hits {
		count[h.Outcome]++
		seen[h.Result.Seq] = true
		if !h.Dialed || h.Connect <= 0 || h.Connect > time.Second {
			t.Errorf("hit %d: connect %s dialed %v", h.Result.Seq, h.Connect, h.Dialed)
		}
		if h.Result.Headers.Get(ConnectHeader) == "" {
			t.Errorf("hit %d: no %s header", h.Result.Seq, ConnectHeader)
		}
		// The connect starts after the send and before the answer.
		if h.Syn < 0 || h.Syn >= h.Result.Latency || SynTime(h.Result) != h.Syn.Round(time.Microsecond) {
			t.Errorf("hit %d: syn %s, in its header %s, latency %s", h.Result.Seq, h.Syn, SynTime(h.Result), h.Result.Latency)
		}
		// Linux's RTO is at least TCP_RTO_MIN, more when the kernel keeps
		// a larger RTT for the address; other systems give none.
		if wantRTO := runtime.GOOS == "linux"; (h.RTO >= 200*time.Millisecond) != wantRTO || RTOTime(h.Result) != h.RTO.Round(time.Microsecond) {
			t.Errorf("hit %d: RTO %s, in its header %s", h.Result.Seq, h.RTO, RTOTime(h.Result))
		}
	}
	if len(hits) != 30 || len(seen) != 30 || served.Load() != 30 {
		t.Fatalf("%d hits (%d distinct), %d served; want 30", len(hits), len(seen), served.Load())
	}
	if count[outcome.OK] != 20 || count[outcome.HTTP503] != 10 {
		t.Errorf("outcomes %v, want 20 ok and 10 http_503", count)
	}
	if c := &a.Counters; c.Sent.Load() != 30 || c.Done.Load() != 30 || c.Inflight.Load() != 0 || c.OK.Load() != 20 {
		t.Errorf("counters sent %d done %d inflight %d ok %d", c.Sent.Load(), c.Done.Load(), c.Inflight.Load(), c.OK.Load())
	}
}

// A hit counts as sent and in flight as vegeta asks for its request, just
// after it stamps the hit's send, and not only once its round trip
// begins: a goroutine can wait for a CPU in between, and the prediction
// counts the client's in-flight requests from the stamped send.
func TestAHitCountsInFlightFromItsSendNotItsRoundTrip(t *testing.T) {
	a, err := New(context.Background(), Options{Name: "t", URL: "http://127.0.0.1:1/",
		Schedule: workload.Steady(3, 5*time.Millisecond, 20*time.Millisecond, 0), Timeout: time.Second},
		func(Hit) {})
	if err != nil {
		t.Fatal(err)
	}
	var tgt vegeta.Target
	if err := a.targeter()(&tgt); err != nil {
		t.Fatal(err)
	}
	if c := &a.Counters; c.Sent.Load() != 1 || c.Inflight.Load() != 1 {
		t.Errorf("after the request was asked for: sent %d, in flight %d; want 1 and 1", c.Sent.Load(), c.Inflight.Load())
	}
}

// The attack's zero is the instant each hit's lateness counts from: a
// hit's send is its zero plus its due time plus its lateness, exactly.
// Before the attack runs there is none; it comes no sooner than Run.
func TestEachHitIsSentItsDueTimeAndLatenessAfterTheAttacksZero(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	var hits []Hit
	a, err := New(context.Background(), Options{Name: "t", URL: srv.URL + "/",
		Schedule: workload.Steady(5, 5*time.Millisecond, 0, 0), Timeout: 5 * time.Second},
		func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	if z := a.Zero(); !z.IsZero() {
		t.Fatalf("zero %v before the attack ran", z)
	}
	called := time.Now()
	a.Run(context.Background())
	zero := a.Zero()
	if zero.Before(called) {
		t.Fatalf("zero %v before Run was called at %v", zero, called)
	}
	if len(hits) != 5 {
		t.Fatalf("%d hits, want 5", len(hits))
	}
	for _, h := range hits {
		if got, want := h.Result.Timestamp.Sub(zero), h.Scheduled+h.Late; got != want {
			t.Errorf("hit %d sent %v after the zero, want its due %v plus its lateness %v", h.Result.Seq, got, h.Scheduled, h.Late)
		}
	}
}

// A refused connect is classified and its (short) connect time kept.
func TestRefusedConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var hits []Hit
	a, err := New(context.Background(), Options{Name: "t", URL: "http://" + addr + "/",
		Schedule: workload.Steady(3, time.Millisecond, 0, 0), Timeout: 5 * time.Second}, func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	a.Run(context.Background())
	for _, h := range hits {
		if h.Outcome != outcome.Refused || !h.Dialed {
			t.Errorf("hit %+v: want refused with a connect time", h)
		}
	}
	if len(hits) != 3 {
		t.Errorf("%d hits, want 3", len(hits))
	}
}

// The pacer waits itself until each hit is due, spinning its last
// moment, and hands vegeta no wait: vegeta sends a hit as soon as its own
// sleep ends, which would send it a spin early.
func TestThePacerReturnsWhenEachHitIsDueAndStopsAtN(t *testing.T) {
	p := &cappedPacer{hits: 3, opt: Options{Schedule: workload.Steady(3, 100*time.Millisecond, 0, 0)},
		spin: maxSpin, sleeper: newSleeper()}
	defer p.sleeper.close()
	began := time.Now()
	for _, tc := range []struct {
		late time.Duration // how much later than now vegeta says it is
		hits uint64
		due  time.Duration // when Pace may return, from the first call
		stop bool
	}{
		{0, 0, 0, false},
		{0, 1, 100 * time.Millisecond, false},
		{time.Second, 2, 0, false}, // late: at once
		{time.Second, 3, 0, true},
	} {
		elapsed := time.Since(began) + tc.late
		wait, stop := p.Pace(elapsed, tc.hits)
		if since := time.Since(began); since < tc.due {
			t.Errorf("Pace(%s, %d) returned %s after the start, before the hit was due at %s", elapsed, tc.hits, since, tc.due)
		}
		if wait != 0 || stop != tc.stop {
			t.Errorf("Pace(%s, %d) = %s, %v; want 0, %v", elapsed, tc.hits, wait, stop, tc.stop)
		}
	}
}
