package attack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newOneShot() *oneShot {
	d := newCachingDialer(&net.Dialer{Timeout: 5 * time.Second, KeepAlive: -1}, nil)
	return &oneShot{dial: d.DialContext, other: http.DefaultTransport}
}

// Each request gets a connection of its own, asks the server to close it,
// and gets its whole answer, headers longer than the read buffer included.
func TestAOneShotRequestHasItsOwnConnectionAndItsWholeAnswer(t *testing.T) {
	long := strings.Repeat("x", 3*connBuffer)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !r.Close {
			t.Errorf("request %s did not ask to close its connection", r.URL)
		}
		w.Header().Set("X-Long", long)
		io.WriteString(w, "ok "+r.URL.Query().Get("id"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client := &http.Client{Transport: newOneShot()}
	for _, id := range []string{"1", "2", "3"} {
		resp, err := client.Get(srv.URL + "/?id=" + id)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "ok "+id || resp.Header.Get("X-Long") != long {
			t.Fatalf("request %s: body %q, %d header bytes, error %v", id, body, len(resp.Header.Get("X-Long")), err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("3 requests used %d connections", n)
	}
}

// A request that gives up while its answer is awaited ends with its
// context's error at its deadline, and its connection is closed.
func TestAOneShotRequestEndsAtItsDeadlineAndClosesItsConnection(t *testing.T) {
	closed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the server sees the client leave
		close(closed)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	began := time.Now()
	_, err := newOneShot().RoundTrip(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("gave up after %v, the deadline was 100ms", took)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the connection close")
	}
}

// A body whose read the deadline interrupts reports the deadline.
func TestAOneShotBodyCutByTheDeadlineReportsIt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "12345")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := newOneShot().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("body read error %v, want the deadline", err)
	}
}

// A dial that outlives its request, as http.Transport's does, goes on
// until it connects, and the connection it makes is closed at once.
func TestAOneShotDialOutlivesItsRequestAndClosesWhatItMakes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	release := make(chan struct{})
	dialCtxDone := make(chan bool, 1)
	o := newOneShot()
	real := o.dial
	o.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-release // a SYN still being retransmitted
		dialCtxDone <- ctx.Err() != nil
		return real(ctx, network, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	if _, err := o.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	close(release)
	if <-dialCtxDone {
		t.Fatal("the dial's context ended with its request's")
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the ghost's connection read %d bytes, error %v; want it closed with nothing sent", n, err)
	}
}

// A request to a closed port fails with the dial's own error, which
// Classify reads as refused.
func TestAOneShotRefusedDialKeepsTheDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	_, err = newOneShot().RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want connection refused", err)
	}
}

// A request whose context ended before its round trip began sends no SYN,
// as http.Transport sends none.
func TestAOneShotRequestThatGaveUpBeforeItBeganDialsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
	if _, err := newOneShot().RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want the request's cancellation", err)
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(300 * time.Millisecond))
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("the listener accepted a connection from a request that had given up")
	}
}

// Informational answers before the final one are skipped, up to five, as
// http.Transport skips them; a sixth fails the request.
func TestAOneShotRequestSkipsUpToFiveInformationalAnswers(t *testing.T) {
	for _, tc := range []struct {
		informational int
		wantErr       bool
	}{{2, false}, {5, false}, {6, true}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			c.Read(make([]byte, 4096))
			io.WriteString(c, strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", tc.informational)+
				"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		}()
		req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
		resp, err := newOneShot().RoundTrip(req)
		ln.Close()
		if tc.wantErr {
			if !errors.Is(err, errTooManyInformational) {
				t.Errorf("%d informational answers: error %v, want %v", tc.informational, err, errTooManyInformational)
			}
			continue
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%d informational answers: %v, error %v; want 200", tc.informational, resp, err)
			continue
		}
		resp.Body.Close()
	}
}
