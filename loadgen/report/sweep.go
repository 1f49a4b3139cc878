package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sweep"
)

// SweepMarkdown is the sweep's report in its folder.
const SweepMarkdown = "sweep.md"

// KneeText is a knee for a table: "60 (63.2)", measured (predicted), with
// "≥" where every rate kept goodput and "<" the lowest rate where none did.
func KneeText(k sweep.Knee, lowest float64) string {
	return kneeValue(k.MeasuredPerS, k.MeasuredAbove, lowest) + " (" + PredictedKneeText(k, lowest) + ")"
}

// PredictedKneeText is the predicted knee alone, as KneeText writes it.
func PredictedKneeText(k sweep.Knee, lowest float64) string {
	return kneeValue(k.PredictedPerS, k.PredictedAbove, lowest)
}

func kneeValue(v *float64, above bool, lowest float64) string {
	switch {
	case v == nil:
		return fmt.Sprintf("< %g", lowest)
	case above:
		return fmt.Sprintf("≥ %.3g", *v)
	}
	return fmt.Sprintf("%.3g", *v)
}

// sweepMeasure is one chart of a sweep: a figure against the offered rate.
type sweepMeasure struct {
	file, title, yLabel string
	lines               []sweepLine
}

// sweepLine is one figure of a chart, measured and predicted.
type sweepLine struct {
	label string
	color color.Color
	value func(sweep.Point) float64
	rng   func(*sweep.PointRange) [2]float64
}

var sweepMeasures = []sweepMeasure{
	{"goodput", "goodput against offered load", "ok answers per second", []sweepLine{
		{"goodput", colConnections, func(p sweep.Point) float64 { return p.GoodputPerS },
			func(r *sweep.PointRange) [2]float64 { return r.GoodputPerS }},
	}},
	{"latency", "latency of the ok requests", "seconds", []sweepLine{
		{"ok p50", colRunning, func(p sweep.Point) float64 { return p.OKP50S },
			func(r *sweep.PointRange) [2]float64 { return r.OKP50S }},
		{"ok p99", colQueued, func(p sweep.Point) float64 { return p.OKP99S },
			func(r *sweep.PointRange) [2]float64 { return r.OKP99S }},
	}},
	{"shares", "what the rest became", "share of the requests", []sweepLine{
		{"rejected", colRejected, func(p sweep.Point) float64 { return p.RejectedShare },
			func(r *sweep.PointRange) [2]float64 { return r.RejectedShare }},
		{"timed out", colKernel, func(p sweep.Point) float64 { return p.TimeoutShare },
			func(r *sweep.PointRange) [2]float64 { return r.TimeoutShare }},
	}},
}

// sweepChart draws one measure of one target: the predicted curve dashed,
// each measured point with its predicted range as a bar, and, on the
// goodput chart, the offered rate itself and the 95 % line the knee is
// read from.
func sweepChart(t sweep.Target, m sweepMeasure) *chart {
	c := newChart(fmt.Sprintf("%s (%s): %s", t.Name, t.Model, m.title), "offered load (requests per second)", m.yLabel)
	if m.file == "goodput" && len(t.Predicted) > 0 {
		x0, x1 := t.Predicted[0].OfferedPerS, t.Predicted[len(t.Predicted)-1].OfferedPerS
		offered := lineStyle(colGuide, 0.8, false)
		addSeries(c.p, []float64{0, x1}, []float64{0, x1}, offered)
		c.legend.Add("offered", lineSwatch(offered))
		knee := lineStyle(colGuide, 0.8, true)
		addSeries(c.p, []float64{x0, x1}, []float64{sweep.KneeShare * x0, sweep.KneeShare * x1}, knee)
		c.legend.Add("95 % of offered", lineSwatch(knee))
	}
	for _, l := range m.lines {
		xs, ys := make([]float64, len(t.Predicted)), make([]float64, len(t.Predicted))
		for i, p := range t.Predicted {
			xs[i], ys[i] = p.OfferedPerS, l.value(p)
		}
		addSeries(c.p, xs, ys, lineStyle(l.color, 1.4, true))
		var pts plotter.XYs
		for _, p := range t.Measured {
			pts = append(pts, plotter.XY{X: p.OfferedPerS, Y: l.value(p)})
			if p.Range != nil {
				r := l.rng(p.Range)
				addSeries(c.p, []float64{p.OfferedPerS, p.OfferedPerS}, []float64{r[0], r[1]}, lineStyle(faded(l.color, 0.5), 5, false))
			}
		}
		if s, err := plotter.NewScatter(pts); err == nil && len(pts) > 0 {
			s.GlyphStyle = draw.GlyphStyle{Color: l.color, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			c.p.Add(s)
		}
		c.legend.Add(l.label+" measured", swatch{fill: l.color})
		c.legend.Add(l.label+" predicted", lineSwatch(lineStyle(l.color, 1.4, true)))
	}
	c.legend.Add("predicted range", lineSwatch(lineStyle(faded(color.Black, 0.5), 5, false)))
	c.p.X.Min, c.p.Y.Min = 0, 0
	c.p.Y.Max = math.Max(c.p.Y.Max*1.04, 1e-3)
	return c
}

// WriteSweep draws the sweep's charts into dir/charts and writes
// dir/sweep.md, and returns its path.
func WriteSweep(dir string, sw *sweep.Sweep) (string, error) {
	chartDir := filepath.Join(dir, runfolder.ChartsDir)
	if err := os.MkdirAll(chartDir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# conclab sweep of %s\n\n", sw.Scenario)
	fmt.Fprintf(&b, "The scenario at %d offered rates, each over the same sending span; each rate's run is a run folder here "+
		"(%s). A target's knee is the highest offered rate whose goodput stays within 5 %% of it; measured (predicted).\n\n",
		len(sw.Rates), "`"+strings.Join(sw.Runs, "`, `")+"`")
	fmt.Fprintln(&b, "| target | model | knee, per second |")
	fmt.Fprintln(&b, "|---|---|---:|")
	for _, t := range sw.Targets {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.Name, t.Model, KneeText(t.Knee, sw.Rates[0]))
	}
	for _, t := range sw.Targets {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Name)
		fmt.Fprintln(&b, "| offered/s | goodput/s | ok p50 | ok p99 | rejected | timed out | agrees |")
		fmt.Fprintln(&b, "|---:|---:|---:|---:|---:|---:|:---:|")
		for _, p := range t.Measured {
			q := t.PredictedAt(p.OfferedPerS)
			agrees := "-"
			if p.Agrees != nil {
				agrees = map[bool]string{true: "yes", false: "NO"}[*p.Agrees]
			}
			fmt.Fprintf(&b, "| %g | %.1f (%.1f) | %s (%s) | %s (%s) | %.1f %% (%.1f %%) | %.1f %% (%.1f %%) | %s |\n",
				p.OfferedPerS, p.GoodputPerS, q.GoodputPerS, secondsText(p.OKP50S), secondsText(q.OKP50S),
				secondsText(p.OKP99S), secondsText(q.OKP99S), 100*p.RejectedShare, 100*q.RejectedShare,
				100*p.TimeoutShare, 100*q.TimeoutShare, agrees)
		}
		fmt.Fprintln(&b)
		for _, m := range sweepMeasures {
			png, err := sweepChart(t, m).png()
			if err != nil {
				fmt.Fprintf(&b, "No %s chart: %v\n\n", m.file, err)
				continue
			}
			name := fmt.Sprintf("%s-sweep-%s.png", t.Name, m.file)
			if err := atomicfile.WriteBytes(filepath.Join(chartDir, name), png); err != nil {
				return "", fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(&b, "![%s %s](%s/%s)\n\n", t.Name, m.file, runfolder.ChartsDir, name)
		}
		fmt.Fprintln(&b, "Dots: measured at each swept rate. Dashed: the central prediction over the whole range. "+
			"Bars: the range that rate's run predicted, the 1st to 99th percentile over its replicas.")
	}
	out := filepath.Join(dir, SweepMarkdown)
	if err := atomicfile.WriteBytes(out, b.Bytes()); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return out, nil
}
