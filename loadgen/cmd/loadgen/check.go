package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/conclab/conclab/loadgen/summary"
)

// checkFlagUsage describes --check, the same for run and report.
const checkFlagUsage = "exit 3 when a target disagrees with its prediction or has no verdict, naming each on stderr"

// checkFailures is the --check gate: one line for each target that
// disagrees with its prediction or has no verdict, none when every target
// agrees. A summary with no targets fails too: a gate that checked nothing
// must not pass.
func checkFailures(s *summary.Summary) []string {
	if s == nil || len(s.Targets) == 0 {
		return []string{"check: summary.json lists no targets: nothing could be checked"}
	}
	var lines []string
	for i := range s.Targets {
		t := &s.Targets[i]
		switch {
		case t.Agrees == nil:
			lines = append(lines, fmt.Sprintf("check: %s has no verdict: %s", t.Name, noVerdictReason(s, t)))
		case !*t.Agrees:
			lines = append(lines, fmt.Sprintf("check: %s disagrees: %s", t.Name, firstDisagreement(t)))
		}
	}
	return lines
}

// noVerdictReason says why a target was not judged: the runner's own
// reason for skipping its prediction, else a run that did not finish
// (only a finished run is judged), else a missing prediction.
func noVerdictReason(s *summary.Summary, t *summary.Target) string {
	for _, n := range t.Notes {
		// The runner's own reason says why better than anything else
		// in summary.json.
		if strings.HasPrefix(n, summary.NoPredictionNote) {
			return n
		}
	}
	switch {
	case !s.Complete && s.Interrupted != "":
		return "the run is incomplete (" + s.Interrupted + ")"
	case !s.Complete:
		return "the run is incomplete"
	case t.Predicted == nil:
		return "no prediction"
	}
	return "summary.json holds a prediction but no verdict"
}

// firstDisagreement is the first figure summary.json lists as disagreeing.
func firstDisagreement(t *summary.Target) string {
	if len(t.Disagreements) == 0 {
		return "summary.json lists no figure"
	}
	return t.Disagreements[0]
}

// checkExit prints checkFailures' lines on stderr and returns the exit code
// of --check: exitCheckFailed when there are any, else exitOK.
func checkExit(s *summary.Summary, stderr io.Writer) int {
	lines := checkFailures(s)
	for _, l := range lines {
		fmt.Fprintln(stderr, l)
	}
	if len(lines) > 0 {
		return exitCheckFailed
	}
	return exitOK
}
