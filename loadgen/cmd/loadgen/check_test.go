package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/summary"
)

func TestCheckPassesOnlyWhenEveryTargetAgrees(t *testing.T) {
	yes, no := true, false
	predicted := &summary.Predicted{Inflight: 5}
	agree := summary.Target{Name: "a", Predicted: predicted, Agrees: &yes}
	disagree := summary.Target{Name: "b", Predicted: predicted, Agrees: &no,
		Disagreements: []string{"peak running: measured 9, predicted 5 (+4, allowed ±2)", "ok: measured 1, predicted 5"}}
	for _, tc := range []struct {
		name string
		sum  *summary.Summary
		want []string
	}{
		{"every target agrees", &summary.Summary{Complete: true, Targets: []summary.Target{agree, agree}}, nil},
		{"one target disagrees: its first figure is quoted",
			&summary.Summary{Complete: true, Targets: []summary.Target{agree, disagree}},
			[]string{"check: b disagrees: peak running: measured 9, predicted 5 (+4, allowed ±2)"}},
		{"a disagreement without figures",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "c", Predicted: predicted, Agrees: &no}}},
			[]string{"check: c disagrees: summary.json lists no figure"}},
		{"a target the runner could not predict gives the runner's reason",
			&summary.Summary{Complete: true, Targets: []summary.Target{
				{Name: "ext", Notes: []string{"other: EOF", "no prediction: /config: connection refused"}}}},
			[]string{"check: ext has no verdict: no prediction: /config: connection refused"}},
		{"a target without a prediction or a note",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "ext"}}},
			[]string{"check: ext has no verdict: no prediction"}},
		{"an interrupted run judges no target",
			&summary.Summary{Interrupted: "interrupted after 3s", Targets: []summary.Target{
				{Name: "a", Predicted: predicted}, {Name: "b", Predicted: predicted}}},
			[]string{"check: a has no verdict: the run is incomplete (interrupted after 3s)",
				"check: b has no verdict: the run is incomplete (interrupted after 3s)"}},
		{"an incomplete run that says nothing more",
			&summary.Summary{Targets: []summary.Target{{Name: "a"}}},
			[]string{"check: a has no verdict: the run is incomplete"}},
		{"a prediction left unjudged in a complete run",
			&summary.Summary{Complete: true, Targets: []summary.Target{{Name: "a", Predicted: predicted}}},
			[]string{"check: a has no verdict: summary.json holds a prediction but no verdict"}},
		{"no targets at all", &summary.Summary{Complete: true},
			[]string{"check: summary.json lists no targets: nothing could be checked"}},
		{"no summary at all", nil,
			[]string{"check: summary.json lists no targets: nothing could be checked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkFailures(tc.sum)
			if !slices.Equal(got, tc.want) {
				t.Errorf("checkFailures:\n got %q\nwant %q", got, tc.want)
			}
			var stderr bytes.Buffer
			code := checkExit(tc.sum, &stderr)
			wantCode, wantErr := exitOK, ""
			if len(tc.want) > 0 {
				wantCode = exitCheckFailed
				for _, l := range tc.want {
					wantErr += l + "\n"
				}
			}
			if code != wantCode || stderr.String() != wantErr {
				t.Errorf("checkExit: %d and stderr %q, want %d and %q", code, stderr.String(), wantCode, wantErr)
			}
		})
	}
}

// checkedFolder writes a run folder of a tiny two-target scenario, with
// the summary.json that runfolder writes, and the targets' verdicts as given.
func checkedFolder(t *testing.T, targets ...summary.Target) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	folder := runfolder.Folder(dir)
	scen := "name: tiny\nrequests: 4\nrate: 10\nsleep: 10ms\ntargets:\n" +
		"  - {name: nethttp, model: nethttp}\n  - {name: semaphore-1, model: semaphore, limit: 1}\n"
	if err := folder.WriteScenario([]byte(scen)); err != nil {
		t.Fatal(err)
	}
	for i := range targets {
		targets[i].Sent = 4
		targets[i].Outcomes = map[outcome.Outcome]int{outcome.OK: 4}
		targets[i].Peak = summary.Peak{Inflight: 1, Connections: 1, ClientInflight: 1}
	}
	sum := &summary.Summary{RunID: "tiny", Scenario: "tiny", Scale: 1, Complete: true,
		Started: "2026-01-01T00:00:00Z", WallS: 0.5, Targets: targets}
	if err := folder.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	return dir
}

// `loadgen report --check` writes the report either way, then exits 0 when
// every target agrees, and 3 with one line per failing target when not.
func TestReportCheckExits3WhenATargetDisagreesOrHasNoVerdict(t *testing.T) {
	yes, no := true, false
	predicted := &summary.Predicted{Inflight: 1, OK: 4, Outcomes: map[outcome.Outcome]int{outcome.OK: 4}}
	for _, tc := range []struct {
		name       string
		targets    []summary.Target
		wantCode   int
		wantStderr string
	}{
		{"every target agrees", []summary.Target{
			{Name: "nethttp", Model: "nethttp", Predicted: predicted, Agrees: &yes},
			{Name: "semaphore-1", Model: "semaphore", Predicted: predicted, Agrees: &yes},
		}, 0, ""},
		{"one disagrees, one has no verdict", []summary.Target{
			{Name: "nethttp", Model: "nethttp", Predicted: predicted, Agrees: &no,
				Disagreements: []string{"peak running: measured 4, predicted 1 (+3, allowed ±2)"}},
			{Name: "semaphore-1", Model: "semaphore", Notes: []string{"no prediction: the test gave none"}},
		}, 3, "check: nethttp disagrees: peak running: measured 4, predicted 1 (+3, allowed ±2)\n" +
			"check: semaphore-1 has no verdict: no prediction: the test gave none\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := checkedFolder(t, tc.targets...)
			var stdout, stderr bytes.Buffer
			cmd := loadgen("report", "--check", dir)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || stderr.String() != tc.wantStderr {
				t.Errorf("exit %d and stderr %q, want %d and %q", code, stderr.String(), tc.wantCode, tc.wantStderr)
			}
			for _, f := range []string{runfolder.ReportMarkdown, runfolder.ReportHTML} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("the report was not written: %v", err)
				}
			}
			if !strings.Contains(stdout.String(), "report: "+filepath.Join(dir, runfolder.ReportHTML)) {
				t.Errorf("stdout has no report line:\n%s", stdout.String())
			}
			// Without the flag, the verdicts do not change the exit code.
			plain := loadgen("report", dir)
			if out, err := plain.CombinedOutput(); err != nil || strings.Contains(string(out), "check:") {
				t.Errorf("report without --check: %v\n%s", err, out)
			}
		})
	}
}

// `loadgen run --check` on tiny real runs: two labservers that agree with
// their predictions exit 0; a server loadgen cannot predict (a command
// target without an admin address or like:) has no verdict and exits 3,
// and exits 0 without the flag.
func TestRunCheckFailsOnATargetWithoutAVerdict(t *testing.T) {
	const head = "requests: 4\nrate: 10\nsleep: 10ms\ntimeout: 2s\ntargets:\n  - {name: nethttp, model: nethttp}\n"
	agreeing := writeScenario(t, "name: agreeing\n"+head+"  - {name: semaphore-1, model: semaphore, limit: 1}\n")
	unpredicted := writeScenario(t, "name: unpredicted\n"+head+"  - {name: ext, admin: none, command: \"exec "+
		filepath.Join(binDir, "labserver")+" --model nethttp --listen 127.0.0.1:{port} --admin 127.0.0.1:0\"}\n")
	noVerdict := "check: ext has no verdict: no prediction: the target has no /config to read its limits from"
	for _, tc := range []struct {
		name     string
		scenario string
		check    bool
		wantCode int
		wantLine string
	}{
		{"every target agrees", agreeing, true, 0, ""},
		{"a target without a prediction", unpredicted, true, 3, noVerdict},
		{"a target without a prediction, unchecked", unpredicted, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"run", tc.scenario, "--out", t.TempDir(), "--no-report", "--labserver", filepath.Join(binDir, "labserver")}
			if tc.check {
				args = append(args, "--check")
			}
			var stderr bytes.Buffer
			cmd := loadgen(args...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var checkLines []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if strings.HasPrefix(l, "check:") {
					checkLines = append(checkLines, l)
				}
			}
			want := []string(nil)
			if tc.wantLine != "" {
				want = []string{tc.wantLine}
			}
			if code != tc.wantCode || !slices.Equal(checkLines, want) {
				t.Errorf("exit %d and check lines %q, want %d and %q\n%s", code, checkLines, tc.wantCode, want, stderr.String())
			}
		})
	}
}
