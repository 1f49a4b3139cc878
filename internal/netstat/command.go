package netstat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// ErrTCPStatsHidden is returned by ReadListenOverflows when macOS would
// report the counter as zero whatever its value: xnu zeroes every TCP
// counter for a caller that is not root while the sysctl
// net.inet.tcp.disable_access_to_stats is set, which it is by default
// (bsd/netinet/tcp_input.c, tcp_getstat).
var ErrTCPStatsHidden = errors.New("macOS reports every TCP counter as zero to non-root users; " +
	"run as root or `sudo sysctl -w net.inet.tcp.disable_access_to_stats=0`")

// listenArgs: -L for the queue sizes; -a because without it netstat
// skips listening sockets; -n because the parser needs numbers, not host
// and service names; -l because without it IPv6 hosts are cut to 16
// characters.
var listenArgs = []string{"-L", "-a", "-n", "-l", "-p", "tcp"}

// statsArgs: a single -s, as -s -s would drop the line when it is zero.
var statsArgs = []string{"-s", "-p", "tcp"}

// hiddenStatsSysctl is the switch behind ErrTCPStatsHidden.
const hiddenStatsSysctl = "net.inet.tcp.disable_access_to_stats"

// runFunc runs a program and returns its standard output.
type runFunc func(ctx context.Context, name string, args ...string) ([]byte, error)

// reader runs the commands; tests give it a fake run and euid.
type reader struct {
	run  runFunc
	euid func() int
}

var system = reader{run: runCommand, euid: os.Geteuid}

// ReadListenQueues runs `netstat -L -a -n -l -p tcp` and parses its
// output. It compiles everywhere but the flags are macOS's.
func ReadListenQueues(ctx context.Context) ([]ListenQueue, error) {
	return system.listenQueues(ctx)
}

// ReadListenOverflows runs `netstat -s -p tcp` and returns its count of
// listen queue overflows. On a Mac that hides TCP counters from this
// user it returns an error wrapping ErrTCPStatsHidden instead of the
// zero netstat would print. The count is a 32-bit kernel counter that
// wraps at 2^32.
func ReadListenOverflows(ctx context.Context) (uint64, error) {
	return system.listenOverflows(ctx)
}

func (rd reader) listenQueues(ctx context.Context) ([]ListenQueue, error) {
	out, err := rd.run(ctx, "netstat", listenArgs...)
	if err != nil {
		return nil, err
	}
	qs, err := ParseListenQueues(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", commandLine("netstat", listenArgs), err)
	}
	return qs, nil
}

func (rd reader) listenOverflows(ctx context.Context) (uint64, error) {
	if err := rd.checkTCPStatsVisible(ctx); err != nil {
		return 0, err
	}
	out, err := rd.run(ctx, "netstat", statsArgs...)
	if err != nil {
		return 0, err
	}
	n, err := ParseListenOverflows(bytes.NewReader(out))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", commandLine("netstat", statsArgs), err)
	}
	return n, nil
}

// checkTCPStatsVisible mirrors tcp_getstat's test: root always sees the
// counters, anyone else only while the sysctl is 0.
func (rd reader) checkTCPStatsVisible(ctx context.Context) error {
	if rd.euid() == 0 {
		return nil
	}
	out, err := rd.run(ctx, "sysctl", "-n", hiddenStatsSysctl)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return fmt.Errorf("sysctl %s: %q is not a number", hiddenStatsSysctl, strings.TrimSpace(string(out)))
	}
	if v != 0 {
		return fmt.Errorf("%s=%d: %w", hiddenStatsSysctl, v, ErrTCPStatsHidden)
	}
	return nil
}

// runCommand runs name with args and returns its standard output. Errors
// name the command and carry the first line of its standard error.
func runCommand(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := commandLine(name, args)
	path, err := lookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", line, err)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		// The kill's "signal: killed" would hide why it was killed.
		return nil, fmt.Errorf("%s: %w (%v)", line, ctxErr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w%s", line, err, firstLine(stderr.String()))
	}
	return out, nil
}

// lookPath finds name on PATH, then in /usr/sbin, where macOS keeps
// netstat and sysctl: a service started with a short PATH may lack it.
func lookPath(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if p, err2 := exec.LookPath("/usr/sbin/" + name); err2 == nil {
		return p, nil
	}
	return "", err
}

func commandLine(name string, args []string) string {
	return strings.Join(append([]string{name}, args...), " ")
}

// firstLine keeps error messages on one line.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if s == "" {
		return ""
	}
	return ": " + s
}
