package calibrate

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// fullListener opens a listener on 127.0.0.1 with backlog 0 through raw
// syscalls, and fills its one accept-queue entry with a connection that
// is never accepted; from then on the kernel drops every SYN sent to it.
// The caller closes both.
func fullListener() (fd, port int, filler net.Conn, err error) {
	fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, 0, nil, fmt.Errorf("listener: socket: %w", err)
	}
	port, filler, err = fillQueue(fd)
	if err != nil {
		unix.Close(fd)
		return -1, 0, nil, err
	}
	return fd, port, filler, nil
}

// fillQueue binds fd to 127.0.0.1:0, listens with backlog 0 and puts one
// connection in its accept queue.
func fillQueue(fd int) (port int, filler net.Conn, err error) {
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return 0, nil, fmt.Errorf("listener: bind 127.0.0.1:0: %w", err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		return 0, nil, fmt.Errorf("listener: listen backlog 0: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, nil, fmt.Errorf("listener: getsockname: %w", err)
	}
	port = sa.(*unix.SockaddrInet4).Port
	filler, err = net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return 0, nil, fmt.Errorf("listener: the filling connect: %w", err)
	}
	if err := waitQueued(fd); err != nil {
		filler.Close()
		return 0, nil, err
	}
	return port, filler, nil
}

// waitQueued waits until the listener's accept queue holds a connection:
// on a LISTEN socket, TCP_INFO's tcpi_unacked is the queue's length.
func waitQueued(fd int) error {
	deadline := time.Now().Add(time.Second)
	for {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("listener: TCP_INFO: %w", err)
		}
		if info.Unacked >= 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("listener: the filling connection never reached the accept queue within 1s")
		}
		time.Sleep(time.Millisecond)
	}
}

// startConnect sends a first SYN to port from a non-blocking socket.
func startConnect(port int) (*connect, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	c := &connect{fd: fd, started: time.Now()}
	err = unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
	if err == nil {
		unix.Close(fd)
		return nil, errors.New("connected at once: the accept queue was not full")
	}
	if !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		return nil, err
	}
	return c, nil
}

// poll reads the connect's TCP_INFO and notes any retransmission and the
// give-up, as seen now. A connect that got in, or failed otherwise than
// with ETIMEDOUT, is an error.
func (c *connect) poll() error {
	info, err := unix.GetsockoptTCPInfo(c.fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return fmt.Errorf("TCP_INFO: %w", err)
	}
	at := time.Since(c.started)
	// tcpi_total_retrans counts every retransmission sent; tcpi_retransmits
	// the timer's firings of the current backoff, which also count one
	// the kernel could not send.
	for n := max(int(info.Total_retrans), int(info.Retransmits)); len(c.seen) < n; {
		c.seen = append(c.seen, at)
	}
	switch info.State {
	case unix.BPF_TCP_SYN_SENT:
		return nil
	case unix.BPF_TCP_CLOSE:
		soErr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return fmt.Errorf("SO_ERROR: %w", err)
		}
		if unix.Errno(soErr) != unix.ETIMEDOUT {
			return fmt.Errorf("connect failed after %s: %w, not ETIMEDOUT", at.Round(time.Millisecond), unix.Errno(soErr))
		}
		c.gaveUp = at
		return nil
	}
	return fmt.Errorf("connect reached TCP state %d after %s: the listener took it", info.State, at.Round(time.Millisecond))
}
