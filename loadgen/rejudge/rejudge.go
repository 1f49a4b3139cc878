package rejudge

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// BadInput is what cannot be judged again: a run that did not finish, or
// a target the run does not have.
type BadInput struct{ Reason string }

func (e *BadInput) Error() string { return e.Reason }

// Skipped is a target that was not judged again, and why.
type Skipped struct {
	Target, Why string
}

// Folder judges the run in dir again: every target, or those named in
// only. The summary it returns holds those targets with this build's
// predictions and verdicts, in the run's order.
func Folder(dir string, only []string) (*summary.Summary, []Skipped, error) {
	folder := runfolder.Folder(dir)
	sum, err := folder.ReadSummary()
	if err != nil {
		return nil, nil, err
	}
	s, err := scenario.Load(folder.Scenario())
	if err != nil {
		return nil, nil, err
	}
	if !sum.Complete {
		return nil, nil, &BadInput{dir + ": the run is incomplete, and only a complete run has verdicts"}
	}
	for _, name := range only {
		if !slices.ContainsFunc(sum.Targets, func(t summary.Target) bool { return t.Name == name }) {
			return nil, nil, &BadInput{fmt.Sprintf("--only: the run has no target %q", name)}
		}
	}
	base := verdict.Case{Scenario: s, Schedule: s.Schedule(),
		KernelSpread: verdict.KernelSpread(sum.Environment.KernelCalibration, sum.Environment.CPUs)}
	if d := sum.Environment.SoftnetDropped; d != nil {
		base.SoftnetDropped = *d
	}
	out := *sum
	out.Targets = nil
	var skipped []Skipped
	for _, st := range sum.Targets {
		if len(only) > 0 && !slices.Contains(only, st.Name) {
			continue
		}
		why, err := judge(folder, base, &st)
		switch {
		case err != nil:
			return nil, nil, fmt.Errorf("%s: %w", st.Name, err)
		case why != "":
			skipped = append(skipped, Skipped{Target: st.Name, Why: why})
		default:
			out.Targets = append(out.Targets, st)
		}
	}
	return &out, skipped, nil
}

// judge makes st's prediction and verdict again from its record, or says
// why it cannot.
func judge(folder runfolder.Folder, c verdict.Case, st *summary.Target) (string, error) {
	i := slices.IndexFunc(c.Scenario.Targets, func(t scenario.Target) bool { return t.Name == st.Name })
	if i < 0 {
		return "", errors.New("the resolved scenario has no such target")
	}
	rec, err := folder.ReadRecord(st.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no " + filepath.Base(folder.Record(st.Name)) + ": the run was made by an older loadgen, or the target was not judged", nil
	case err != nil:
		return "", err
	}
	c.Target, c.Record = c.Scenario.Targets[i], rec
	central, err := c.Central()
	if err != nil {
		return "", fmt.Errorf("prediction: %w", err)
	}
	*st = withoutVerdict(*st)
	st.Predicted = verdict.Predicted(c.Schedule, central)
	_, err = c.Judge(st, central)
	return "", err
}

// withoutVerdict is the target as the run measured it: its prediction,
// its verdict and the notes that went with them dropped.
func withoutVerdict(st summary.Target) summary.Target {
	st.Predicted, st.Agrees, st.Disagreements = nil, nil, nil
	st.RequestsAgree, st.TimelineAgree, st.TimelineOutsideAllowed = nil, nil, nil
	st.Notes = nil
	return st
}
