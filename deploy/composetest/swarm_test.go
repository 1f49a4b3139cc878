package composetest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/loadgen/engine"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
)

// swarmSummary is what the swarm test reads of a summary.json.
type swarmSummary struct {
	Complete    bool   `json:"complete"`
	Interrupted string `json:"interrupted"`
	Targets     []struct {
		Name     string         `json:"name"`
		Sent     int            `json:"sent"`
		Lost     int            `json:"lost"`
		Outcomes map[string]int `json:"outcomes"`
		Notes    []string       `json:"notes"`
	} `json:"targets"`
}

func readSwarmSummary(t *testing.T, path string) swarmSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the run folder did not come back: %v", err)
	}
	var s swarmSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// swarmState is the engine's swarm state: "inactive", "active", ...
func swarmState(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output()
	if err != nil {
		t.Fatalf("docker info: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// services lists the ids of the engine's services that carry the run
// label; none where the engine is not a swarm manager.
func services(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("docker", "service", "ls", "-q", "--filter", "label="+engine.LabelRun).Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

// oneLineExit2 checks that a refused run said one line starting want and
// exited 2.
func oneLineExit2(t *testing.T, what string, code int, out, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("%s: exit %d, output\n%s\nwant exit 2 and one line starting %q", what, code, out, want)
	}
}

// TestSwarmWorkersSendTheScheduleOfOneProcess: loadgen run --workers
// swarm:3 deploys three worker replicas on a single-node swarm that the
// test makes (and leaves) and merges their results into a run folder
// whose outcome counts are those of the single-process run of the same
// schedule on the same engine, every target agreeing with its prediction;
// a worker killed mid-run is counted lost with its reason and the run
// ends; workers that cannot be placed are reported with the swarm's
// reason; bad input is refused with exit 2 before anything is created; and
// nothing of any run is left on the engine.
func TestSwarmWorkersSendTheScheduleOfOneProcess(t *testing.T) {
	requireEngine(t)
	root := deploytest.Root(t)
	id := randomID(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin, tag := buildImage(ctx, t, root, id, time.Now())
	out := t.TempDir()
	image := "--image=" + tag
	quick := filepath.Join(root, "scenarios", "quick.yaml")
	t.Cleanup(func() {
		for _, sv := range services(t) {
			t.Errorf("service left on the engine: %s", sv)
			_ = exec.Command("docker", "service", "rm", sv).Run()
		}
		for _, left := range labelled(t, "") {
			t.Errorf("left on the engine: %s", left)
			kind, cid, _ := strings.Cut(left, " ")
			_ = exec.Command("docker", kind, "rm", "-f", cid).Run()
		}
	})

	code, log := loadgenRun(ctx, t, bin, out, nil, "--workers", "swarm:0", quick, image)
	oneLineExit2(t, "--workers swarm:0", code, log, `loadgen run: --workers: invalid value "swarm:0": a run needs at least 1 worker`)
	if state := swarmState(t); state == "active" {
		t.Log("the engine is in a swarm already: the refusal of an engine that is not is not checked, and the test leaves the swarm as it was")
	} else {
		code, log = loadgenRun(ctx, t, bin, out, nil, "--workers", "swarm:3", quick, image)
		oneLineExit2(t, "a swarm that is not initialised", code, log, "loadgen run: --workers swarm:3: the engine at ")
		if !strings.Contains(log, " is not in a swarm (inactive): make it one with docker swarm init") {
			t.Errorf("a swarm that is not initialised: %q does not say so, nor how to make one", log)
		}
		if left := labelled(t, ""); len(left) > 0 {
			t.Errorf("the refused run left %v", left)
		}
		// swarm init makes the bridge docker_gwbridge, which leaving keeps.
		hadGateway := exec.Command("docker", "network", "inspect", "docker_gwbridge").Run() == nil
		if b, err := exec.Command("docker", "swarm", "init", "--advertise-addr", "127.0.0.1").CombinedOutput(); err != nil {
			t.Skipf("the engine refuses swarm mode: %s", strings.Join(strings.Fields(string(b)), " "))
		}
		t.Cleanup(func() {
			if b, err := exec.Command("docker", "swarm", "leave", "--force").CombinedOutput(); err != nil {
				t.Errorf("docker swarm leave --force: %v: %s", err, b)
			}
			if !hadGateway {
				_ = exec.Command("docker", "network", "rm", "docker_gwbridge").Run()
			}
		})
	}

	single := "single-" + id
	if code, log := loadgenDocker(ctx, t, bin, out, nil, quick, image, "--run-id", single, "--no-report"); code != 0 {
		t.Fatalf("the single-process run on the engine: exit %d\n%s", code, log)
	}
	runID := "swarm-" + id
	code, log = loadgenRun(ctx, t, bin, out, nil, "--workers", "swarm:3", quick, image, "--run-id", runID, "--no-report", "--check")
	t.Logf("loadgen run --workers swarm:3:\n%s", log)
	if code != 0 {
		t.Fatalf("loadgen run --workers swarm:3 --check: exit %d, want 0 (every target agrees)", code)
	}
	for _, want := range []string{"loadgen: 3 workers running: 3 on ", "loadgen: 3 of 3 workers ready\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the run did not say %q", want)
		}
	}
	var sum summaryFile
	b, _ := os.ReadFile(filepath.Join(out, "results", runID, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("the swarm run's summary: %v", err)
	}
	checkQuickSummary(t, &sum, runID)
	sameOutcomes(t, readSwarmSummary(t, filepath.Join(out, "results", single, "summary.json")),
		readSwarmSummary(t, filepath.Join(out, "results", runID, "summary.json")))
	checkMergedBins(t, filepath.Join(out, "results", runID), len(quickWants), 60)
	if left := append(labelled(t, ""), services(t)...); len(left) > 0 {
		t.Errorf("after the run, the engine still holds %v", left)
	}
	checkKilledWorker(ctx, t, bin, out, quick, image, id)
	checkUnplacedWorkers(ctx, t, bin, out, quick, image, id)
}

// checkUnplacedWorkers: workers that no node may take are reported with
// the swarm's reason while the run waits for them, and Ctrl-C then ends
// the run with exit 130 and leaves nothing on the engine.
func checkUnplacedWorkers(ctx context.Context, t *testing.T, bin, dir, quick, image, id string) {
	t.Helper()
	runID := "unplaced-" + id
	c := exec.CommandContext(ctx, filepath.Join(bin, "loadgen"), "run", "--workers", "swarm:2", quick, image,
		"--worker-constraint", "node.labels.conclab-no-such-label==1", "--run-id", runID, "--no-report")
	c.Dir = dir
	var log lockedBuffer
	c.Stdout, c.Stderr = &log, &log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	const want = "loadgen: worker 2: pending: no suitable node (scheduling constraints not satisfied on 1 node)\n"
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(log.String(), want) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	_ = c.Process.Signal(syscall.SIGINT)
	err := c.Wait()
	if !strings.Contains(log.String(), want) {
		t.Errorf("the run did not say why its workers were not placed: want %q in\n%s", want, log.String())
	}
	if code := c.ProcessState.ExitCode(); code != 130 {
		t.Errorf("the interrupted run waiting for its workers: exit %d (%v), want 130\n%s", code, err, log.String())
	}
	if left := append(labelled(t, runID), services(t)...); len(left) > 0 {
		t.Errorf("after the run whose workers were not placed, the engine still holds %v", left)
	}
}

// sameOutcomes checks that every target ended its requests the same way
// in both runs, in the classes the verdict compares: a rejection is one
// whether the server's 503 or its reset reached the client first (a race
// on fasthttp's close that the model does not split).
func sameOutcomes(t *testing.T, single, swarm swarmSummary) {
	t.Helper()
	classes := func(outcomes map[string]int) map[string]int {
		c := map[string]int{}
		for o, n := range outcomes {
			if slices.Contains(outcome.Rejected, outcome.Outcome(o)) {
				o = "rejected"
			}
			c[o] += n
		}
		return c
	}
	want := map[string]map[string]int{}
	for _, tg := range single.Targets {
		want[tg.Name] = classes(tg.Outcomes)
	}
	if len(swarm.Targets) != len(want) {
		t.Errorf("%d targets with swarm workers, %d with one process", len(swarm.Targets), len(want))
	}
	for _, tg := range swarm.Targets {
		got := classes(tg.Outcomes)
		for o, n := range want[tg.Name] {
			if got[o] != n {
				t.Errorf("%s: %d ended %s with 3 swarm workers, %d with one process", tg.Name, got[o], o, n)
			}
		}
	}
}

// checkMergedBins checks that each target's .bin in the run folder holds
// its whole schedule once, in order, as vegeta's decoder reads it, and no
// shard file is left beside it.
func checkMergedBins(t *testing.T, dir string, targets, requests int) {
	t.Helper()
	bins, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	if len(bins) != targets {
		t.Errorf("%d .bin files in the run folder, want %d: %v", len(bins), targets, bins)
	}
	for _, path := range bins {
		var seqs []uint64
		if _, err := runfolder.ReadBin(path, func(r *vegeta.Result) { seqs = append(seqs, r.Seq) }); err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
		ordered := len(seqs) == requests
		for i := 0; ordered && i < len(seqs); i++ {
			ordered = seqs[i] == uint64(i)
		}
		if !ordered {
			t.Errorf("%s: Seqs %v, want 0 to %d in order", filepath.Base(path), seqs, requests-1)
		}
	}
}

// checkKilledWorker: a worker whose container is killed mid-run is lost;
// the run ends on its own, exits 1, and counts the killed worker's
// requests that have no result per target, saying why; nothing is left
// on the engine.
func checkKilledWorker(ctx context.Context, t *testing.T, bin, dir, quick, image, id string) {
	t.Helper()
	runID := "killed-" + id
	c := exec.CommandContext(ctx, filepath.Join(bin, "loadgen"), "run", "--workers", "swarm:3", quick, image,
		"--run-id", runID, "--no-report", "--scale", "3")
	c.Dir = dir
	var log lockedBuffer
	c.Stdout, c.Stderr = &log, &log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(log.String(), "sent ") && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	worker, err := exec.Command("docker", "ps", "-q", "--filter", "label="+engine.LabelRun+"="+runID,
		"--filter", "label="+engine.LabelRole+"=worker").Output()
	ids := strings.Fields(string(worker))
	if err != nil || len(ids) != 3 {
		t.Fatalf("the run's worker containers: %q (%v), want 3\n%s", ids, err, log.String())
	}
	mustDocker(t, "kill", ids[1])
	err = c.Wait()
	t.Logf("the run whose worker %.12s was killed:\n%s", ids[1], log.String())
	if code := c.ProcessState.ExitCode(); code != 1 {
		t.Errorf("a run that lost a worker: exit %d (%v), want 1\n%s", code, err, log.String())
	}
	sum := readSwarmSummary(t, filepath.Join(dir, "results", runID, "summary.json"))
	if sum.Complete || !strings.Contains(sum.Interrupted, " of 3 stopped reporting ") {
		t.Errorf("complete %v, interrupted %q: want an incomplete run whose worker stopped reporting", sum.Complete, sum.Interrupted)
	}
	for _, tg := range sum.Targets {
		if tg.Sent+tg.Lost != 60 || tg.Lost == 0 {
			t.Errorf("%s: %d sent and %d lost, want some lost and 60 in all", tg.Name, tg.Sent, tg.Lost)
		}
	}
	if left := append(labelled(t, runID), services(t)...); len(left) > 0 {
		t.Errorf("after the run that lost a worker, the engine still holds %v", left)
	}
}
