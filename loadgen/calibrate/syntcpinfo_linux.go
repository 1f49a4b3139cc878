package calibrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// connect is one connecting socket whose SYNs the listener drops.
type connect struct {
	fd      int
	started time.Time       // just before connect(2): its first SYN
	seen    []time.Duration // when each retransmission was seen, from started
	gaveUp  time.Duration   // when ETIMEDOUT was seen; 0 while it tries
}

// probeSyn fills the accept queue of a backlog-0 listener on 127.0.0.1,
// starts plan.connects non-blocking connects to it, and follows their
// retransmissions until the plan is done, ctx ends, or the nominal end
// plus overrun passes.
func probeSyn(ctx context.Context, plan synPlan) (observed, error) {
	lfd, port, filler, err := fullListener()
	if err != nil {
		return observed{}, err
	}
	defer unix.Close(lfd)
	defer filler.Close()
	conns := make([]*connect, 0, plan.connects)
	defer func() {
		for _, c := range conns {
			unix.Close(c.fd)
		}
	}()
	for i := range plan.connects {
		if i > 0 {
			if err := sleepCtx(ctx, stagger); err != nil {
				return observed{}, err
			}
		}
		c, err := startConnect(port)
		if err != nil {
			return observed{}, fmt.Errorf("connect %d: %w", i+1, err)
		}
		conns = append(conns, c)
	}
	w := watch{plan: plan, conns: conns, deadline: time.Now().Add(plan.end() + overrun)}
	if err := w.run(ctx); err != nil {
		return observed{}, err
	}
	var obs observed
	for _, c := range conns {
		obs.seen = append(obs.seen, c.seen)
		obs.gaveUp = append(obs.gaveUp, c.gaveUp)
	}
	return obs, nil
}

// watch polls the connects until the plan is done.
type watch struct {
	plan     synPlan
	conns    []*connect
	deadline time.Time
	reported int  // retransmissions reported through plan.progress
	gaveUp   bool // the give-up reported
}

func (w *watch) run(ctx context.Context) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !w.done() {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-tick.C:
		}
		if time.Now().After(w.deadline) {
			return fmt.Errorf("still waiting %s past the nominal end, %s: %s",
				overrun, w.plan.end(), w.waitingFor())
		}
		for i, c := range w.conns {
			if c.gaveUp > 0 {
				continue
			}
			if err := c.poll(); err != nil {
				return fmt.Errorf("connect %d: %w", i+1, err)
			}
		}
		w.report()
	}
	return nil
}

// measured is how many retransmissions every connect has seen.
func (w *watch) measured() int {
	n := -1
	for _, c := range w.conns {
		if n < 0 || len(c.seen) < n {
			n = len(c.seen)
		}
	}
	return max(n, 0)
}

func (w *watch) allGaveUp() bool {
	for _, c := range w.conns {
		if c.gaveUp == 0 {
			return false
		}
	}
	return true
}

func (w *watch) done() bool {
	if w.plan.full {
		return w.allGaveUp()
	}
	return w.measured() >= w.plan.want()
}

func (w *watch) waitingFor() string {
	if w.plan.full && w.measured() >= len(w.plan.nominal) {
		return "not every connect has given up"
	}
	return fmt.Sprintf("retransmission %d not seen by every connect", w.measured()+1)
}

// report tells plan.progress of each retransmission every connect has
// now seen, and of the give-up.
func (w *watch) report() {
	if w.plan.progress == nil {
		return
	}
	for ; w.reported < w.measured(); w.reported++ {
		k := w.reported
		offsets := make([]time.Duration, len(w.conns))
		for i, c := range w.conns {
			offsets[i] = c.seen[k]
		}
		step := spreadOf(offsets)
		step.Retransmit = k + 1
		if k < len(w.plan.nominal) {
			step.Nominal = w.plan.nominal[k]
		}
		w.plan.progress(step)
	}
	if !w.gaveUp && w.allGaveUp() {
		w.gaveUp = true
		offsets := make([]time.Duration, len(w.conns))
		for i, c := range w.conns {
			offsets[i] = c.gaveUp
		}
		step := spreadOf(offsets)
		step.GiveUp, step.Nominal = true, w.plan.giveUp
		w.plan.progress(step)
	}
}

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
