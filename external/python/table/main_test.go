package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestWrite(t *testing.T) {
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
		}}}
	if err := summary.Write(filepath.Join(dir, "summary.json"), sum); err != nil {
		t.Fatal(err)
	}
	scen := "name: seed-python\nrequests: 1000\nrate: 2\ntargets:\n  - {name: fastapi-def, command: srv, like: semaphore, limit: 40}\n  - {name: mine, url: 'http://127.0.0.1:1/'}\n"
	kcsv := "t_s,processes,threads\n0.000,1,1\n1.000,1,41\n2.000,1,41\n"
	for name, text := range map[string]string{"scenario.yaml": scen, "fastapi-def.kernel.csv": kcsv} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if err := write(&b, dir); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"FastAPI def + time.sleep, uvicorn  40 run, 960 wait; all accepted  40 run, 960 app + 0 kernel, 0 SYN; ok 80, timeout 920; 1 proc, 41 thr  40 run, 960 app + 0 kernel, 0 SYN; ok 40, semaphore (agrees)",
		"mine                               -                               0 run, 0 app + 0 kernel",
		"ok 9, timeout 0, failed 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
