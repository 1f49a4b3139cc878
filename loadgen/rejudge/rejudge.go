package rejudge

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// BadInput is what cannot be judged again: a run that did not finish, a
// target the run does not have, or a record of requests its scenario
// does not have.
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
			return nil, nil, &BadInput{fmt.Sprintf("--only: %s has no target %q; its targets: %s", dir, name, targetNames(sum))}
		}
	}
	base := verdict.Case{Scenario: s, Schedule: s.Schedule(),
		KernelSpread: verdict.KernelSpread(sum.Environment.KernelCalibration, sum.Environment.CPUs)}
	if d := sum.Environment.SoftnetDropped; d != nil {
		base.SoftnetDropped = *d
	}
	out := *sum
	out.Targets, out.Tolerance = nil, &verdict.Tolerance
	var skipped []Skipped
	for _, st := range sum.Targets {
		if len(only) > 0 && !slices.Contains(only, st.Name) {
			continue
		}
		why, err := judge(folder, base, &st)
		switch {
		case err != nil:
			return nil, nil, err // each names the target's record
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
		return "", &BadInput{fmt.Sprintf("%s: target %s: not in the resolved scenario", folder.Scenario(), st.Name)}
	}
	if st.Agrees == nil {
		return "the run gave it no verdict" + noVerdictWhy(st), nil
	}
	rec, err := folder.ReadRecord(st.Name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no " + filepath.Base(folder.Record(st.Name)) + ": the run was made by a loadgen before records", nil
	case err != nil:
		return "", err
	}
	if k := slices.IndexFunc(rec.Requests, func(m verdict.Measured) bool { return m.Seq < 0 || m.Seq >= c.Schedule.Len() }); k >= 0 {
		return "", &BadInput{fmt.Sprintf("%s: requests[%d].Seq: %d, outside the resolved scenario's %d requests",
			folder.Record(st.Name), k, rec.Requests[k].Seq, c.Schedule.Len())}
	}
	if c.Limits, err = verdict.LimitsFromConfig(rec.Config); err != nil {
		return "", fmt.Errorf("%s: config: %w", folder.Record(st.Name), err)
	}
	c.Target, c.Record = c.Scenario.Targets[i], rec
	central, err := c.Central()
	if err != nil {
		return "", fmt.Errorf("%s: prediction: %w", folder.Record(st.Name), err)
	}
	*st = withoutVerdict(*st)
	st.Predicted = verdict.Predicted(c.Schedule, central)
	if _, err = c.Judge(st, central); err != nil {
		return "", fmt.Errorf("%s: replicas: %w", folder.Record(st.Name), err)
	}
	return "", nil
}

// noVerdictWhy is the run's own note on why it did not predict st, after
// a colon; "" without one.
func noVerdictWhy(st *summary.Target) string {
	for _, n := range st.Notes {
		if strings.HasPrefix(n, summary.NoPredictionNote) {
			return ": " + n
		}
	}
	return ""
}

// targetNames lists the run's targets.
func targetNames(sum *summary.Summary) string {
	names := make([]string, len(sum.Targets))
	for i, t := range sum.Targets {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// withoutVerdict is the target as the run measured it, its prediction and
// verdict dropped. Its notes go too: the new verdict makes its own, and
// the run's (its passages, lost workers) stay in its summary.json.
func withoutVerdict(st summary.Target) summary.Target {
	st.Predicted, st.Agrees, st.Disagreements = nil, nil, nil
	st.RequestsAgree, st.TimelineAgree, st.TimelineOutsideAllowed = nil, nil, nil
	st.Notes = nil
	return st
}
