package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/loadgen/scenario"
)

// server is a labserver process started for an embedded target, or the
// addresses of an external one.
type server struct {
	URL      string           // base URL to attack
	AdminURL string           // "" when there is none
	Config   *adminapi.Config // nil when there is no admin endpoint

	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan struct{}
	// exit is how the process ended, set before exited is closed.
	exit     error
	exitedAt time.Time
	stopping atomic.Bool
}

// diedEarly describes a labserver that ended before loadgen stopped it.
func (s *server) diedEarly(start time.Time) string {
	if s.cmd == nil || s.stopping.Load() {
		return ""
	}
	select {
	case <-s.exited:
	default:
		return ""
	}
	how := "exited"
	if s.exit != nil {
		how = s.exit.Error() // "signal: killed", "exit status 1"
	}
	return fmt.Sprintf("labserver (pid %d) died %.1f s into the run (%s): requests in flight were reset, later ones refused",
		s.cmd.Process.Pid, s.exitedAt.Sub(start).Seconds(), how)
}

// PID is the labserver's process id; 0 for an external target.
func (s *server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// FindLabserver returns the labserver binary: beside loadgen, then bin/
// under the working directory, then $PATH.
func FindLabserver() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "labserver")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if st, err := os.Stat("bin/labserver"); err == nil && !st.IsDir() {
		return filepath.Abs("bin/labserver")
	}
	if p, err := exec.LookPath("labserver"); err == nil {
		return p, nil
	}
	return "", errors.New("--labserver: no labserver binary beside loadgen, in bin/ or on $PATH (run make build)")
}

// labserverArgs are the flags that make a labserver behave as t asks.
func labserverArgs(s *scenario.Scenario, t scenario.Target, listen, admin string) []string {
	args := []string{"--model", t.Model, "--listen", listen, "--admin", admin,
		"--sleep", s.Sleep.String(), "--cpu", s.CPU.String(), "--max-sleep", s.MaxSleep.String(),
		"--shutdown-timeout", "2s"}
	args = append(args, t.KnobFlags()...)
	backlog := s.Server.Backlog
	if t.Backlog > 0 {
		backlog = t.Backlog
	}
	if backlog > 0 {
		args = append(args, "--backlog", strconv.Itoa(backlog))
	}
	procs := s.Server.GOMAXPROCS
	if t.GOMAXPROCS > 0 {
		procs = t.GOMAXPROCS
	}
	if procs > 0 {
		args = append(args, "--gomaxprocs", strconv.Itoa(procs))
	}
	if s.Server.AccessLog {
		args = append(args, "--access-log")
	}
	return args
}

// startServer starts a labserver for t on free loopback ports and waits
// until its admin endpoint answers.
func startServer(ctx context.Context, bin string, s *scenario.Scenario, t scenario.Target) (*server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return nil, err
		}
		listen, admin := "127.0.0.1:"+ports[0], "127.0.0.1:"+ports[1]
		srv := &server{URL: "http://" + listen + "/", AdminURL: "http://" + admin,
			stderr: &bytes.Buffer{}, exited: make(chan struct{})}
		srv.cmd = exec.Command(bin, labserverArgs(s, t, listen, admin)...)
		srv.cmd.Stdout = nil
		srv.cmd.Stderr = &lockedBuffer{b: srv.stderr}
		// Its own process group: a Ctrl-C at the terminal reaches loadgen,
		// which then stops its servers in order.
		srv.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := srv.cmd.Start(); err != nil {
			return nil, fmt.Errorf("target %s: start %s: %v", t.Name, bin, err)
		}
		go func() {
			srv.exit = srv.cmd.Wait()
			srv.exitedAt = time.Now()
			close(srv.exited)
		}()
		err = srv.waitReady(ctx, 10*time.Second)
		if err == nil {
			return srv, nil
		}
		srv.stop()
		lastErr = fmt.Errorf("target %s: %v", t.Name, err)
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

// external describes a target that is already running.
func external(ctx context.Context, t scenario.Target) (*server, error) {
	srv := &server{URL: t.URL, AdminURL: strings.TrimRight(t.Admin, "/")}
	if srv.AdminURL == "" {
		return srv, nil
	}
	cfg, err := adminapi.Fetch(ctx, adminClient, srv.AdminURL)
	if err != nil {
		return nil, fmt.Errorf("target %s: admin %s: %v", t.Name, t.Admin, err)
	}
	srv.Config = cfg
	return srv, nil
}

func (s *server) waitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		select {
		case <-s.exited:
			msg := strings.TrimSpace(s.stderr.String())
			if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
				msg = msg[i+1:]
			}
			return fmt.Errorf("labserver exited: %s", msg)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if cfg, err := adminapi.Fetch(ctx, adminClient, s.AdminURL); err == nil {
			s.Config = cfg
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("labserver not ready within %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// adminClient never uses a proxy and keeps its few connections.
var adminClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}

// stop ends the process: SIGTERM, then SIGKILL after 5 s.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.stopping.Store(true)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(n int) ([]string, error) {
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	ports := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %v", err)
		}
		lns = append(lns, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}
