package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/runner"
)

// stampedWriter keeps what was written and when.
type stampedWriter struct {
	mu    sync.Mutex
	lines []string
	at    []time.Time
}

func (w *stampedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		w.lines = append(w.lines, l)
		w.at = append(w.at, time.Now())
	}
	return len(b), nil
}

// A checkpoint that cannot be written (here summary.json is a folder, as
// a full disk would refuse it) is shown at once, once, and the run goes
// on to its end, where the same failure is its error.
func TestAFailedCheckpointIsShownAtOnceAndTheRunGoesOn(t *testing.T) {
	s := parse(t, `name: checkpoints
requests: 12
rate: 2
timeout: 5s
targets:
  - {name: nethttp, model: nethttp}
`)
	out := t.TempDir()
	var progress stampedWriter
	res, err := runner.Run(context.Background(), runner.Options{
		Scenario: s, Scale: 1, ResultsDir: out, RunID: "cp", Labserver: labserver,
		Progress: &progress, CheckpointEvery: time.Second,
		OnStart: func(string, int) {
			if err := os.Mkdir(runfolder.Folder(filepath.Join(out, "cp")).Summary(), 0o755); err != nil {
				t.Error(err)
			}
		},
	})
	ended := time.Now()
	if err == nil || !strings.Contains(err.Error(), runfolder.SummaryFile) {
		t.Errorf("Run's error = %v, want the final summary.json write's", err)
	}
	if res == nil || res.Summary == nil || res.Summary.Targets[0].Sent != 12 {
		t.Fatalf("the run did not go on to its end: %+v", res)
	}
	var warnings []time.Time
	for i, l := range progress.lines {
		if strings.HasPrefix(l, "loadgen: the checkpoint ") {
			warnings = append(warnings, progress.at[i])
			if !strings.Contains(l, "s into the run was not written, the run goes on: ") || !strings.Contains(l, runfolder.SummaryFile) {
				t.Errorf("warning %q", l)
			}
		}
	}
	// About 5 checkpoints fail; the first is shown, seconds before the end.
	if len(warnings) != 1 {
		t.Fatalf("%d checkpoint warnings, want 1: %q", len(warnings), progress.lines)
	}
	if before := ended.Sub(warnings[0]); before < 2*time.Second {
		t.Errorf("the warning came %s before the run's end, not at once", before)
	}
}
