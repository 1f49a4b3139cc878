package verdict

import (
	"fmt"
	"math"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// figure is one compared figure: its summary.json name (a key of
// predicted.range), what the report calls it, how to read it from a
// replica and from a measurement, and whether it is a sampled peak.
type figure struct {
	key, name string
	replica   func(predict.Figures) int
	measured  func(*summary.Target) float64
	peak      bool
}

var figures = []figure{
	{"ok", "ok", func(f predict.Figures) int { return f.Outcomes[outcome.OK] },
		func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.OK]) }, false},
	{"rejected", "rejected", func(f predict.Figures) int { return outcome.Sum(f.Outcomes, outcome.Rejected...) },
		func(t *summary.Target) float64 { return float64(outcome.Sum(t.Outcomes, outcome.Rejected...)) }, false},
	{"timeout", "timed out", func(f predict.Figures) int { return f.Outcomes[outcome.Timeout] },
		func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.Timeout]) }, false},
	{"syn_retried", "SYN-retried", func(f predict.Figures) int { return f.SynRetried },
		func(t *summary.Target) float64 { return float64(t.SynRetried) }, false},
	{"inflight", "peak running", func(f predict.Figures) int { return f.Peak.Inflight },
		func(t *summary.Target) float64 { return t.Peak.Inflight }, true},
	{"queued", "peak waiting in app", func(f predict.Figures) int { return f.Peak.Queued },
		func(t *summary.Target) float64 { return t.Peak.Queued }, true},
	{"accept_queue", "peak waiting in kernel", func(f predict.Figures) int { return f.Peak.AcceptQueue },
		func(t *summary.Target) float64 { return t.Peak.AcceptQueue }, true},
}

// Ranges sets each figure's predicted range over the replicas and, for
// the peaks, what sampling can miss of them: a sampler is sure to see
// only what a gauge holds for a whole sampling period (Figures.Seen), so
// a sampled peak's range reaches down to the 1st percentile of that.
func Ranges(p *summary.Predicted, reps predict.Replicas) {
	p.Range = map[string][2]int{}
	p.SamplingMiss = map[string]int{}
	p.Replicas = reps.N
	values := make([]int, len(reps.Runs))
	for _, f := range figures {
		for i, r := range reps.Runs {
			values[i] = f.replica(r)
		}
		lo, hi := predict.Quantiles(values)
		p.Range[f.key] = [2]int{lo, hi}
		if !f.peak {
			continue
		}
		for i, r := range reps.Runs {
			values[i] = f.replica(predict.Figures{Peak: r.Seen})
		}
		seenLo, _ := predict.Quantiles(values)
		p.SamplingMiss[f.key] = max(0, lo-seenLo)
	}
}

// compareFigures checks each figure against its range and says where
// the measurement lies outside it. The server-side peaks are compared
// only where the target has server-side gauges.
func compareFigures(t *summary.Target) []string {
	p := t.Predicted
	var diffs []string
	for _, f := range figures {
		if f.peak && len(t.Config) == 0 {
			continue
		}
		r, ok := p.Range[f.key]
		if !ok {
			continue
		}
		m := f.measured(t)
		lo := float64(r[0])
		if f.peak {
			lo -= float64(p.SamplingMiss[f.key])
		}
		if m < lo || m > float64(r[1]) || math.IsNaN(m) {
			diffs = append(diffs, fmt.Sprintf("%s: measured %.0f, outside the predicted range %s%s",
				f.name, m, rangeText(r), missText(f, p)))
		}
	}
	return diffs
}

func rangeText(r [2]int) string {
	if r[0] == r[1] {
		return fmt.Sprintf("[%d]", r[0])
	}
	return fmt.Sprintf("[%d, %d]", r[0], r[1])
}

func missText(f figure, p *summary.Predicted) string {
	if miss := p.SamplingMiss[f.key]; f.peak && miss > 0 {
		return fmt.Sprintf(" (a sample may miss up to %d below it)", miss)
	}
	return ""
}
