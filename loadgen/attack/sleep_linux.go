package attack

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// sleeper sleeps to the microsecond on an idle machine, where time.Sleep
// does not: when no goroutine runs, Go's scheduler waits for its next
// timer in epoll_wait, whose timeout is whole milliseconds (the runtime
// rounds a wait under one up to one), so a sleep ends up to a millisecond
// late. A timerfd read through the runtime's poller ends that epoll_wait
// when the kernel's high-resolution timer fires.
type sleeper struct {
	fd  int // the timerfd's, kept apart: os.File.Fd would make it blocking
	f   *os.File
	buf [8]byte
}

// newSleeper is a sleeper, or nil where a timerfd cannot be had: then
// sleep falls back to time.Sleep.
func newSleeper() *sleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	return &sleeper{fd: fd, f: os.NewFile(uintptr(fd), "pacer timerfd")}
}

// sleep returns d from now.
func (s *sleeper) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	if s == nil {
		time.Sleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
		return
	}
	// The read returns the expirations, once the timer has fired. A
	// sleeper closed under it (an attack stopped) wakes at once.
	if _, err := s.f.Read(s.buf[:]); err != nil && !errors.Is(err, os.ErrClosed) {
		time.Sleep(d)
	}
}

func (s *sleeper) close() {
	if s != nil {
		_ = s.f.Close()
	}
}
