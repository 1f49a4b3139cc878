package runner_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/runner"
)

// Six users with no think time, four requests each of 300 ms, against a
// semaphore of 2 and an unlimited server: exactly six requests are in
// flight on each until the first user is done, two running and four
// waiting on the semaphore, six running on the other; all 24 are ok, and
// the run agrees with the closed simulation.
func TestClosedUsersKeepExactlyTheirNumberInFlight(t *testing.T) {
	s := parse(t, `name: closed
users: 6
iterations: 4
sleep: 300ms
timeout: 10s
targets:
  - {name: semaphore-2, model: semaphore, limit: 2}
  - {name: nethttp, model: nethttp}
`)
	res, err := run(t, context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	folder := runfolder.Folder(res.Dir)
	sum, err := folder.ReadSummary()
	if err != nil {
		t.Fatal(err)
	}
	running := map[string]float64{"semaphore-2": 2, "nethttp": 6}
	for _, tg := range sum.Targets {
		if tg.Sent != 24 || tg.Outcomes["ok"] != 24 {
			t.Errorf("%s: sent %d, ok %d; want 24, 24", tg.Name, tg.Sent, tg.Outcomes["ok"])
		}
		if tg.Peak.ClientInflight != 6 || tg.Peak.Inflight != running[tg.Name] || tg.Peak.Inflight+tg.Peak.Queued != 6 {
			t.Errorf("%s: peaks %+v; want 6 in flight, %v running, the rest queued", tg.Name, tg.Peak, running[tg.Name])
		}
		if tg.Agrees == nil || !*tg.Agrees {
			t.Errorf("%s: agrees %v: %v", tg.Name, tg.Agrees, tg.Disagreements)
		}
	}
	resolved, err := os.ReadFile(folder.Scenario())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resolved), "users: 6\niterations: 4\nthink: 0s\nramp_up: 0s\n") {
		t.Errorf("resolved scenario.yaml:\n%s", resolved)
	}
}

func TestAClosedScenarioIsNotSplitAcrossWorkers(t *testing.T) {
	s := parse(t, "name: closed\nusers: 2\nsleep: 10ms\ntargets:\n  - {name: nethttp, model: nethttp}\n")
	_, err := runner.Run(context.Background(), runner.Options{Scenario: s, Scale: 1, ResultsDir: t.TempDir(),
		Labserver: labserver, Loadgen: loadgenBin, Shards: 2})
	want := "users: a closed scenario's users run in one process, and this run would need 2 worker processes"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want one starting %q", err, want)
	}
}
