package lab

import (
	"errors"
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
