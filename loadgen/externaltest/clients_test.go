package externaltest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/reconstruct"
)

// clients are raw HTTP/1.1 clients, one request per connection, each
// recording what the rebuild needs: when it was sent, how long the connect
// took, when it ended and how.
type clients struct {
	addr  string
	query string

	wg      sync.WaitGroup
	mu      sync.Mutex
	records []reconstruct.Request
	conns   []net.Conn
	errs    []error
}

func newClients(t *testing.T, addr, query string) *clients {
	c := &clients{addr: addr, query: query}
	t.Cleanup(c.close)
	return c
}

// start launches one client; connected is closed when its handshake is done
// (or its dial failed).
func (c *clients) start(id int) (connected chan struct{}) {
	connected = make(chan struct{})
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		rec := reconstruct.Request{Sent: time.Now(), Dialed: true, Outcome: outcome.Other}
		defer func() {
			rec.Ended = time.Now()
			c.mu.Lock()
			c.records = append(c.records, rec)
			c.mu.Unlock()
		}()
		// Long enough for a few SYN retransmissions.
		conn, err := net.DialTimeout("tcp", c.addr, 20*time.Second)
		rec.Connect = time.Since(rec.Sent)
		close(connected)
		if err != nil {
			c.fail(fmt.Errorf("client %d: %v", id, err))
			return
		}
		c.mu.Lock()
		c.conns = append(c.conns, conn)
		c.mu.Unlock()
		_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
		fmt.Fprintf(conn, "GET /?id=%d&%s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", id, c.query, c.addr)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			c.fail(fmt.Errorf("client %d: %v", id, err))
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		conn.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			rec.Outcome = outcome.OK
		case http.StatusServiceUnavailable:
			rec.Outcome = outcome.HTTP503
		default:
			rec.Outcome = outcome.HTTPOther
		}
	}()
	return connected
}

// startAll launches n clients at once, ids from first.
func (c *clients) startAll(first, n int) {
	for i := 0; i < n; i++ {
		c.start(first + i)
	}
}

// startOneByOne launches n clients, each after the previous one's
// handshake is done, so that the kernel sees them in order.
func (c *clients) startOneByOne(t *testing.T, first, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-c.start(first + i):
		case <-time.After(5 * time.Second):
			t.Fatalf("client %d: no handshake within 5 s", first+i)
		}
	}
}

func (c *clients) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// wait waits for every client to end, up to within, and returns their
// records; every request must have been answered 200.
func (c *clients) wait(t *testing.T, within time.Duration) []reconstruct.Request {
	t.Helper()
	testbin.Wait(t, &c.wg, within, "clients")
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, err := range c.errs {
		t.Error(err)
	}
	for _, r := range c.records {
		if r.Outcome != outcome.OK {
			t.Errorf("a request ended %s", r.Outcome)
		}
	}
	return append([]reconstruct.Request(nil), c.records...)
}

// close hangs up on every client still holding a connection.
func (c *clients) close() {
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}
