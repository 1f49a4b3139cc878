package externaltest

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/kernelview"
	"github.com/conclab/conclab/loadgen/reconstruct"
)

// debianPython is Debian's interpreter, the one python3-fastapi installs
// for; another python3 earlier on $PATH (pyenv, a venv) would not see it.
const debianPython = "/usr/bin/python3"

// needPython fails the test when Debian's modules are missing (`make deps`
// installs them), or skips it when SKIP_INTEGRATION is set.
func needPython(t *testing.T, modules string) {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import "+modules).CombinedOutput()
	if err == nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	testbin.Missing(t, "Debian's "+modules+" for "+debianPython+" is missing: "+lines[len(lines)-1])
}

// startCommand runs argv in its own process group and kills the group when
// the test ends.
func startCommand(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = &testLog{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	return cmd
}

type testLog struct{ t *testing.T }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Logf("server: %s", p)
	return len(p), nil
}

// waitFor polls the port and the process tree until ok, or fails.
func waitFor(t *testing.T, what string, within time.Duration, probe *kernelview.Probe, pid int,
	ok func(kernelview.Port, kernelview.Tree) bool) (kernelview.Port, kernelview.Tree) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		p, err := probe.Read()
		if err != nil {
			t.Fatal(err)
		}
		tr, err := kernelview.ReadTree(pid)
		if err != nil {
			t.Fatal(err)
		}
		if ok(p, tr) {
			return p, tr
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s; port %+v, processes %+v", what, within, p, tr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestFastAPIDefUnderUvicorn runs the seed experiment's first setup, FastAPI
// with a def endpoint that blocks in time.sleep, under uvicorn, and
// measures it from the kernel side only: 60 requests at once, and 40 run
// (AnyIO's default CapacityLimiter of 40 worker threads) while 20 wait in
// the app: uvicorn has accepted all 60, the accept queue is empty.
func TestFastAPIDefUnderUvicorn(t *testing.T) {
	needPython(t, "fastapi, uvicorn")
	t.Parallel()
	const (
		clientsN = 60
		service  = 3 * time.Second
	)
	port := testbin.FreePort(t)
	cmd := startCommand(t, debianPython, "-m", "uvicorn", "--loop", "asyncio", "--app-dir", "../../external/python", "fastapi_def:app",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port), "--log-level", "warning")
	probe, err := kernelview.Open(port)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	waitFor(t, "uvicorn listening", 60*time.Second, probe, cmd.Process.Pid,
		func(p kernelview.Port, _ kernelview.Tree) bool { return p.Listening() })

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := newClients(t, addr, "sleep="+service.String())
	started := time.Now()
	c.startAll(0, clientsN)
	// 40 AnyIO worker threads and the event loop's own.
	k, tree := waitFor(t, "60 connections and 41 threads", service-500*time.Millisecond, probe, cmd.Process.Pid,
		func(p kernelview.Port, tr kernelview.Tree) bool { return p.Established == clientsN && tr.Threads >= 41 })
	// The snapshot itself a second into the first wave, away from the
	// edges of the rebuild (see reconstruct's limits).
	time.Sleep(time.Until(started.Add(time.Second)))
	k, tree = waitFor(t, "the same a second in", 100*time.Millisecond, probe, cmd.Process.Pid,
		func(p kernelview.Port, tr kernelview.Tree) bool { return p.Established == clientsN && tr.Threads >= 41 })
	t.Logf("snapshot %s after the start: %+v; %d threads, RSS %d MiB", time.Since(started).Round(time.Millisecond),
		k, tree.Threads, tree.RSSBytes>>20)
	// uvicorn listens with backlog 2048, which the kernel caps at somaxconn.
	if backlog := min(2048, sysinfo.Somaxconn()); k.AcceptQueue != 0 || k.Accepted() != clientsN || k.Backlog != backlog {
		t.Errorf("kernel view: %+v, want all %d accepted, the accept queue empty, uvicorn's backlog %d", k, clientsN, backlog)
	}
	if tree.Processes != 1 || tree.Threads != 41 {
		t.Errorf("uvicorn: %d processes, %d threads, want 1 process with 41 threads (40 workers and the loop)", tree.Processes, tree.Threads)
	}

	reqs := c.wait(t, 3*service+20*time.Second)
	lives := reconstruct.Rebuild(reqs, service)
	w := reconstruct.SplitAt(lives, k, k.At)
	if w.Running != 40 || w.Waiting != 20 || w.InApp != 20 || w.InKernel != 0 || w.AppFromKernel != 20 || w.Undetermined != 0 {
		t.Errorf("at the snapshot: %+v, want 40 running, 20 waiting in the app", w)
	}
	// Over every edge the rebuild blurs by the server's response jitter: a
	// response that leaves late overlaps the next wave's first starts. The
	// event loop writes the first wave's 40 answers one after another, so
	// on a busy machine up to the next wave's 20 can overlap them (a fresh
	// clone's CI once saw a peak of 53 running), as reconstruct's doc says
	// of Peaks. Away from the edges the counts are exact: in the middle of
	// the second wave, 1.5 s from either edge, the 20 that waited run and
	// nothing waits.
	if p := reconstruct.At(lives, started.Add(service+service/2)); p.Running != clientsN-40 || p.Waiting != 0 || p.Undetermined != 0 {
		t.Errorf("in the second wave: %+v, want %d running and none waiting", p, clientsN-40)
	}
	if est, ok := reconstruct.EstimateService(reqs); !ok || est < service || est > service+500*time.Millisecond {
		t.Errorf("shortest ok latency %v, want just above the service time %v", est, service)
	}
}
