package report

import (
	"fmt"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

// stageTable writes a staged run's figures per stage: what each stage
// sent and what became of it, measured (predicted).
func stageTable(d *document, stages []summary.Stage) {
	if len(stages) == 0 {
		return
	}
	d.p("Per stage, measured (predicted): the requests each stage sent, bursts among them, and what became of them.")
	var rows [][]cell
	for i, s := range stages {
		rate := fmt.Sprintf("%g/s", s.FromPerS)
		if s.ToPerS != s.FromPerS {
			rate = fmt.Sprintf("%g → %g/s", s.FromPerS, s.ToPerS)
		}
		both := func(k ...outcome.Outcome) string {
			m := outcome.Sum(s.Outcomes, k...)
			if s.Predicted == nil {
				return thousands(float64(m))
			}
			return fmt.Sprintf("%s (%s)", thousands(float64(m)), thousands(float64(outcome.Sum(s.Predicted, k...))))
		}
		okP99 := "-" // no ok request
		if s.Outcomes[outcome.OK] > 0 {
			okP99 = secondsText(s.OKLatency.P99)
		}
		rows = append(rows, []cell{
			{text: fmt.Sprint(i + 1)}, {text: fmt.Sprintf("%s to %s", secondsText(s.StartS), secondsText(s.EndS))},
			{text: rate}, {text: thousands(float64(s.Sent))}, {text: both(outcome.OK)}, {text: both(outcome.Rejected...)},
			{text: both(outcome.Timeout)}, {text: fmt.Sprintf("%.1f", s.GoodputPerS)}, {text: okP99},
		})
	}
	d.table("stages", "rlrrrrrrr", []string{"stage", "time", "rate", "sent", "ok", "rejected", "timed out", "goodput/s", "ok p99"}, rows)
}
