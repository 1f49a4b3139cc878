package lab

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/internal/flagerr"
)

// Listen opens a TCP listener on addr. A backlog > 0 calls listen(2) again
// on the socket with that backlog: net.Listen always uses somaxconn, and
// Linux lets a listening socket change its backlog this way. The kernel
// caps the value at net.core.somaxconn; EffectiveBacklog reads back what
// it kept.
func Listen(flagName, addr string, backlog int) (*net.TCPListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, listenError(flagName, addr, err)
	}
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		ln.Close()
		return nil, flagerr.New(flagName, "%s is not a TCP address", addr)
	}
	if backlog > 0 {
		if err := relisten(tl, backlog); err != nil {
			tl.Close()
			return nil, flagerr.New("backlog", "listen(2) with backlog %d: %w", backlog, err)
		}
	}
	return tl, nil
}

func listenError(flagName, addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return flagerr.New(flagName, "%s: address already in use", addr)
	case errors.Is(err, syscall.EACCES):
		return flagerr.New(flagName, "%s: permission denied", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return flagerr.New(flagName, "%s: address not available on this host", addr)
	}
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return flagerr.New(flagName, "%s: %s", addr, ae.Err)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return flagerr.New(flagName, "%s: %w", addr, oe.Err)
	}
	return flagerr.New(flagName, "%s: %w", addr, err)
}

func relisten(ln *net.TCPListener, backlog int) error {
	rc, err := ln.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), backlog) }); err != nil {
		return err
	}
	return lerr
}

// AcceptQueue is the kernel's view of a listening socket.
type AcceptQueue struct {
	Length int // connections that finished the handshake and wait for accept(2)
	Limit  int // the backlog in force; the queue holds Limit+1 entries
}

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
		return AcceptQueue{}, ierr
	}
	if info.State != unix.BPF_TCP_LISTEN {
		return AcceptQueue{}, fmt.Errorf("socket is not listening (tcp state %d)", info.State)
	}
	return AcceptQueue{Length: int(info.Unacked), Limit: int(info.Sacked)}, nil
}
