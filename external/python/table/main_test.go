package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestTheTableHasARowPerTargetAndPerSkippedTarget(t *testing.T) {
	dir := t.TempDir()
	yes := true
	sum := &summary.Summary{RunID: "r", Scenario: "seed-python", Scale: 0.05, Complete: true,
		Environment: summary.Environment{Kernel: "6.18", Somaxconn: 4096, NoFile: 20000, CPUs: 2},
		Targets: []summary.Target{{
			Name: "fastapi-def", Model: "external", Sent: 1000,
			Outcomes:  map[outcome.Outcome]int{outcome.OK: 80, outcome.Timeout: 920},
			Peak:      summary.Peak{Inflight: 40, Queued: 960},
			Predicted: &summary.Predicted{Inflight: 40, Queued: 960, OK: 40},
			Agrees:    &yes,
		}, {
			Name: "mine", Model: "external", Sent: 10, Outcomes: map[outcome.Outcome]int{outcome.OK: 9, outcome.Reset: 1},
		}},
		Skipped: []summary.Skipped{{Target: "hypercorn-trio", Reason: "needs /usr/lib/python3/dist-packages/trio, which is missing"}}}
	if err := runfolder.Folder(dir).WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	scen := "name: seed-python\nrequests: 1000\nrate: 2\ntargets:\n  - {name: fastapi-def, command: srv, like: semaphore, limit: 40}\n  - {name: mine, url: 'http://127.0.0.1:1/'}\n"
	folder := runfolder.Folder(dir)
	if err := os.WriteFile(folder.Scenario(), []byte(scen), 0o644); err != nil {
		t.Fatal(err)
	}
	kernel := []runfolder.KernelRow{{Processes: 1, Threads: 1}, {T: time.Second, Processes: 1, Threads: 41},
		{T: 2 * time.Second, Processes: 1, Threads: 41}}
	if err := folder.WriteKernel("fastapi-def", kernel); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := write(&b, dir); err != nil {
		t.Fatal(err)
	}
	// Columns are compared apart from their alignment: two spaces or
	// more separate them.
	out := regexp.MustCompile(` {2,}`).ReplaceAllString(b.String(), " | ")
	for _, want := range []string{
		"FastAPI def + time.sleep, uvicorn | 40 run, 960 wait; all accepted | 40 run, 960 app + 0 kernel, 0 SYN; ok 80, timeout 920; 1 proc, 41 thr | 40 run, 960 app + 0 kernel, 0 SYN; ok 40, semaphore (agrees)",
		"mine | - | 0 run, 0 app + 0 kernel, 0 SYN; ok 9, timeout 0, failed 1 | -",
		"Hypercorn trio, CapacityLimiter(200) | 40 run; limiter ignored | skipped: needs /usr/lib/python3/dist-packages/trio, which is missing | -",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
