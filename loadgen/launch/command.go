package launch

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/kernelview"
)

// CommandReadyWithin bounds how long a target's command may take to
// listen on its port.
const CommandReadyWithin = 60 * time.Second

// ErrPortInUse is wrapped by StartCommand's error when something listens
// on the port before the command starts, or the command says so.
var ErrPortInUse = errors.New("address already in use")

// StartCommand runs a target's shell command (/bin/sh -c) from the working
// directory and waits until a socket listens on port. On failure the
// command is stopped.
func StartCommand(ctx context.Context, shell string, port int) (*Process, error) {
	if before, err := kernelview.ReadPort(port); err == nil && before.Listening() {
		return nil, fmt.Errorf("port %d: %w before its command started", port, ErrPortInUse)
	}
	p, err := Start(exec.Command("/bin/sh", "-c", shell))
	if err != nil {
		return nil, err
	}
	if err := p.waitListening(ctx, port); err != nil {
		p.Stop()
		if strings.Contains(strings.ToLower(p.Output.String()), ErrPortInUse.Error()) {
			return nil, fmt.Errorf("%w (%w)", err, ErrPortInUse)
		}
		return nil, err
	}
	return p, nil
}

// waitListening polls the port until a socket listens on it.
func (p *Process) waitListening(ctx context.Context, port int) error {
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
		if st, err := kernelview.ReadPort(port); err == nil && st.Listening() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("command not listening on port %d within %s: %s", port, CommandReadyWithin, p.Output.LastLine())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
