package attack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/workapi"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type countingObserver struct{ ended atomic.Int64 }

func (o *countingObserver) Ended() { o.ended.Add(1) }

// A hit ends for the in-flight count when vegeta closes its answer's body,
// once however often it is closed, and at once when the round trip fails.
func TestAHitEndsWhenItsBodyIsClosedOrItsRoundTripFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	var obs countingObserver
	tr := newTracer(context.Background(), http.DefaultTransport, &obs)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if obs.ended.Load() != 0 {
		t.Errorf("before the body is read: ended %d, want 0", obs.ended.Load())
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body.Close()
	if obs.ended.Load() != 1 {
		t.Errorf("after two closes: ended %d, want 1", obs.ended.Load())
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	req, _ = http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	if _, err := tr.RoundTrip(req); err == nil {
		t.Fatal("a round trip to a closed port did not fail")
	}
	if obs.ended.Load() != 2 {
		t.Errorf("after a refused connect: ended %d, want 2", obs.ended.Load())
	}
}

// The client gives up at the very instant its Conclab-Deadline header
// names, not a timeout after its own start: a request told to give up
// 100 ms from now, to a server that answers after 2 s, fails with the
// deadline well before the client's own 5 s timeout.
func TestTheClientGivesUpAtTheDeadlineItSends(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)
	client := &http.Client{Transport: newTracer(context.Background(), http.DefaultTransport, &countingObserver{}), Timeout: 5 * time.Second}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set(workapi.DeadlineHeader, time.Now().Add(100*time.Millisecond).Format(workapi.DeadlineFormat))
	began := time.Now()
	_, err := client.Do(req)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("err %v, want the deadline exceeded", err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("gave up after %v, want about 100ms", took)
	}
	if got := classifyError(err.Error()); got != "timeout" {
		t.Errorf("classified as %s, want timeout", got)
	}
}

// PauseGC turns the collector off under a memory limit of at most 2 GiB,
// and its restore puts both back.
func TestPauseGCTurnsTheCollectorOffUntilRestored(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	restore := PauseGC()
	if percent, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); percent != -1 || limit > sendHeapLimit {
		t.Errorf("paused: GC percent %d, memory limit %d; want -1 and at most %d", percent, limit, int64(sendHeapLimit))
	}
	restore()
	if percent := debug.SetGCPercent(77); percent != 77 {
		t.Errorf("restored: GC percent %d, want 77", percent)
	}
}

// A hit's SYN is stamped when its dial calls connect(2): after the
// connect's start, which comes before socket(2), and before the connect
// ends; the dialer's own Control hook still runs, and its error still
// ends the dial before any SYN is stamped.
func TestAHitsSynIsStampedWhenItsDialCallsConnect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	var controlled atomic.Int64
	dialer := &net.Dialer{Control: func(string, string, syscall.RawConn) error { controlled.Add(1); return nil }}
	transport := &http.Transport{DialContext: newCachingDialer(dialer, nil).DialContext, DisableKeepAlives: true}
	tr := newTracer(context.Background(), transport, &countingObserver{})
	for seq := range uint64(3) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set(seqHeader, strconv.FormatUint(seq, 10))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.mu.Lock()
		d := tr.connects[seq]
		tr.mu.Unlock()
		if d.syn.IsZero() || d.syn.Before(d.start) || d.syn.After(d.start.Add(d.connect)) {
			t.Errorf("hit %d: connect started %s, SYN stamped %s, connect took %s; want the stamp within the connect",
				seq, d.start.Format(time.StampMicro), d.syn.Format(time.StampMicro), d.connect)
		}
	}
	if controlled.Load() != 3 {
		t.Errorf("the dialer's Control ran %d times, want 3", controlled.Load())
	}

	refuse := errors.New("refused by Control")
	hook := stampingSyn(func(string, string, syscall.RawConn) error { return refuse })
	stamped := false
	ctx := context.WithValue(context.Background(), dialStampsKey{}, &dialStamps{syn: func() { stamped = true }})
	if err := hook(ctx, "tcp4", "127.0.0.1:1", nil); !errors.Is(err, refuse) || stamped {
		t.Errorf("a failing Control: error %v, stamped %v; want its error and no stamp", err, stamped)
	}
}

// A time in a header reads back as the Duration rounded to the microsecond,
// a half microsecond included.
func TestAHeaderTimeReadsBackRoundedToTheMicrosecond(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000"},
		{309500 * time.Nanosecond, "0.310"},
		{309499 * time.Nanosecond, "0.309"},
		{999999500 * time.Nanosecond, "1000.000"},
		{1500 * time.Millisecond, "1500.000"},
		{-time.Millisecond, "0.000"},
	} {
		got := formatConnect(tc.d)
		back, ok := headerMs(&vegeta.Result{Headers: http.Header{SynHeader: {got}}}, SynHeader)
		if got != tc.want || !ok || back != max(tc.d, 0).Round(time.Microsecond) {
			t.Errorf("%s: header %q reads back %s (%v); want %q and %s", tc.d, got, back, ok, tc.want, max(tc.d, 0).Round(time.Microsecond))
		}
	}
}
