package attack

import (
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// retransmitTimeout is conn's retransmission timeout now, TCP_INFO's
// tcpi_rto; 0 when it cannot be read. Read as the dial returns, before
// the request is written, it is the RTO that the kernel set up the
// connection with: from the handshake's RTT, or from a larger RTT that it
// keeps for the pair of addresses (tcp_metrics), which a client whose
// connection waits in limbo resends on (docs/kernel.md).
func retransmitTimeout(conn net.Conn) time.Duration {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var rto time.Duration
	_ = raw.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			rto = time.Duration(info.Rto) * time.Microsecond
		}
	})
	return rto
}
