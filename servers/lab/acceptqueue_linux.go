package lab

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// ProbeAcceptQueue reads TCP_INFO from a listening socket. For a socket in
// LISTEN state Linux reports the accept-queue length in tcpi_unacked and the
// backlog in tcpi_sacked; `ss -ltn` shows the same pair as Recv-Q/Send-Q.
func ProbeAcceptQueue(ln *net.TCPListener) (AcceptQueue, error) {
	rc, err := ln.SyscallConn()
	if err != nil {
		return AcceptQueue{}, err
	}
	var info *unix.TCPInfo
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil {
		return AcceptQueue{}, err
	}
	if ierr != nil {
		return AcceptQueue{}, fmt.Errorf("TCP_INFO: %w", ierr)
	}
	if info.State != unix.BPF_TCP_LISTEN {
		return AcceptQueue{}, fmt.Errorf("socket is not listening (tcp state %d)", info.State)
	}
	return AcceptQueue{Length: int(info.Unacked), Limit: int(info.Sacked)}, nil
}
