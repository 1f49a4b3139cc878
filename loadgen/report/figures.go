package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

// compared is one figure the verdict compares: its key in Predicted.Range
// (Predicted's JSON key), the table's name for it, and where its measured
// and predicted values are.
type compared struct {
	key   string
	label string
	// peak is a gauge's peak over the samples, which may lie below the
	// exact peak by up to Predicted.SamplingMiss.
	peak     bool
	measured func(t *summary.Target) float64
	// predicted is false when the prediction holds no such figure (a
	// run folder written before it did).
	predicted func(p *summary.Predicted) (int, bool)
}

// figures in the table's order: where requests waited, then how they
// ended.
var figures = []compared{
	{"inflight", "running", true,
		func(t *summary.Target) float64 { return t.Peak.Inflight },
		func(p *summary.Predicted) (int, bool) { return p.Inflight, true }},
	{"queued", "waiting in app", true,
		func(t *summary.Target) float64 { return t.Peak.Queued },
		func(p *summary.Predicted) (int, bool) { return p.Queued, true }},
	{"accept_queue", "waiting in kernel", true,
		func(t *summary.Target) float64 { return t.Peak.AcceptQueue },
		func(p *summary.Predicted) (int, bool) { return p.AcceptQueue, true }},
	{"syn_retried", "SYN-retried", false,
		func(t *summary.Target) float64 { return float64(t.SynRetried) },
		func(p *summary.Predicted) (int, bool) { return p.SynRetried, true }},
	{"ok", "ok", false,
		func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.OK]) },
		func(p *summary.Predicted) (int, bool) { return p.OK, true }},
	{"rejected", "rejected", false,
		func(t *summary.Target) float64 { return float64(rejected(t.Outcomes)) },
		func(p *summary.Predicted) (int, bool) {
			return outcome.Sum(p.Outcomes, outcome.Rejected...), p.Outcomes != nil
		}},
	{"timeout", "timed out", false,
		func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.Timeout]) },
		func(p *summary.Predicted) (int, bool) { return p.Outcomes[outcome.Timeout], p.Outcomes != nil }},
}

// check is one figure of one target set against its prediction.
type check struct {
	measured     float64
	predicted    int
	hasPredicted bool
	lo, hi       int
	hasRange     bool
	miss         int // how far below lo a sampled peak may lie
	inside       bool
}

// checkFigure sets t's figure f against its predicted range: it is
// inside when lo − miss ≤ measured ≤ hi, miss being the sampling miss of a
// peak and 0 otherwise.
func checkFigure(t *summary.Target, f compared) check {
	c := check{measured: f.measured(t)}
	p := t.Predicted
	if p == nil {
		return c
	}
	c.predicted, c.hasPredicted = f.predicted(p)
	r, ok := p.Range[f.key]
	if !ok {
		return c
	}
	c.lo, c.hi, c.hasRange = r[0], r[1], true
	if f.peak {
		c.miss = max(p.SamplingMiss[f.key], 0)
	}
	m := math.Round(c.measured)
	c.inside = m >= float64(c.lo-c.miss) && m <= float64(c.hi)
	return c
}

// cell is the table's cell for the check: "24,257" with
// "(24,087; 24,050–24,310)" below it, the predicted value and the range.
// Without a range the second part is "(24,087)", without a prediction
// it is empty.
func (c check) cell() cell {
	out := cell{text: thousands(c.measured)}
	switch {
	case c.hasRange:
		out.sub = fmt.Sprintf("(%s; %s)", thousands(float64(c.predicted)), rangeText(c.lo, c.hi))
		if !c.inside {
			out.class = "out"
		}
	case c.hasPredicted:
		out.sub = "(" + thousands(float64(c.predicted)) + ")"
	}
	return out
}

// rangeText is "24,050–24,310".
func rangeText(lo, hi int) string {
	return thousands(float64(lo)) + "–" + thousands(float64(hi))
}

// thousands writes v rounded to a whole number, its thousands apart:
// 24,257.
func thousands(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	r := math.Round(v)
	if r == 0 {
		r = 0 // not -0
	}
	s := strconv.FormatFloat(r, 'f', 0, 64)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
