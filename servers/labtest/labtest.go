// Package labtest starts labservers in-process on 127.0.0.1 and holds real
// client connections against them, for tests that assert the exact numbers
// a model implies.
package labtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/promscrape"
	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/models"
)

// Start runs a labserver with args (flags as on the command line) on free
// loopback ports and shuts it down when the test ends.
func Start(t testing.TB, args ...string) *lab.Server {
	t.Helper()
	all := append([]string{"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, args...)
	cfg, spec, err := lab.ParseFlags(all, models.All, nil)
	if err != nil {
		t.Fatalf("labserver %s: %v", strings.Join(args, " "), err)
	}
	srv, err := lab.Start(cfg, spec, &testWriter{t: t})
	if err != nil {
		t.Fatalf("labserver %s: %v", strings.Join(args, " "), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Scrape reads the server's /metrics.
func Scrape(t testing.TB, srv *lab.Server) promscrape.Samples {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := promscrape.Scrape(ctx, nil, "http://"+srv.AdminAddr()+"/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	return s
}

// WaitFor polls /metrics until every series in want has exactly its value,
// and fails the test with the values last seen when within passes first.
// The margin is for scheduling only: the values themselves are exact.
func WaitFor(t testing.TB, srv *lab.Server, within time.Duration, want map[string]float64) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := Scrape(t, srv)
		var diffs []string
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", k, g, v))
			}
		}
		if len(diffs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			sort.Strings(diffs)
			t.Fatalf("after %s:\n  %s", within, strings.Join(diffs, "\n  "))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Result is what one held client saw.
type Result struct {
	Connected bool   // the TCP handshake completed
	Status    int    // the HTTP status; 0 when there was no response
	Err       error  // the dial or read error
	Body      string // the response body
	Header    http.Header
}

// Request is what a held client sends: Method (GET when empty) to
// /?id=i&Query, with Header's fields, and Body after a Content-Length when
// Body is not empty.
type Request struct {
	Method string
	Query  string
	Header map[string]string
	Body   string
}

// text is the request of client id, sent to addr.
func (r Request) text(id int, addr string) string {
	method, length := r.Method, ""
	if method == "" {
		method = http.MethodGet
	}
	if r.Body != "" {
		length = fmt.Sprintf("Content-Length: %d\r\n", len(r.Body))
	}
	for k, v := range r.Header {
		length += k + ": " + v + "\r\n"
	}
	return fmt.Sprintf("%s /?id=%d&%s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n%s",
		method, id, r.Query, addr, length, r.Body)
}

// Clients are raw TCP clients, each sending one request (a GET unless told)
// and waiting for the answer, like the seed experiment's JMeter users.
type Clients struct {
	mu      sync.Mutex
	conns   []net.Conn
	results []Result
	wg      sync.WaitGroup
	dialed  chan int
}

// Hold starts n clients against srv, each sending GET /?id=i&query. Dials
// give up after dialTimeout, so connects the kernel never completes show
// up as failed dials. Hold returns at once; Close hangs up on every client.
func Hold(t testing.TB, srv *lab.Server, n int, query string, dialTimeout time.Duration) *Clients {
	t.Helper()
	return HoldRequest(t, srv, n, Request{Query: query}, dialTimeout)
}

// HoldRequest is Hold with any method and body.
func HoldRequest(t testing.TB, srv *lab.Server, n int, req Request, dialTimeout time.Duration) *Clients {
	t.Helper()
	c := &Clients{results: make([]Result, n), dialed: make(chan int, n)}
	for i := 0; i < n; i++ {
		c.wg.Add(1)
		go c.run(srv.Addr(), i, req, dialTimeout)
	}
	t.Cleanup(c.Close)
	return c
}

// HoldOne starts one client and waits until its connection is up or has
// failed, so that tests can control the arrival order.
func HoldOne(t testing.TB, c *Clients, srv *lab.Server, id int, query string, dialTimeout time.Duration) {
	t.Helper()
	HoldOneRequest(t, c, srv, id, Request{Query: query}, dialTimeout)
}

// HoldOneRequest is HoldOne with any method and body.
func HoldOneRequest(t testing.TB, c *Clients, srv *lab.Server, id int, req Request, dialTimeout time.Duration) {
	t.Helper()
	c.mu.Lock()
	for len(c.results) <= id {
		c.results = append(c.results, Result{})
	}
	c.mu.Unlock()
	c.wg.Add(1)
	go c.run(srv.Addr(), id, req, dialTimeout)
	select {
	case <-c.dialed:
	case <-time.After(dialTimeout + 5*time.Second):
		t.Fatalf("client %d: no connect within 5s", id)
	}
}

// NewClients is an empty set for HoldOne.
func NewClients(t testing.TB) *Clients {
	c := &Clients{dialed: make(chan int, 1024)}
	t.Cleanup(c.Close)
	return c
}

func (c *Clients) run(addr string, id int, r Request, dialTimeout time.Duration) {
	defer c.wg.Done()
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		c.set(id, Result{Err: err})
		c.dialed <- id
		return
	}
	c.mu.Lock()
	c.conns = append(c.conns, conn)
	c.results[id].Connected = true
	c.mu.Unlock()
	c.dialed <- id
	if _, err := conn.Write([]byte(r.text(id, addr))); err != nil {
		c.set(id, Result{Connected: true, Err: err})
		return
	}
	// The request tells ReadResponse that a HEAD's answer has no body.
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.Method})
	if err != nil {
		c.set(id, Result{Connected: true, Err: err})
		return
	}
	var body strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&body)
	resp.Body.Close()
	c.set(id, Result{Connected: true, Status: resp.StatusCode, Body: body.String(), Header: resp.Header})
}

func (c *Clients) set(id int, r Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.results[id] = r
}

// Close hangs up every connection and waits for the clients to end.
func (c *Clients) Close() {
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
	c.mu.Unlock()
	c.wg.Wait()
}

// Wait waits for every client to end by itself, up to within.
func (c *Clients) Wait(t testing.TB, within time.Duration) []Result {
	t.Helper()
	testbin.Wait(t, &c.wg, within, "clients")
	return c.Results()
}

// Results is a copy of what each client saw so far, by id.
func (c *Clients) Results() []Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Result(nil), c.results...)
}

// Count returns how many results satisfy f.
func Count(rs []Result, f func(Result) bool) int {
	n := 0
	for _, r := range rs {
		if f(r) {
			n++
		}
	}
	return n
}

// WaitCount waits up to within until exactly want results satisfy f. A
// server counts a response before the client has read it, so a test that
// saw the server's counter still polls its clients.
func (c *Clients) WaitCount(t testing.TB, within time.Duration, want int, f func(Result) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rs := c.Results()
		n := Count(rs, f)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients matched after %s, want %d: %+v", n, within, want, rs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
