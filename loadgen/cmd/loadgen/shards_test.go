package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// loadgenWithNoFile runs loadgen under an open-file limit of noFile, soft
// and hard, which its labservers and workers inherit: a process then holds
// noFile/2 connections, so a few hundred make a run that needs workers.
func loadgenWithNoFile(noFile string, args ...string) *exec.Cmd {
	sh := []string{"-c", `ulimit -n "$1" && shift && exec "$@"`, "sh", noFile, filepath.Join(binDir, "loadgen")}
	return exec.Command("/bin/sh", append(sh, args...)...)
}

// twoWorkers keeps 195 connections open at once.
const twoWorkers = `name: workers
requests: 250
rate: 100
sleep: 1.95s
timeout: 10s
targets:
  - {name: nethttp, model: nethttp}
`

// Under a limit of 400 files a process holds 200 connections. 250 requests
// at 100/s that sleep 1.95 s keep 195 open at once, 205 with the margin:
// two worker processes send them, and the run measures what one would.
func TestAPredictedPeakPastOneProcessIsSentByWorkers(t *testing.T) {
	out := t.TempDir()
	scen := writeScenario(t, twoWorkers)
	var stdout, stderr bytes.Buffer
	cmd := loadgenWithNoFile("400", "run", scen, "--out", out, "--run-id", "w", "--no-report",
		"--labserver", filepath.Join(binDir, "labserver"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadgen run: %v\n%s", err, stderr.String())
	}
	want := "loadgen: sending: nethttp by 2 worker processes (205 connections open at once ÷ 200 per process)"
	if !strings.Contains(stderr.String(), want+"\n") {
		t.Errorf("stderr has no line %q:\n%s", want, stderr.String())
	}
	var sum struct {
		Targets []struct {
			Sent     int            `json:"sent"`
			Outcomes map[string]int `json:"outcomes"`
		} `json:"targets"`
	}
	b, err := os.ReadFile(filepath.Join(out, "w", "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil || len(sum.Targets) != 1 || sum.Targets[0].Sent != 250 || sum.Targets[0].Outcomes["ok"] != 250 {
		t.Errorf("summary %s: %v; want 250 sent, 250 ok", b, err)
	}
}

// pastTheCap keeps 850 connections open at once in each of two targets.
const pastTheCap = `name: cap
requests: 850
rate: 1000
sleep: 5s
timeout: 10s
targets:
  - {name: a, model: nethttp}
  - {name: b, model: nethttp}
`

// pastTheCapError is why pastTheCap cannot run under a limit of 100 files.
const pastTheCapError = "scenario cap needs 2 targets × 17 workers = 34 worker processes " +
	"(850 connections open at once per target ÷ 50 per process), more than the 32 one machine runs; " +
	"lower the rate, timeout or requests, or split the run across machines (--workers swarm:N)"

// Under a limit of 100 files a process holds 50 connections. Two targets
// that each keep 850 open at once need 34 workers, more than the 32 one
// machine runs: refused in one line with the arithmetic, exit 2, after the
// servers started and were predicted, and no run folder is left behind.
func TestARunPastTheWorkerCapIsRefusedAndLeavesNoFolder(t *testing.T) {
	out := t.TempDir()
	scen := writeScenario(t, pastTheCap)
	var stderr bytes.Buffer
	cmd := loadgenWithNoFile("100", "run", scen, "--out", out, "--no-report", "--labserver", filepath.Join(binDir, "labserver"))
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitBadInput {
		t.Errorf("exit %v, want code 2", err)
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	want := "loadgen run: " + pastTheCapError
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("stderr ends\n %q\nwant\n %q\n%s", last, want, stderr.String())
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("left in --out: %v", left)
	}
}

// --shards past the cap is refused before any server starts.
func TestForcedShardsPastTheCapAreRefused(t *testing.T) {
	out := t.TempDir()
	scen := writeScenario(t, `name: forced
requests: 5
rate: 10
targets:
  - {name: a, model: nethttp}
  - {name: b, model: nethttp}
`)
	var stderr bytes.Buffer
	cmd := loadgen("run", scen, "--out", out, "--no-report", "--shards", "20", "--labserver", filepath.Join(binDir, "labserver"))
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitBadInput {
		t.Errorf("exit %v, want code 2", err)
	}
	want := "loadgen run: --shards: 2 targets × 20 workers = 40 worker processes, more than the 32 one machine runs; " +
		"lower --shards, or split the run across machines (--workers swarm:N)\n"
	if stderr.String() != want {
		t.Errorf("stderr\n %q\nwant\n %q", stderr.String(), want)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("left in --out: %v", left)
	}
}

// `loadgen predict` says which processes a run would send with, or why it
// would be refused, as the run does.
func TestPredictSaysWhichProcessesWouldSend(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := loadgenWithNoFile("400", "predict", writeScenario(t, twoWorkers))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadgen predict: %v\n%s", err, stderr.String())
	}
	want := "\nsending: nethttp by 2 worker processes (205 connections open at once ÷ 200 per process)\n"
	if !strings.HasSuffix(stdout.String(), want) {
		t.Errorf("stdout ends\n%s\nwant\n%s", stdout.String(), want)
	}
	stdout.Reset()
	stderr.Reset()
	cmd = loadgenWithNoFile("100", "predict", writeScenario(t, pastTheCap))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitBadInput {
		t.Errorf("past the cap: exit %v, want code 2", err)
	}
	if want := "loadgen predict: " + pastTheCapError + "\n"; stderr.String() != want {
		t.Errorf("past the cap: stderr\n %q\nwant\n %q", stderr.String(), want)
	}
}

// `loadgen predict` gives each target's goodput and wasted work beside
// the counts. quick.yaml's semaphore-5 serves two waves of 5: 10 ok of 60
// sent at 50/s, 8.3 a second. Its third wave (#10–#14, sent at 0.20–0.28
// s) starts at 4.00–4.08 s and is cut when its clients leave, 0.7 s later;
// from then on each freed slot goes to the next waiter, whose client
// leaves 0.1 s later: 5 × 0.7 s + 45 × 0.1 s = 8.0 s of work for nobody.
func TestPredictGivesGoodputAndWastedWork(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(binDir, "loadgen"), "predict", "../../../scenarios/quick.yaml")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadgen predict: %v\n%s", err, stderr.String())
	}
	row := regexp.MustCompile(`(?m)^\s*semaphore-5\s+semaphore\s+5\s+.*\s(\S+)\s+(\S+)\s+\S+s$`).FindStringSubmatch(stdout.String())
	if row == nil || row[1] != "8.3" || row[2] != "8.0s" {
		t.Errorf("semaphore-5's goodput and wasted work: %q, want 8.3 and 8.0s in\n%s", row, stdout.String())
	}
}
