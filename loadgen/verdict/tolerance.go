package verdict

import (
	"fmt"
	"math"
	"strings"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

// Tolerance is how close measured and predicted must be to agree: within
// 5 % of the larger value or 2 requests, whichever is more. The absolute
// part absorbs the 1 Hz sampling of gauges and the kernel admitting a
// connection or two past the backlog when handshakes race.
var Tolerance = summary.Tolerance{
	Relative: 0.05, Absolute: 2,
	Note: "measured and predicted agree when every compared figure (peak running, waiting in app, waiting in kernel, SYN-retried, ok, rejected, timed out) is within 5% of the larger value or 2 requests; peaks are samples (1 Hz, faster for handlers under 8 s), predictions are exact maxima",
}

// compare checks a target's measurement against its prediction and says
// where they differ, and by how much.
func compare(t *summary.Target, tol summary.Tolerance) (bool, []string) {
	p := t.Predicted
	type figure struct {
		name               string
		measured, expected float64
	}
	figs := []figure{
		{"ok", float64(t.Outcomes[outcome.OK]), float64(p.OK)},
		{"rejected", float64(outcome.Sum(t.Outcomes, outcome.Rejected...)), float64(outcome.Sum(p.Outcomes, outcome.Rejected...))},
		{"timed out", float64(t.Outcomes[outcome.Timeout]), float64(p.Outcomes[outcome.Timeout])},
		{"SYN-retried", float64(t.SynRetried), float64(p.SynRetried)},
	}
	if t.Config != nil && len(t.Config) > 0 { // server-side gauges exist
		figs = append(figs,
			figure{"peak running", t.Peak.Inflight, float64(p.Inflight)},
			figure{"peak waiting in app", t.Peak.Queued, float64(p.Queued)},
			figure{"peak waiting in kernel", t.Peak.AcceptQueue, float64(p.AcceptQueue)})
	}
	var diffs []string
	for _, f := range figs {
		allowed := math.Max(tol.Absolute, tol.Relative*math.Max(f.measured, f.expected))
		if d := f.measured - f.expected; math.Abs(d) > allowed {
			diffs = append(diffs, fmt.Sprintf("%s: measured %.0f, predicted %.0f (%+.0f, allowed ±%.0f)",
				f.name, f.measured, f.expected, d, allowed))
		}
	}
	return len(diffs) == 0, diffs
}

// explain adds the causes known to this lab for a disagreement, so the
// report says why as well as where.
func explain(t *summary.Target, diffs []string) []string {
	if len(diffs) == 0 {
		return nil
	}
	var notes []string
	endings := false
	for _, d := range diffs {
		endings = endings || strings.HasPrefix(d, "ok:") || strings.HasPrefix(d, "timed out:")
	}
	if endings && t.SynRetried > 0 && t.Predicted != nil && t.SynRetried == t.Predicted.SynRetried {
		notes = append(notes, "why: the SYN-retried count matches, but the kernel sends its retransmissions a little "+
			"later than their nominal times (long TCP timers land on the coarse slots of its timer wheel; see the "+
			"connect-time chart). A retransmission due just before the accept queue drains then finds room, and "+
			"its request finishes where the simulation, on the nominal schedule, times it out")
	}
	return notes
}

// Judge compares a finished target's measurement with its prediction under
// Tolerance: it sets Agrees and Disagreements, and adds a note for each
// disagreement whose cause the lab knows.
func Judge(t *summary.Target) {
	agrees, diffs := compare(t, Tolerance)
	t.Agrees, t.Disagreements = &agrees, diffs
	t.Notes = append(t.Notes, explain(t, diffs)...)
}
