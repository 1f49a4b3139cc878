package lab

import (
	"net"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/sockdiag"
)

// synQueueEvery is how often diagSynQueue dumps at the most. The kernel
// finds request sockets only by walking its whole table of connections,
// every bucket (262,144 on this lab's machine: 2.3 ms a family), where
// TCP_INFO answers in microseconds: at loadgen's ten scrapes a second a
// dump each would cost a server 2 to 5 % of a CPU.
const synQueueEvery = time.Second

// diagSynQueue counts a listener's request sockets with sock_diag. It
// keeps its netlink socket for the server's life, and its last count for
// synQueueEvery.
type diagSynQueue struct {
	d        *sockdiag.Dumper
	port     int
	families sockdiag.Families // the listener's own: its request sockets have its family

	mu    sync.Mutex
	at    time.Time // when count was taken
	count int
}

func openSynQueueProbe(ln *net.TCPListener) (synQueueProbe, error) {
	d, err := sockdiag.Open()
	if err != nil {
		return nil, err
	}
	// A request socket has its listener's family: a dual-stack listener
	// ([::], which Go opens for 0.0.0.0 and ":P" too) keeps its IPv4
	// clients' as IPv4-mapped IPv6.
	addr := ln.Addr().(*net.TCPAddr)
	families := sockdiag.IPv6
	if addr.IP.To4() != nil {
		families = sockdiag.IPv4
	}
	return &diagSynQueue{d: d, port: addr.Port, families: families}, nil
}

// Close closes the netlink socket.
func (q *diagSynQueue) Close() error { return q.d.Close() }

// Count is how many request sockets the port had at the latest dump, made
// now unless one was made less than synQueueEvery ago.
func (q *diagSynQueue) Count() (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.at.IsZero() && time.Since(q.at) < synQueueEvery {
		return q.count, nil
	}
	n := 0
	if err := q.d.Dump(q.families, q.port, sockdiag.Of(sockdiag.StateSynRecv), func(sockdiag.Socket) { n++ }); err != nil {
		return 0, err
	}
	q.at, q.count = time.Now(), n
	return n, nil
}
