package lab

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/conclab/conclab/internal/netstat"
)

// probeTimeout bounds one netstat(1) run. The probe runs inside each
// /metrics scrape, which loadgen waits 900 ms for: a slow netstat must cost
// the sample its accept queue, not every gauge.
const probeTimeout = 500 * time.Millisecond

// ProbeAcceptQueue reads the listener's queue from netstat -L (through
// internal/netstat): macOS has no TCP_INFO for a listening socket.
// netstat's qlen counts a connection from its first SYN and incqlen until
// its handshake ends, so the accept queue is qlen − incqlen; maxqlen is
// the limit. The figures are summed over every listener on the port. This
// path is tested on recorded output only (docs/macos.md).
func ProbeAcceptQueue(ln *net.TCPListener) (AcceptQueue, error) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	qs, err := netstat.ReadListenQueues(ctx)
	if err != nil {
		return AcceptQueue{}, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	q, ok := netstat.ForPort(qs, port)
	if !ok {
		return AcceptQueue{}, fmt.Errorf("netstat -Lan shows no listener on port %d", port)
	}
	return AcceptQueue{Length: q.Completed(), Limit: q.MaxQLen}, nil
}
