package rejudge_test

import (
	"context"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/rejudge"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/runner"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

var labserver string

// TestMain builds the real labserver the run starts.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	dir, err := testbin.Build("servers/cmd/labserver")
	if err != nil {
		panic(err)
	}
	labserver = filepath.Join(dir, "labserver")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// overload is 2x overload of a deadline queue, a semaphore's queue and a
// connection limit: refusals, timeouts and dropped SYNs, whose verdicts
// draw on every part of the record.
const overload = `name: rejudge
requests: 120
rate: 40
sleep: 100ms
timeout: 500ms
targets:
  - {name: deadline-2, model: deadline, limit: 2}
  - {name: semaphore-2, model: semaphore, limit: 2}
  - {name: limitlistener-2, model: limitlistener, limit: 2, backlog: 2}
`

// runOverload runs the overload scenario against real labservers and
// returns its folder and summary.
func runOverload(t *testing.T) (string, *summary.Summary) {
	t.Helper()
	s, err := scenario.Parse("rejudge.yaml", []byte(overload))
	if err != nil {
		t.Fatal(err)
	}
	res, err := runner.Run(context.Background(), runner.Options{Scenario: s, Scale: 1, ResultsDir: t.TempDir(),
		Labserver: labserver})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := runfolder.Folder(res.Dir).ReadSummary()
	if err != nil {
		t.Fatal(err)
	}
	return res.Dir, sum
}

// verdictOf is what a verdict says of a target.
type verdictOf struct {
	Predicted     *summary.Predicted
	Agrees        *bool
	Disagreements []string
	RequestsAgree *summary.RequestsAgree
	TimelineAgree map[string]summary.GaugeAgree
	Allowed       *int
}

func verdictFrom(t summary.Target) verdictOf {
	return verdictOf{t.Predicted, t.Agrees, t.Disagreements, t.RequestsAgree, t.TimelineAgree, t.TimelineOutsideAllowed}
}

func TestARunJudgedAgainByTheSameBuildGetsTheVerdictsItWasGiven(t *testing.T) {
	dir, recorded := runOverload(t)
	again, skipped, err := rejudge.Folder(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 || len(again.Targets) != len(recorded.Targets) {
		t.Fatalf("judged %d of %d targets again, skipped %v", len(again.Targets), len(recorded.Targets), skipped)
	}
	for i, st := range recorded.Targets {
		if st.Agrees == nil {
			t.Fatalf("%s: the run gave no verdict: %v", st.Name, st.Notes)
		}
		if got, want := verdictFrom(again.Targets[i]), verdictFrom(st); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: judged again\n%+v\nwhere the run judged\n%+v", st.Name, got, want)
		}
	}

	t.Run("only the targets asked for", func(t *testing.T) {
		again, _, err := rejudge.Folder(dir, []string{"semaphore-2"})
		if err != nil || len(again.Targets) != 1 || again.Targets[0].Name != "semaphore-2" {
			t.Fatalf("got %v, %v", again, err)
		}
	})
	t.Run("a target without a record is named, not judged", func(t *testing.T) {
		if err := os.Remove(runfolder.Folder(dir).Record("deadline-2")); err != nil {
			t.Fatal(err)
		}
		again, skipped, err := rejudge.Folder(dir, nil)
		if err != nil || len(again.Targets) != 2 || len(skipped) != 1 || skipped[0].Target != "deadline-2" {
			t.Fatalf("got %d targets, skipped %v, %v", len(again.Targets), skipped, err)
		}
	})
	t.Run("a target the run does not have is bad input", func(t *testing.T) {
		var bad *rejudge.BadInput
		want := `--only: ` + dir + ` has no target "nope"; its targets: deadline-2, semaphore-2, limitlistener-2`
		if _, _, err := rejudge.Folder(dir, []string{"nope"}); !errors.As(err, &bad) || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	})
	t.Run("a record of requests the scenario does not have is bad input", func(t *testing.T) {
		folder := runfolder.Folder(dir)
		rec, err := folder.ReadRecord("semaphore-2")
		if err != nil {
			t.Fatal(err)
		}
		rec.Requests[0].Seq = 120
		if err := folder.WriteRecord("semaphore-2", rec); err != nil {
			t.Fatal(err)
		}
		var bad *rejudge.BadInput
		if _, _, err := rejudge.Folder(dir, []string{"semaphore-2"}); !errors.As(err, &bad) ||
			!strings.Contains(err.Error(), "requests[0].Seq: 120, outside the resolved scenario's 120 requests") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a run that did not finish is bad input", func(t *testing.T) {
		folder := runfolder.Folder(dir)
		sum, err := folder.ReadSummary()
		if err != nil {
			t.Fatal(err)
		}
		sum.Complete = false
		if err := folder.WriteSummary(sum); err != nil {
			t.Fatal(err)
		}
		var bad *rejudge.BadInput
		if _, _, err := rejudge.Folder(dir, nil); !errors.As(err, &bad) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestAFolderWithoutASummaryIsNotJudged(t *testing.T) {
	if _, _, err := rejudge.Folder(t.TempDir(), nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}
