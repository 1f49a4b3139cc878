package lab

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
)

func TestTheSynQueueCountsHandshakesTheListenerHolds(t *testing.T) {
	// With TCP_DEFER_ACCEPT the listener drops each client's bare ACK and
	// keeps its request socket until data comes: three clients that
	// connect and write nothing are three handshakes held, and the one
	// that writes moves on to the accept queue. A dual-stack listener
	// keeps its IPv4 clients' request sockets as IPv6 ones.
	for _, addr := range []string{"127.0.0.1:0", "[::]:0"} {
		t.Run(addr, func(t *testing.T) {
			ln, err := Listen("listen", addr, 16)
			if err != nil {
				t.Skipf("no %s listener here: %v", addr, err)
			}
			defer ln.Close()
			rc, err := ln.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, 30)
			}); err != nil || serr != nil {
				t.Fatal(err, serr)
			}
			c := newSynQueueCollector(ln)
			defer c.Close()
			if got := handshakes(t, c); got != 0 {
				t.Fatalf("a fresh listener: %v handshakes, want 0", got)
			}
			to := net.JoinHostPort("127.0.0.1", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
			var clients []net.Conn
			for range 3 {
				conn, err := net.Dial("tcp", to)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				clients = append(clients, conn)
			}
			waitFor(t, c, 3)
			if _, err := clients[0].Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, c, 2)
		})
	}
}

// waitFor waits up to 5 s for the collector to read want: the probe dumps
// once a second at the most (synQueueEvery).
func waitFor(t *testing.T, c prometheus.Collector, want float64) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = handshakes(t, c); got == want {
			return
		}
	}
	t.Errorf("%v handshakes held, want %v", got, want)
}

// handshakes is the value c reports for conclab_syn_queue_length.
func handshakes(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil || len(families) != 1 || len(families[0].GetMetric()) != 1 {
		t.Fatalf("gathered %v, %v; want one conclab_syn_queue_length", families, err)
	}
	return families[0].GetMetric()[0].GetGauge().GetValue()
}
