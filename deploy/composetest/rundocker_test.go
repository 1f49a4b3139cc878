package composetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/engine"
)

// requireEngine skips the test where no Docker engine answers.
func requireEngine(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		testbin.Missing(t, fmt.Sprintf("no Docker engine here (docker info: %v: %s)", err, bytes.TrimSpace(out)))
	}
}

// labelled lists the ids of the engine's containers and networks that
// carry the run label with value runID ("" for any value).
func labelled(t *testing.T, runID string) []string {
	t.Helper()
	filter := "label=" + engine.LabelRun
	if runID != "" {
		filter += "=" + runID
	}
	var ids []string
	for _, kind := range []string{"container", "network"} {
		args := []string{kind, "ls", "-q", "--filter", filter}
		if kind == "container" {
			args = append(args, "-a")
		}
		out, err := exec.Command("docker", args...).Output()
		if err != nil {
			t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
		}
		for _, id := range strings.Fields(string(out)) {
			ids = append(ids, kind+" "+id)
		}
	}
	return ids
}

// loadgenDocker runs bin's loadgen run --docker with args in dir and
// returns its exit code and output.
func loadgenDocker(ctx context.Context, t *testing.T, bin, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	return loadgenRun(ctx, t, bin, dir, env, append([]string{"--docker"}, args...)...)
}

// loadgenRun runs bin's loadgen run with args in dir and returns its exit
// code and output.
func loadgenRun(ctx context.Context, t *testing.T, bin, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	c := exec.CommandContext(ctx, filepath.Join(bin, "loadgen"), append([]string{"run"}, args...)...)
	c.Dir, c.Env = dir, append(os.Environ(), env...)
	out, err := c.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	case err != nil:
		t.Fatalf("loadgen run %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return 0, string(out)
}

// TestRunDockerRunsAnyScenarioOnTheEngineAndLeavesNothing: loadgen run
// --docker runs scenarios/quick.yaml as containers on this machine's
// engine, through its API, with the verdicts of the native run; the run
// folder comes back; a leftover of an earlier run is removed first; bad
// input is refused in one line with exit 2 before anything is created;
// Ctrl-C keeps what was gathered; and no container or network of a run
// outlives it.
func TestRunDockerRunsAnyScenarioOnTheEngineAndLeavesNothing(t *testing.T) {
	requireEngine(t)
	root := deploytest.Root(t)
	id := randomID(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, tag := buildImage(ctx, t, root, id, time.Now())
	t.Cleanup(func() {
		for _, left := range labelled(t, "") {
			t.Errorf("left on the engine: %s", left)
			kind, cid, _ := strings.Cut(left, " ")
			_ = exec.Command("docker", kind, "rm", "-f", cid).Run()
		}
	})
	out := t.TempDir()
	image := "--image=" + tag

	// A leftover of an earlier run: a container and a network. And a run
	// that is going, another loadgen's: its loadgen container runs.
	stale, live := "stale-"+id, "live-"+id
	mustDocker(t, "network", "create", "--label", engine.LabelRun+"="+stale, "conclab-"+stale)
	mustDocker(t, "create", "--label", engine.LabelRun+"="+stale, "--network", "none", tag)
	mustDocker(t, "network", "create", "--label", engine.LabelRun+"="+live, "conclab-"+live)
	mustDocker(t, "run", "-d", "--label", engine.LabelRun+"="+live, "--label", engine.LabelRole+"=loadgen",
		"--network", "conclab-"+live, tag, "/bin/labserver", "--model=nethttp", "--listen=:8080", "--admin=:9080")

	quick := filepath.Join(root, "scenarios", "quick.yaml")
	runID := "quick-docker-" + id
	code, log := loadgenDocker(ctx, t, bin, out, nil, quick, image, "--run-id", runID, "--no-report", "--check")
	t.Logf("loadgen run --docker:\n%s", log)
	if code != 0 {
		t.Fatalf("loadgen run --docker --check: exit %d, want 0 (every target agrees)", code)
	}
	if !strings.Contains(log, "loadgen: removed 1 containers and 1 networks that an earlier run left on the engine\n") {
		t.Error("the earlier run's leftovers were not removed, or not said so")
	}
	if got := labelled(t, live); len(got) != 2 {
		t.Errorf("the run that is going lost its containers or network: %v left", got)
	}
	for _, left := range labelled(t, live) {
		kind, cid, _ := strings.Cut(left, " ")
		mustDocker(t, kind, "rm", "-f", cid)
	}
	checkDockerSummary(t, filepath.Join(out, "results", runID, "summary.json"), runID)
	if left := labelled(t, ""); len(left) > 0 {
		t.Errorf("after the run, the engine still holds %v", left)
	}

	checkDockerRefusals(ctx, t, bin, out, quick, image)
	checkDockerInterrupt(ctx, t, bin, out, root, image, id)
}

func mustDocker(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// checkDockerSummary checks the copied run folder's summary.json: complete,
// every target of quick.yaml judged and agreeing, its server a container
// of its own (another network namespace than loadgen's).
func checkDockerSummary(t *testing.T, path, runID string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the run folder did not come back: %v", err)
	}
	var sum summaryFile
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	checkQuickSummary(t, &sum, runID)
}

// checkDockerRefusals: each bad input gets one line and exit 2, and
// leaves nothing on the engine.
func checkDockerRefusals(ctx context.Context, t *testing.T, bin, dir, quick, image string) {
	t.Helper()
	write := func(name, doc string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wide := write("wide.yaml", "name: wide\nrequests: 1\nrate: 1\ntargets:\n  - {name: a, model: nethttp, gomaxprocs: 1024}\n")
	outside := write("outside.yaml", "name: outside\nrequests: 1\nrate: 1\ntargets:\n  - {name: a, url: \"http://127.0.0.1:1/\"}\n")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no engine", []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, []string{quick, image},
			"loadgen run: --docker: no Docker engine answers at unix:///nonexistent/docker.sock: "},
		{"an image that is not built", nil, []string{quick, "--image=conclab-never-built:none"},
			"loadgen run: --image: conclab-never-built:none is not on the engine at "},
		{"more CPUs than the engine has", nil, []string{wide, image},
			"loadgen run: target a: gomaxprocs 1024 asks for 1024 CPUs, and the engine at "},
		{"an external target", nil, []string{outside, image},
			"loadgen run: --docker: target a is external (url:): only embedded targets run as containers"},
		{"--services", nil, []string{quick, image, "--services"},
			"loadgen run: --services: not with --docker, which starts the servers and loadgen itself"},
	} {
		code, out := loadgenDocker(ctx, t, bin, dir, tc.env, tc.args...)
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], tc.want) {
			t.Errorf("%s: exit %d, output\n%s\nwant exit 2 and one line starting %q", tc.name, code, out, tc.want)
		}
		if left := labelled(t, ""); len(left) > 0 {
			t.Errorf("%s: the engine holds %v", tc.name, left)
		}
	}
}

// lockedBuffer is a buffer that a command writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkDockerInterrupt: SIGINT in the middle of a run stops loadgen in its
// container, which writes what it gathered; the folder comes back marked
// incomplete, loadgen exits 130, and the run's containers are gone.
func checkDockerInterrupt(ctx context.Context, t *testing.T, bin, dir, root, image, id string) {
	t.Helper()
	runID := "interrupted-" + id
	c := exec.CommandContext(ctx, filepath.Join(bin, "loadgen"), "run", "--docker",
		filepath.Join(root, "scenarios", "quick.yaml"), image, "--run-id", runID, "--no-report", "--scale", "5")
	c.Dir = dir
	var log lockedBuffer
	c.Stdout, c.Stderr = &log, &log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once loadgen's container has started sending.
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(log.String(), "sent ") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	_ = c.Process.Signal(syscall.SIGINT)
	err := c.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("interrupted loadgen run --docker: %v, want exit 130\n%s", err, log.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results", runID, "summary.json"))
	if err != nil {
		t.Fatalf("the interrupted run's folder did not come back: %v\n%s", err, log.String())
	}
	var sum summaryFile
	if err := json.Unmarshal(b, &sum); err != nil || sum.Complete {
		t.Errorf("the interrupted run's summary: complete %v (%v), want false", sum.Complete, err)
	}
	if left := labelled(t, runID); len(left) > 0 {
		t.Errorf("after the interrupt, the engine still holds %v", left)
	}
}

// TestRunDockerOverSSH runs loadgen run --docker against this machine's
// engine as a remote one, DOCKER_HOST=ssh://…, through a stock sshd that
// the test starts: every target agrees, the run folder comes back, nothing
// is left on the engine, and sshd let the client in exactly once, since
// every request to the engine went over one multiplexed ssh connection.
func TestRunDockerOverSSH(t *testing.T) {
	requireEngine(t)
	box := startSSHD(t)
	root := deploytest.Root(t)
	id := randomID(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, tag := buildImage(ctx, t, root, id, time.Now())
	out := t.TempDir()
	runID := "quick-ssh-" + id
	t.Cleanup(func() {
		for _, left := range labelled(t, runID) {
			kind, cid, _ := strings.Cut(left, " ")
			_ = exec.Command("docker", kind, "rm", "-f", cid).Run()
		}
	})
	user := sshUser()
	code, log := loadgenDocker(ctx, t, bin, out, box.env(user), filepath.Join(root, "scenarios", "quick.yaml"),
		"--image="+tag, "--run-id", runID, "--no-report", "--check")
	t.Logf("loadgen run --docker over ssh:\n%s", log)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (every target agrees); sshd:\n%s", code, box.log)
	}
	checkDockerSummary(t, filepath.Join(out, "results", runID, "summary.json"), runID)
	if left := labelled(t, runID); len(left) > 0 {
		t.Errorf("after the run, the engine still holds %v", left)
	}
	if n := box.logins(); n != 1 {
		t.Errorf("sshd let the client in %d times, want 1 (one multiplexed connection)", n)
	}
}
