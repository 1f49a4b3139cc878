package lab

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// PeerCloser is a connection that can tell whether its client has closed
// its end.
type PeerCloser interface {
	PeerClosed() bool
}

// PeerClosed reports whether the client of c has closed its end: a
// server that cannot see its client leave (fasthttp) asks after the work,
// to count that work as wasted. It is false when c cannot tell.
func PeerClosed(c net.Conn) bool {
	pc, ok := c.(PeerCloser)
	return ok && pc.PeerClosed()
}

// PeerClosed peeks at the socket without blocking: a read of 0 bytes is
// the client's FIN (or an RST's error), while pending bytes (a pipelined
// request) or EAGAIN mean the client is still there.
func (c *countedConn) PeerClosed() bool {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var buf [1]byte
	_ = raw.Read(func(fd uintptr) bool {
		n, _, err := unix.Recvfrom(int(fd), buf[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		closed = (n == 0 && err == nil) || (err != nil && err != unix.EAGAIN && err != unix.EINTR)
		return true // never wait for readiness
	})
	return closed
}
