package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testbin"
)

var binDir string

// TestMain builds both binaries, so the tests run loadgen as users do: a
// real process with real labserver children.
func TestMain(m *testing.M) {
	dir, err := testbin.Build("servers/cmd/labserver", "loadgen/cmd/loadgen")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// writeScenario writes a scenario of the test's into a file of its own.
func writeScenario(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scenario.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadgen(args ...string) *exec.Cmd {
	return exec.Command(filepath.Join(binDir, "loadgen"), args...)
}

func TestBadInputIsOneLineAndExitCode2(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\nrequests: 10\nrate: 0\ntargets:\n  - {name: a, model: nethttp}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dots := writeScenario(t, "name: dots\nrequests: 10\nrate: 1\ntargets:\n  - {name: .., model: nethttp}\n")
	unseen := writeScenario(t, "name: unseen\nrequests: 10\nrate: 1\ntargets:\n  - {name: a, model: nethttp, admin: none}\n")
	taken := writeScenario(t, "name: taken\nrequests: 10\nrate: 1\ntargets:\n  - {name: loadgen, model: nethttp}\n")
	const unseenWhy = "target a: admin: none measures the server from loadgen's network namespace, and a container has its own"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fly"}, `loadgen: unknown command "fly"`},
		{[]string{"run"}, "loadgen run: want one SCENARIO.yaml, got 0"},
		{[]string{"run", "../../../scenarios/quick.yaml", "--scale", "0"}, "loadgen run: --scale: must be > 0, got 0"},
		{[]string{"run", "../../../scenarios/quick.yaml", "--scale", "fast"}, `loadgen run: --scale: invalid value "fast": parse error`},
		{[]string{"run", "../../../scenarios/quick.yaml", "--only", "nope"}, `loadgen run: --only: unknown target "nope"; valid targets: nethttp, semaphore-5, limitlistener-5, pool-3, fasthttp-5`},
		{[]string{"run", "no/such.yaml"}, "loadgen run: open no/such.yaml: no such file or directory"},
		{[]string{"run", bad}, "loadgen run: " + bad + ":3:7: rate: must be > 0 (requests per second), got 0"},
		{[]string{"predict", bad}, "loadgen predict: " + bad + ":3:7: rate: must be > 0 (requests per second), got 0"},
		{[]string{"run", "../../../scenarios/quick.yaml", "--bogus"}, "loadgen run: --bogus: unknown flag"},
		{[]string{"run", "../../../scenarios/quick.yaml", "--run-id", "../x"}, `loadgen run: --run-id: must match [A-Za-z0-9._-]+ (it is used in file names), got "../x"`},
		{[]string{"run", "../../../scenarios/quick.yaml", "--run-id", ".."}, `loadgen run: --run-id: must not be "..", which names a folder, not a file`},
		{[]string{"run", dots}, "loadgen run: " + dots + `:5:12: targets[0].name: must not be "..", which names a folder, not a file`},
		{[]string{"run", "../../../scenarios/quick.yaml", "--replicas", "0"}, "loadgen run: --replicas: must be >= 1, got 0"},
		{[]string{"predict", "../../../scenarios/quick.yaml", "--replicas", "-3"}, "loadgen predict: --replicas: must be >= 1, got -3"},
		{[]string{"calibrate", "--connects", "0"}, "loadgen calibrate: --connects: must be in 1..64, got 0"},
		{[]string{"calibrate", "--quick=maybe"}, `loadgen calibrate: --quick: invalid boolean value "maybe": parse error`},
		{[]string{"calibrate", "now"}, "loadgen calibrate: want no arguments, got 1"},
		{[]string{"sweep", "../../../scenarios/quick.yaml"}, "loadgen sweep: --rates: required: a list 50,100,200 or a range FROM:TO:STEP"},
		{[]string{"sweep", "../../../scenarios/quick.yaml", "--rates", "10:5:1"}, `loadgen sweep: --rates: a range needs TO >= FROM and STEP > 0, got "10:5:1"`},
		{[]string{"sweep", "../../../scenarios/ramp.yaml", "--rates", "10,20"}, "loadgen sweep: scenario ramp: its stages set the rate; a sweep needs requests and rate"},
		{[]string{"predict", "../../../scenarios/ramp.yaml", "--rates", "10"}, "loadgen predict: scenario ramp: its stages set the rate; a sweep needs requests and rate"},
		{[]string{"run", "-"}, "loadgen run: stdin:1:1: scenario: empty: expected a mapping with name, requests, rate and targets"},
		{[]string{"run", unseen, "--services"}, "loadgen run: --services: " + unseenWhy},
		{[]string{"judge"}, "loadgen judge: want one RUN_DIR or more, got 0"},
		{[]string{"judge", "no/such"}, "loadgen judge: open no/such/summary.json: no such file or directory"},
		{[]string{"compose"}, "loadgen compose: want one SCENARIO.yaml, got 0"},
		{[]string{"compose", bad}, "loadgen compose: " + bad + ":3:7: rate: must be > 0 (requests per second), got 0"},
		{[]string{"compose", unseen}, "loadgen compose: " + unseenWhy},
		{[]string{"compose", taken}, "loadgen compose: target loadgen: the name is the stack's own service; rename the target"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := loadgen(tc.args...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 2 {
				t.Errorf("exit: %v, want code 2", err)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if lines[0] != tc.want {
				t.Errorf("stderr\n got: %q\nwant: %q", lines[0], tc.want)
			}
			if strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("stack trace: %s", stderr.String())
			}
		})
	}
}

// loadgen predict - reads the scenario from stdin, as make bench-docker
// hands one to a container, and names stdin in its errors.
func TestAScenarioOnStdin(t *testing.T) {
	quick, err := os.ReadFile("../../../scenarios/quick.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	c := loadgen("predict", "-")
	c.Stdin, c.Stdout, c.Stderr = bytes.NewReader(quick), &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("loadgen predict -: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "limitlistener-5") {
		t.Errorf("loadgen predict - did not predict quick.yaml's targets:\n%s", stdout.String())
	}
	bad := "name: bad\nrequests: 10\nrate: 0\ntargets:\n  - {name: a, model: nethttp}\n"
	stderr.Reset()
	c = loadgen("run", "-")
	c.Stdin, c.Stderr = strings.NewReader(bad), &stderr
	if err := c.Run(); err == nil || stderr.String() != "loadgen run: stdin:3:7: rate: must be > 0 (requests per second), got 0\n" {
		t.Errorf("loadgen run - of a bad scenario: %v, stderr %q", err, stderr.String())
	}
}

// Every command answers --help on stdout with exit 0: what it does, then
// its flags.
func TestHelpOfEveryCommand(t *testing.T) {
	for cmd, flag := range map[string]string{
		"run": "-run-id", "predict": "-series", "report": "RUN_DIR", "compare": "-charts", "perf": "-held", "worker": "-shard",
		"calibrate": "-cache-dir", "sweep": "-rates", "compose": "-o", "judge": "-only",
	} {
		t.Run(cmd, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			c := loadgen(cmd, "--help")
			c.Stdout, c.Stderr = &stdout, &stderr
			if err := c.Run(); err != nil {
				t.Fatalf("exit: %v (stderr %q)", err, stderr.String())
			}
			if out := stdout.String(); !strings.HasPrefix(out, "usage: loadgen "+cmd) || !strings.Contains(out, flag) {
				t.Errorf("stdout %q, want the usage of %s and its flag %s", out, cmd, flag)
			}
		})
	}
}

// SIGINT in the middle of a run: loadgen ends the requests in flight,
// writes the folder with complete=false, stops its labservers and exits 130.
func TestCtrlCMidRun(t *testing.T) {
	out := t.TempDir()
	scen := writeScenario(t, `name: long
requests: 400
rate: 20
sleep: 60s
targets:
  - {name: semaphore-4, model: semaphore, limit: 4}
  - {name: nethttp, model: nethttp}
`)
	var stdout, stderr bytes.Buffer
	cmd := loadgen("run", scen, "--out", out, "--run-id", "ctrlc", "--labserver", filepath.Join(binDir, "labserver"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The resolved scenario is written just before the servers start: 3 s
	// after it, well over 20 requests per target have been sent.
	waitForFile(t, filepath.Join(out, "ctrlc", "scenario.yaml"), 30*time.Second)
	time.Sleep(3 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
			t.Errorf("exit %v, want 130\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("loadgen still running 30 s after SIGINT\n%s", stderr.String())
	}
	var sum struct {
		Complete bool `json:"complete"`
		Targets  []struct {
			Name     string         `json:"name"`
			Sent     int            `json:"sent"`
			Outcomes map[string]int `json:"outcomes"`
		} `json:"targets"`
	}
	b, err := os.ReadFile(filepath.Join(out, "ctrlc", "summary.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Complete || len(sum.Targets) != 2 {
		t.Fatalf("summary: %s", b)
	}
	for _, tg := range sum.Targets {
		total := 0
		for _, n := range tg.Outcomes {
			total += n
		}
		if tg.Sent < 20 || tg.Sent >= 400 || total != tg.Sent {
			t.Errorf("%s: sent %d, outcomes add up to %d", tg.Name, tg.Sent, total)
		}
		if _, err := os.Stat(filepath.Join(out, "ctrlc", tg.Name+".bin")); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout.String(), "results: "+filepath.Join(out, "ctrlc")) {
		t.Errorf("stdout has no results line:\n%s", stdout.String())
	}
}

// loadgen killed with SIGKILL: no chance to clean up, yet the folder holds
// the last checkpoint (summary.json marked incomplete, timelines) and the
// flushed .bin.partial, and `loadgen report` works on it.
func TestKilledLoadgenLeavesAReadableFolder(t *testing.T) {
	out := t.TempDir()
	scen := writeScenario(t, `name: long
requests: 400
rate: 20
sleep: 2s
targets:
  - {name: semaphore-4, model: semaphore, limit: 4}
`)
	cmd := loadgen("run", scen, "--out", out, "--run-id", "killed", "--labserver", filepath.Join(binDir, "labserver"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Past the first checkpoint (10 s in) and the first flushed results.
	waitForFile(t, filepath.Join(out, "killed", "summary.json"), 40*time.Second)
	waitForFile(t, filepath.Join(out, "killed", "semaphore-4.bin.partial"), 10*time.Second)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	dir := filepath.Join(out, "killed")
	for _, f := range []string{"scenario.yaml", "summary.json", "semaphore-4.timeline.csv", "semaphore-4.bin.partial"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var stdout, stderr bytes.Buffer
	rep := loadgen("report", dir)
	rep.Stdout, rep.Stderr = &stdout, &stderr
	if err := rep.Run(); err != nil {
		t.Fatalf("loadgen report: %v\n%s", err, stderr.String())
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !bytes.Contains(html, []byte("semaphore-4")) {
		t.Errorf("report.html: %v", err)
	}
}

// waitForFile waits until path exists and is not empty.
func waitForFile(t *testing.T, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not written within %s", path, within)
}

// A folder that a failed run left with only scenario.yaml, and one whose
// summary.json names a target outside it, are not run folders: report
// says so with code 2 and writes nothing, and reads nothing outside.
func TestReportRefusesFoldersThatHoldNothingOrPointOutside(t *testing.T) {
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	crafted := filepath.Join(root, "crafted")
	for dir, files := range map[string]map[string]string{
		empty:   {"scenario.yaml": "name: empty\nrequests: 10\nrate: 1\ntargets:\n  - {name: a, model: nethttp}\n"},
		crafted: {"summary.json": `{"run_id": "crafted", "targets": [{"name": "../victim", "model": "nethttp"}]}`},
		root:    {"victim.timeline.csv": "t_s,inflight\n0,1\n"},
	} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for dir, want := range map[string]string{
		empty:   "loadgen report: " + empty + ": not a run folder: it holds only scenario.yaml, with nothing measured (the run never started)",
		crafted: "loadgen report: " + crafted + ": not a run folder: no readable summary.json or scenario.yaml",
	} {
		var stderr bytes.Buffer
		cmd := loadgen("report", dir)
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
			t.Errorf("%s: exit %v, want code 2", dir, err)
		}
		if got := strings.TrimRight(stderr.String(), "\n"); got != want {
			t.Errorf("stderr\n got: %q\nwant: %q", got, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "report.md")); err == nil {
			t.Errorf("%s: report.md written", dir)
		}
	}
}

// loadgen predict --rates predicts a sweep without a request: the knees
// of sweep.yaml's semaphore of 6 and pool of 4, 95 ms each and no queue,
// are their capacities, 6/0.095 and 4/0.095 a second.
func TestPredictRatesNamesEachKnee(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := loadgen("predict", "../../../scenarios/sweep.yaml", "--rates", "10:80:10")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	knees := map[string]string{}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			knees[f[0]] = f[1]
		}
	}
	if knees["semaphore-6"] != "63.2" || knees["pool-4"] != "42.1" {
		t.Errorf("knees %v, want semaphore-6 63.2 and pool-4 42.1:\n%s", knees, stdout.String())
	}
}
