package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// compared is one figure the verdict compares (verdict.Figures), with
// the table's name for it.
type compared struct {
	verdict.Figure
	label string
}

// figures in the table's order: where requests waited, then how they
// ended.
var figures = tableFigures(
	"inflight", "running", "queued", "waiting in app", "accept_queue", "waiting in kernel",
	"syn_retried", "SYN-retried", "ok", "ok", "rejected", "rejected", "timeout", "timed out")

// tableFigures pairs each figure's key with the table's label for it.
func tableFigures(keyLabel ...string) []compared {
	var out []compared
	for i := 0; i+1 < len(keyLabel); i += 2 {
		f, ok := verdict.FigureByKey(keyLabel[i])
		if !ok {
			panic("report: no compared figure " + keyLabel[i])
		}
		out = append(out, compared{f, keyLabel[i+1]})
	}
	return out
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

// checkFigure sets t's figure f against its predicted range, by the
// verdict's rule (verdict.Figure.Inside).
func checkFigure(t *summary.Target, f compared) check {
	c := check{measured: f.Measured(t)}
	p := t.Predicted
	if p == nil {
		return c
	}
	c.predicted, c.hasPredicted = f.Predicted(p)
	c.inside, c.hasRange = f.Inside(t)
	if !c.hasRange {
		return c
	}
	r := p.Range[f.Key]
	c.lo, c.hi = r[0], r[1]
	if f.Peak {
		c.miss = max(p.SamplingMiss[f.Key], 0)
	}
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
		// A peak's range reaches down by what sampling can miss: the
		// values a run may measure, as loadgen predict prints them.
		out.sub = fmt.Sprintf("(%s; %s)", thousands(float64(c.predicted)), rangeText(c.lo-c.miss, c.hi))
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
	if math.IsNaN(v) {
		return "-" // not measured (summary.Peak)
	}
	if math.IsInf(v, 0) {
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
