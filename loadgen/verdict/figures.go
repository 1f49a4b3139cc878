package verdict

import (
	"fmt"
	"math"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// Figure is one compared figure: its summary.json name (a key of
// predicted.range), what a disagreement calls it, whether it is a sampled
// peak, and how to read it from a measurement, a central prediction and a
// replica.
type Figure struct {
	Key, Name string
	Peak      bool
	Measured  func(*summary.Target) float64
	// Predicted is the central value; ok is false for a prediction
	// written before it held the figure.
	Predicted func(*summary.Predicted) (v int, ok bool)
	replica   func(predict.Figures) int
}

// Figures are the compared figures, in the verdict's order.
var Figures = []Figure{
	{"ok", "ok", false, func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.OK]) },
		func(p *summary.Predicted) (int, bool) { return p.OK, true },
		func(f predict.Figures) int { return f.Outcomes[outcome.OK] }},
	{"rejected", "rejected", false,
		func(t *summary.Target) float64 { return float64(outcome.Sum(t.Outcomes, outcome.Rejected...)) },
		func(p *summary.Predicted) (int, bool) {
			return outcome.Sum(p.Outcomes, outcome.Rejected...), p.Outcomes != nil
		},
		func(f predict.Figures) int { return outcome.Sum(f.Outcomes, outcome.Rejected...) }},
	{"timeout", "timed out", false, func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.Timeout]) },
		func(p *summary.Predicted) (int, bool) { return p.Outcomes[outcome.Timeout], p.Outcomes != nil },
		func(f predict.Figures) int { return f.Outcomes[outcome.Timeout] }},
	{"syn_retried", "SYN-retried", false, func(t *summary.Target) float64 { return float64(t.SynRetried) },
		func(p *summary.Predicted) (int, bool) { return p.SynRetried, true },
		func(f predict.Figures) int { return f.SynRetried }},
	{"inflight", "peak running", true, func(t *summary.Target) float64 { return t.Peak.Inflight },
		func(p *summary.Predicted) (int, bool) { return p.Inflight, true },
		func(f predict.Figures) int { return f.Peak.Inflight }},
	{"queued", "peak waiting in app", true, func(t *summary.Target) float64 { return t.Peak.Queued },
		func(p *summary.Predicted) (int, bool) { return p.Queued, true },
		func(f predict.Figures) int { return f.Peak.Queued }},
	{"accept_queue", "peak waiting in kernel", true, func(t *summary.Target) float64 { return t.Peak.AcceptQueue },
		func(p *summary.Predicted) (int, bool) { return p.AcceptQueue, true },
		func(f predict.Figures) int { return f.Peak.AcceptQueue }},
}

// Measure is one compared figure in seconds: its summary.json name (a
// key of predicted.range_s), what a disagreement calls it, and how to
// read it from a measurement, a central prediction and a replica.
type Measure struct {
	Key, Name string
	// Measured is false when the run could not measure it (no ok
	// request, no server metrics).
	Measured  func(*summary.Target) (float64, bool)
	Predicted func(*summary.Predicted) float64
	replica   func(predict.Figures) time.Duration
}

// Measures are the compared figures in seconds, in the verdict's order.
var Measures = []Measure{
	{"ok_latency_p50", "ok latency p50",
		func(t *summary.Target) (float64, bool) { return t.OKLatency.P50, t.Outcomes[outcome.OK] > 0 },
		func(p *summary.Predicted) float64 { return p.OKLatency.P50 },
		func(f predict.Figures) time.Duration { return f.OKLatency[0] }},
	{"ok_latency_p99", "ok latency p99",
		func(t *summary.Target) (float64, bool) { return t.OKLatency.P99, t.Outcomes[outcome.OK] > 0 },
		func(p *summary.Predicted) float64 { return p.OKLatency.P99 },
		func(f predict.Figures) time.Duration { return f.OKLatency[1] }},
	{"wasted_work", "wasted work",
		func(t *summary.Target) (float64, bool) {
			if t.WastedWorkS == nil {
				return 0, false
			}
			return *t.WastedWorkS, true
		},
		func(p *summary.Predicted) float64 { return p.WastedWorkS },
		func(f predict.Figures) time.Duration { return f.WastedWork }},
}

// Inside reports whether t's measurement lies inside its predicted range
// (predicted.range_s); known is false when either is missing.
func (m Measure) Inside(t *summary.Target) (inside, known bool) {
	v, measured := m.Measured(t)
	if t.Predicted == nil || !measured {
		return false, false
	}
	r, ok := t.Predicted.RangeS[m.Key]
	if !ok {
		return false, false
	}
	return v >= r[0] && v <= r[1], true
}

// FigureByKey is the compared figure of that key.
func FigureByKey(key string) (Figure, bool) {
	for _, f := range Figures {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// Inside reports whether t's measurement of the figure lies inside its
// predicted range: lo − miss ≤ measured ≤ hi, miss being what sampling
// can miss of a peak and 0 otherwise. known is false when t has no range
// for it, or when nothing measured it (a NaN peak: an accept queue this
// OS does not show).
func (f Figure) Inside(t *summary.Target) (inside, known bool) {
	p := t.Predicted
	if p == nil || math.IsNaN(f.Measured(t)) {
		return false, false
	}
	r, ok := p.Range[f.Key]
	if !ok {
		return false, false
	}
	m := math.Round(f.Measured(t))
	lo := float64(r[0])
	if f.Peak {
		lo -= float64(max(p.SamplingMiss[f.Key], 0))
	}
	return m >= lo && m <= float64(r[1]), true
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
	for _, f := range Figures {
		for i, r := range reps.Runs {
			values[i] = f.replica(r)
		}
		lo, hi := predict.Quantiles(values)
		p.Range[f.Key] = [2]int{lo, hi}
		if !f.Peak {
			continue
		}
		for i, r := range reps.Runs {
			values[i] = f.replica(predict.Figures{Peak: r.Seen})
		}
		seenLo, _ := predict.Quantiles(values)
		p.SamplingMiss[f.Key] = max(0, lo-seenLo)
	}
	p.RangeS = map[string][2]float64{}
	durations := make([]time.Duration, len(reps.Runs))
	for _, m := range Measures {
		for i, r := range reps.Runs {
			durations[i] = m.replica(r)
		}
		lo, hi := predict.Quantiles(durations)
		p.RangeS[m.Key] = [2]float64{lo.Seconds(), hi.Seconds()}
	}
}

// Ranks sets, for each compared count (the figures that are not sampled
// peaks), where the measured value lies among the replicas' values: the
// share of replicas below it, with those equal to it counted half. An
// exact model's runs spread evenly over 0 to 1; a model that runs one way
// keeps its runs' ranks at one end; 0 or 1 lies beyond every replica.
func Ranks(t *summary.Target, reps predict.Replicas) {
	if t.Predicted == nil || len(reps.Runs) == 0 {
		return
	}
	t.Predicted.Rank = map[string]float64{}
	for _, f := range Figures {
		if f.Peak {
			continue
		}
		m := f.Measured(t)
		if math.IsNaN(m) {
			continue
		}
		var below, equal int
		for _, r := range reps.Runs {
			switch v := float64(f.replica(r)); {
			case v < m:
				below++
			case v == m:
				equal++
			}
		}
		t.Predicted.Rank[f.Key] = (float64(below) + float64(equal)/2) / float64(len(reps.Runs))
	}
}

// compareFigures checks each figure against its range and says where
// the measurement lies outside it. The server-side peaks are compared
// only where the target has server-side gauges.
func compareFigures(t *summary.Target) []string {
	var diffs []string
	for _, f := range Figures {
		if f.Peak && len(t.Config) == 0 {
			continue
		}
		if inside, known := f.Inside(t); known && !inside {
			diffs = append(diffs, fmt.Sprintf("%s: measured %.0f, outside the predicted range %s%s",
				f.Name, f.Measured(t), rangeText(t.Predicted.Range[f.Key]), missText(f, t.Predicted)))
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

func missText(f Figure, p *summary.Predicted) string {
	if miss := p.SamplingMiss[f.Key]; f.Peak && miss > 0 {
		return fmt.Sprintf(" (a sample may miss up to %d below it)", miss)
	}
	return ""
}
