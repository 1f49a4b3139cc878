package attack

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sleeper sleeps to the microsecond on an idle machine, where time.Sleep
// does not: when no goroutine is ready, Go's scheduler waits for its next
// timer in epoll_wait, whose timeout is whole milliseconds (the runtime
// rounds a wait under one up to one), so a sleep ends up to a millisecond
// late. A timerfd, read through the runtime's poller, ends that
// epoll_wait when the kernel's high-resolution timer fires. The poller is
// not asked while every P has work, though; a Go timer is, at each switch
// of goroutines. So a sleep waits for both, and ends with the first.
type sleeper struct {
	f     *os.File
	conn  syscall.RawConn // arms the timerfd, as long as f is open
	fired chan struct{}   // the timerfd has fired
	timer *time.Timer
}

// newSleeper is a sleeper, or nil where a timerfd cannot be had: then
// sleepUntil sleeps coarsely.
func newSleeper() *sleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "pacer timerfd") // nonblocking: read through the poller
	conn, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	s := &sleeper{f: f, conn: conn, fired: make(chan struct{}, 1), timer: timer}
	go s.read()
	return s
}

// read passes on each firing of the timerfd, until it is closed.
func (s *sleeper) read() {
	var expirations [8]byte
	for {
		if _, err := s.f.Read(expirations[:]); err != nil {
			return
		}
		select {
		case s.fired <- struct{}{}:
		default:
		}
	}
}

// sleepUntil returns at t or later. A firing left over from an earlier
// sleep, whose Go timer won, only makes it wait again.
func (s *sleeper) sleepUntil(t time.Time) {
	if s == nil {
		sleepCoarsely(t)
		return
	}
	for d := time.Until(t); d > 0; d = time.Until(t) {
		s.arm(d)
		s.timer.Reset(d)
		select {
		case <-s.fired:
		case <-s.timer.C:
		}
	}
}

// arm sets the timerfd to fire d from now; where it cannot, the Go timer
// alone ends the sleep.
func (s *sleeper) arm(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	_ = s.conn.Control(func(fd uintptr) {
		_ = unix.TimerfdSettime(int(fd), 0, &spec, nil)
	})
}

func (s *sleeper) close() {
	if s != nil {
		s.timer.Stop()
		_ = s.f.Close() // ends read
	}
}
