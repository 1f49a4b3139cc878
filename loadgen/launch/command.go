package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/conclab/conclab/loadgen/kernelview"
)

// CommandReadyWithin bounds how long a target's command may take to
// listen on its port.
const CommandReadyWithin = 60 * time.Second

// ErrPortInUse is wrapped by StartCommand's error when something listens
// on the port before the command starts, or the command says so.
var ErrPortInUse = errors.New("address already in use")

// guardScript runs a target's command ($1) under /bin/sh -c in the
// background and waits for it, exiting with its status. It is the process
// loadgen starts, and it exists for one reason: the kernel's parent-death
// signal (Pdeathsig) reaches only loadgen's direct child, while a
// command's server is a grandchild, or forks workers of its own. When
// loadgen dies, even by SIGKILL, this shell gets SIGHUP and ends the whole
// process group the way Process.Stop does: SIGTERM, then SIGKILL after
// StopGrace. It ignores the TERM it sends itself, so that it lives to
// send the KILL, and any later HUP: the kernel sends the parent-death
// signal again each time the thread the guard hangs from exits and it
// passes to another of loadgen's threads, and each HUP that came during
// the trap ran it again, StopGrace more each time (strace showed two
// within a millisecond of loadgen's SIGKILL; the processes then ended
// after 10 s in 6 of 8 runs).
var guardScript = fmt.Sprintf(`trap 'trap "" HUP TERM; kill -TERM 0; sleep %d; kill -KILL 0' HUP
/bin/sh -c "$1" &
wait $!`, int(StopGrace.Seconds()))

// startGuarded starts shell under guardScript, in a process group of its
// own that Stop ends even after the guard itself is gone.
func startGuarded(shell string) (*Process, error) {
	hearHangups()
	p, err := start(exec.Command("/bin/sh", "-c", guardScript, "conclab-command", shell), syscall.SIGHUP)
	if err != nil {
		return nil, err
	}
	p.groupOutlives = true
	return p, nil
}

var hearHangupsOnce sync.Once

// hearHangups lets the guard trap SIGHUP when loadgen was started with it
// ignored (nohup): a child inherits an ignored signal, and a shell cannot
// trap a signal that was ignored when it started (POSIX), so the guard
// would never hear of loadgen's death. Catching HUP, and dropping it,
// keeps loadgen deaf to hangups as nohup asked, while its children start
// with HUP at its default: the Go runtime resets the signals it catches
// in a child it forks.
func hearHangups() {
	hearHangupsOnce.Do(func() {
		if signal.Ignored(syscall.SIGHUP) {
			signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
		}
	})
}

// StartCommand runs a target's shell command (/bin/sh -c) from the working
// directory and waits until a socket listens on port. On failure the
// command is stopped. The command's whole process group ends with loadgen,
// however loadgen ends (guardScript).
func StartCommand(ctx context.Context, shell string, port int) (*Process, error) {
	probe, err := kernelview.Open(port)
	if err != nil {
		return nil, err
	}
	defer probe.Close()
	if before, err := probe.Read(); err != nil {
		return nil, err
	} else if before.Listening() {
		return nil, fmt.Errorf("port %d: %w before its command started", port, ErrPortInUse)
	}
	// The shell may leave processes behind that hold the port (forked
	// workers, a server started in the background): they are in its group.
	p, err := startGuarded(shell)
	if err != nil {
		return nil, err
	}
	if err := p.waitListening(ctx, probe, port); err != nil {
		p.Stop()
		if strings.Contains(strings.ToLower(p.Output.String()), ErrPortInUse.Error()) {
			return nil, fmt.Errorf("%w (%w)", err, ErrPortInUse)
		}
		return nil, err
	}
	return p, nil
}

// waitListening polls the port until a socket listens on it.
func (p *Process) waitListening(ctx context.Context, probe *kernelview.Probe, port int) error {
	deadline := time.Now().Add(CommandReadyWithin)
	for {
		select {
		case <-p.Exited():
			how := "exit status 0"
			if err := p.Err(); err != nil {
				how = err.Error()
			}
			return fmt.Errorf("command exited before listening on port %d (%s): %s", port, how, p.Output.LastLine())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		st, err := probe.Read()
		if err == nil && st.Listening() {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("command not seen listening on port %d within %s: %w", port, CommandReadyWithin, err)
			}
			return fmt.Errorf("command not listening on port %d within %s: %s", port, CommandReadyWithin, p.Output.LastLine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
