package launch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/loadgen/scenario"
)

// ReadyWithin bounds how long a labserver may take to answer /config.
const ReadyWithin = 10 * time.Second

// AdminClient reads admin endpoints: never through a proxy, and keeping
// its few connections.
var AdminClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}

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

// LabserverArgs are the flags that make a labserver behave as the
// scenario's target t asks, but for its addresses.
func LabserverArgs(s *scenario.Scenario, t scenario.Target) []string {
	return append([]string{
		// Every request asks for its own work; these are the defaults
		// for one that asks for none: the work's mean.
		"--sleep", s.Sleep.Nominal().String(), "--cpu", s.CPU.Nominal().String(), "--max-sleep", s.MaxSleep.String(),
		"--shutdown-timeout", "2s"}, s.ServerFlags(t)...)
}

// Labserver is a running labserver.
type Labserver struct {
	*Process
	URL      string // the app's base URL
	AdminURL string // http://host:port of /metrics and /config
	Config   *adminapi.Config
}

// StartLabserver starts bin with args on two free loopback ports and waits
// until it answers /config. A port taken in the meantime is picked again,
// up to three times.
func StartLabserver(ctx context.Context, bin string, args ...string) (*Labserver, error) {
	var err error
	for range 3 {
		var l *Labserver
		if l, err = startLabserverOnce(ctx, bin, args); err == nil {
			return l, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, err
}

func startLabserverOnce(ctx context.Context, bin string, args []string) (*Labserver, error) {
	app, err := PickPort()
	if err != nil {
		return nil, err
	}
	admin, err := PickPort()
	if err != nil {
		return nil, err
	}
	listen, adminAddr := "127.0.0.1:"+strconv.Itoa(app), "127.0.0.1:"+strconv.Itoa(admin)
	p, err := Start(exec.Command(bin, append([]string{"--listen", listen, "--admin", adminAddr}, args...)...))
	if err != nil {
		return nil, err
	}
	l := &Labserver{Process: p, URL: "http://" + listen + "/", AdminURL: "http://" + adminAddr}
	if l.Config, err = l.waitReady(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	return l, nil
}

// waitReady waits for the labserver's /config, or its exit.
func (l *Labserver) waitReady(ctx context.Context) (*adminapi.Config, error) {
	cfg, err := WaitConfig(ctx, l.AdminURL, l.Exited())
	if errors.Is(err, errExited) {
		return nil, fmt.Errorf("labserver exited: %s", l.Output.LastLine())
	}
	return cfg, err
}

// errExited is WaitConfig's error when the server's process ended.
var errExited = errors.New("the server exited")

// WaitConfig polls admin's /config until it answers, exited is closed (a
// nil channel: the server is not loadgen's process), ctx ends, or
// ReadyWithin passes; the error then holds the last fetch's.
func WaitConfig(ctx context.Context, admin string, exited <-chan struct{}) (*adminapi.Config, error) {
	deadline := time.Now().Add(ReadyWithin)
	for {
		cfg, err := adminapi.Fetch(ctx, AdminClient, admin)
		if err == nil {
			return cfg, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s%s: not ready within %s: %w", admin, adminapi.PathConfig, ReadyWithin, err)
		}
		select {
		case <-exited:
			return nil, errExited
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
