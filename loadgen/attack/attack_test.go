package attack

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code uint16
		err  string
		want Outcome
	}{
		{200, "", OK},
		{503, "503 Service Unavailable", HTTP503},
		{404, "404 Not Found", HTTPOther},
		{0, `Get "http://x/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`, Timeout},
		{0, `Get "http://x/": context deadline exceeded`, Timeout},
		{0, `Get "http://x/": dial tcp 127.0.0.1:1: connect: connection timed out`, Timeout},
		{0, `Get "http://x/": dial tcp 127.0.0.1:1: connect: connection refused`, Refused},
		{0, `Get "http://x/": read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer`, Reset},
		{0, `Get "http://x/": EOF`, Reset},
		{0, `Get "http://x/": readLoopPeekFailLocked: %!w(<nil>)`, Reset},
		{0, `Get "http://x/": context canceled`, Other},
	} {
		if got := Classify(&vegeta.Result{Code: tc.code, Error: tc.err}); got != tc.want {
			t.Errorf("%d %q: %s, want %s", tc.code, tc.err, got, tc.want)
		}
	}
}

func TestDetail(t *testing.T) {
	for _, tc := range []struct {
		outcome Outcome
		code    uint16
		err     string
		want    string
	}{
		{OK, 200, "", ""},
		{Reset, 0, `Get "http://x/?id=1": EOF`, ""},
		{HTTPOther, 404, "404 Not Found", "HTTP 404"},
		{Other, 0, `Get "http://x/?id=7": context canceled`, "context canceled"},
		{Other, 0, "dial tcp: lookup nowhere: no such host", "dial tcp: lookup nowhere: no such host"},
		{Other, 0, "", "no status and no error"},
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
	a, err := New(context.Background(), Options{Name: "t", URL: srv.URL + "/", Requests: 30,
		Interval: 5 * time.Millisecond, Sleep: 20 * time.Millisecond, Timeout: 5 * time.Second},
		func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	a.Run(context.Background())
	count := map[Outcome]int{}
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
	}
	if len(hits) != 30 || len(seen) != 30 || served.Load() != 30 {
		t.Fatalf("%d hits (%d distinct), %d served; want 30", len(hits), len(seen), served.Load())
	}
	if count[OK] != 20 || count[HTTP503] != 10 {
		t.Errorf("outcomes %v, want 20 ok and 10 http_503", count)
	}
	if c := &a.Counters; c.Sent.Load() != 30 || c.Done.Load() != 30 || c.Inflight.Load() != 0 || c.OK.Load() != 20 {
		t.Errorf("counters sent %d done %d inflight %d ok %d", c.Sent.Load(), c.Done.Load(), c.Inflight.Load(), c.OK.Load())
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
	a, err := New(context.Background(), Options{Name: "t", URL: "http://" + addr + "/", Requests: 3,
		Interval: time.Millisecond, Timeout: 5 * time.Second}, func(h Hit) { hits = append(hits, h) })
	if err != nil {
		t.Fatal(err)
	}
	a.Run(context.Background())
	for _, h := range hits {
		if h.Outcome != Refused || !h.Dialed {
			t.Errorf("hit %+v: want refused with a connect time", h)
		}
	}
	if len(hits) != 3 {
		t.Errorf("%d hits, want 3", len(hits))
	}
}

func TestPacerStopsAtN(t *testing.T) {
	p := &cappedPacer{hits: 3, every: 100 * time.Millisecond}
	for _, tc := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{10 * time.Millisecond, 1, 89 * time.Millisecond, false}, // the last 1 ms is spun
		{250 * time.Millisecond, 2, 0, false},
		{250 * time.Millisecond, 3, 0, true},
	} {
		wait, stop := p.Pace(tc.elapsed, tc.hits)
		if wait != tc.wait || stop != tc.stop {
			t.Errorf("Pace(%s, %d) = %s, %v; want %s, %v", tc.elapsed, tc.hits, wait, stop, tc.wait, tc.stop)
		}
	}
}
