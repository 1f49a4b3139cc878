package models_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/servers/labtest"
)

// A client that sends half a header cannot hold a limitlistener slot
// forever: --read-header-timeout closes it, and the next client is served.
func TestSlowHeaderClientLosesItsSlot(t *testing.T) {
	srv := labtest.Start(t, "--model", "limitlistener", "--limit", "1", "--read-header-timeout", "300ms")
	// The header timeout starts after the dial, so the second client is
	// served at least 300 ms after this, however slow the machine.
	start := time.Now()
	slow, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("GET /?sleep=0 HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
		t.Fatal(err)
	}
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": 1})
	c := labtest.Hold(t, srv, 1, "sleep=0", 2*time.Second)
	r := c.Wait(t, settle)[0]
	if r.Status != 200 {
		t.Fatalf("second client: %+v", r)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("second client served after %s: the slow one should have held the only slot for ~300ms", d)
	}
	_ = slow.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("slow client got %d", resp.StatusCode)
		}
	}
}

// Oversized headers are refused before any handler work, for every model.
func TestOversizedHeadersAreRefused(t *testing.T) {
	for _, model := range []string{"nethttp", "semaphore", "fasthttp"} {
		t.Run(model, func(t *testing.T) {
			srv := labtest.Start(t, "--model", model)
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			big := strings.Repeat("a", 200<<10)
			go fmt.Fprintf(conn, "GET /?sleep=10s HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", big)
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no response: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 431 or 400", resp.StatusCode)
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 0})
		})
	}
}
