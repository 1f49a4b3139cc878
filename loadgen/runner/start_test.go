package runner_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/runner"
)

// A run whose target never comes up leaves no folder behind: one holding
// only scenario.yaml would look like a run that measured nothing.
func TestARunThatFailsToStartLeavesNoFolder(t *testing.T) {
	s := parse(t, `name: nostart
requests: 5
rate: 1
targets:
  - {name: broken, url: "http://127.0.0.1:{port}/", command: "echo no such server; exit 3"}
`)
	out := t.TempDir()
	res, err := runner.Run(context.Background(), runner.Options{Scenario: s, Scale: 1, ResultsDir: out, RunID: "nostart", Labserver: labserver})
	if err == nil || res != nil {
		t.Fatalf("Run = %+v, %v; want an error", res, err)
	}
	if !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("error %q does not say how the command ended", err)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left in --out", e.Name())
	}
}
