package launch

import (
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// StopGrace is how long a process group gets between SIGTERM and SIGKILL.
const StopGrace = 5 * time.Second

// Process is a child process in a process group of its own.
type Process struct {
	cmd *exec.Cmd
	// Output keeps the tail of what the process wrote to the streams it
	// was given none for.
	Output *Tail

	// groupOutlives is set when the process's group may hold processes
	// after the process itself has ended, which Stop must end too.
	groupOutlives bool

	exited   chan struct{}
	exit     error // how it ended; set before exited is closed
	exitedAt time.Time
	stopping atomic.Bool
	stopOnce sync.Once
}

// Start runs cmd in a process group of its own, which is killed if loadgen
// dies. Its stdout and stderr, unless set, go to the Output tail.
func Start(cmd *exec.Cmd) (*Process, error) {
	return start(cmd, syscall.SIGKILL)
}

// start runs cmd in a process group of its own; the kernel sends it
// onParentDeath when loadgen dies.
func start(cmd *exec.Cmd, onParentDeath syscall.Signal) (*Process, error) {
	p := &Process{cmd: cmd, Output: &Tail{}, exited: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.Output
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.Output
	}
	// Its own group: a Ctrl-C at the terminal reaches loadgen alone, and
	// Stop ends every process it started, forked workers included.
	cmd.SysProcAttr = groupAttr(onParentDeath)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		p.exit = cmd.Wait()
		p.exitedAt = time.Now()
		close(p.exited)
	}()
	return p, nil
}

// PID is the process's id, which is also its group's.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended; nil while it runs or after a clean exit.
func (p *Process) Err() error {
	select {
	case <-p.exited:
		return p.exit
	default:
		return nil
	}
}

// Signal sends sig to the process alone.
func (p *Process) Signal(sig syscall.Signal) { _ = p.cmd.Process.Signal(sig) }

// Stop ends the process group: SIGTERM, then SIGKILL after StopGrace to
// whatever of the group is left (forked workers that outlive their
// parent, a shell's children). It waits for the process and is safe to
// call more than once. A process that has already ended is left alone,
// unless its group may outlive it: its id may belong to another by now.
func (p *Process) Stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		p.stopping.Store(true)
		select {
		case <-p.exited:
			if !p.groupOutlives {
				return
			}
		default:
		}
		pgid := p.PID()
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(StopGrace):
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	})
}

// DiedEarly describes a process that ended before loadgen stopped it, what
// being its name ("labserver"); "" while it runs or once Stop was called.
// start is the run's start, from which the time of death is told.
func (p *Process) DiedEarly(what string, start time.Time) string {
	if p == nil || p.stopping.Load() {
		return ""
	}
	select {
	case <-p.exited:
	default:
		return ""
	}
	how := "exited"
	if p.exit != nil {
		how = p.exit.Error() // "signal: killed", "exit status 1"
	}
	return fmt.Sprintf("%s (pid %d) died %.1f s into the run (%s); its last output: %s",
		what, p.PID(), p.exitedAt.Sub(start).Seconds(), how, p.Output.LastLine())
}
