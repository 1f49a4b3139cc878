package calibrate

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A full release probe follows the SYNs to the give-up: with this
// kernel's settings, about 134 s. TCP_SYNCNT=1 on each connect shortens
// that to seconds, so that the test checks the whole path, give-up
// included. The kernel's schedule for a per-socket SYNCNT is not the
// sysctls' formula (predict.Kernel): the reference is the TCP_INFO probe
// of one connect with the same SYNCNT, run at the same time.
func TestAFullReleaseProbeMeasuresWhatTCPInfoSeesUpToTheGiveUp(t *testing.T) {
	defer func(d func() *net.Dialer) { newDialer = d }(newDialer)
	newDialer = func() *net.Dialer {
		return &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) { serr = setSynCount(int(fd)) }); err != nil {
				return err
			}
			return serr
		}}
	}
	ref := make(chan *connect, 1)
	go func() { ref <- referenceConnect(t) }()
	// 10 s covers the give-up with SYNCNT=1 (3 s here) many times over.
	obs, err := probeByRelease(context.Background(), synPlan{connects: 1, full: true, giveUp: 10 * time.Second}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := <-ref
	if want == nil {
		t.FailNow()
	}
	t.Logf("release probe: grids %v, gave up %v, spread %v; TCP_INFO: %v, gave up %s", obs.seen, obs.gaveUp, obs.spread, want.seen, want.gaveUp)
	// Two connects' timers differ by their phase on the timer wheel: at
	// most wheelSlack of the delay, plus a loopback handshake and a poll.
	near := func(got, ref time.Duration) bool {
		slack := time.Duration(wheelSlack*float64(ref)) + 20*time.Millisecond
		return got >= ref-slack && got <= ref+slack
	}
	for g, seen := range obs.seen {
		if len(seen) != len(want.seen) {
			t.Fatalf("grid %d saw %d retransmissions %v, TCP_INFO %d %v", g, len(seen), seen, len(want.seen), want.seen)
		}
		for k := range seen {
			if !near(seen[k], want.seen[k]) {
				t.Errorf("grid %d: retransmission %d at %s, TCP_INFO saw it at %s", g, k+1, seen[k], want.seen[k])
			}
		}
		if !near(obs.gaveUp[g], want.gaveUp) {
			t.Errorf("grid %d: gave up at %s, TCP_INFO at %s", g, obs.gaveUp[g], want.gaveUp)
		}
	}
}

func setSynCount(fd int) error { return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_SYNCNT, 1) }

// referenceConnect is one connect with TCP_SYNCNT=1 to a full listener,
// its retransmissions and give-up read from TCP_INFO, as the Linux probe
// reads them; nil after reporting an error.
func referenceConnect(t *testing.T) *connect {
	lfd, port, filler, err := fullListener()
	if err != nil {
		t.Error(err)
		return nil
	}
	defer unix.Close(lfd)
	defer filler.Close()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer unix.Close(fd)
	if err := setSynCount(fd); err != nil {
		t.Error(err)
		return nil
	}
	c := &connect{fd: fd, started: time.Now()}
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}); !errors.Is(err, unix.EINPROGRESS) {
		t.Errorf("connect: %v, want EINPROGRESS", err)
		return nil
	}
	for deadline := time.Now().Add(10 * time.Second); c.gaveUp == 0; time.Sleep(pollEvery) {
		if err := c.poll(); err != nil || time.Now().After(deadline) {
			t.Errorf("the reference connect: %v (gave up: %s)", err, c.gaveUp)
			return nil
		}
	}
	return c
}
