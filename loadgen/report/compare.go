package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

// compareFigure is one row of the comparison: a figure of summary.json,
// formatted, and the difference B − A.
type compareFigure struct {
	name   string
	value  func(t *summary.Target) float64
	format func(float64) string
	delta  func(float64) string
}

// count is a measured count as a cell: "-" where nothing measured it
// (NaN, as summary.Peak keeps an accept queue no sample showed).
func count(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

func countDelta(d float64) string {
	if math.IsNaN(d) {
		return "-"
	}
	return fmt.Sprintf("%+.0f", d)
}
func secondsDelta(d float64) string {
	switch {
	case d == 0:
		return "0"
	case d > 0:
		return "+" + secondsText(d)
	default:
		return "-" + secondsText(-d)
	}
}

// compareFigures are the figures Compare sets side by side, in the
// table's words.
var compareFigures = []compareFigure{
	{"peak running", func(t *summary.Target) float64 { return t.Peak.Inflight }, count, countDelta},
	{"waiting in app", func(t *summary.Target) float64 { return t.Peak.Queued }, count, countDelta},
	{"waiting in kernel", func(t *summary.Target) float64 { return t.Peak.AcceptQueue }, count, countDelta},
	{"SYN-retried", func(t *summary.Target) float64 { return float64(t.SynRetried) }, count, countDelta},
	{"ok", func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.OK]) }, count, countDelta},
	{"rejected", func(t *summary.Target) float64 { return float64(rejected(t.Outcomes)) }, count, countDelta},
	{"timed out", func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.Timeout]) }, count, countDelta},
	{"p50", func(t *summary.Target) float64 { return t.Latency.P50 }, secondsText, secondsDelta},
	{"p99", func(t *summary.Target) float64 { return t.Latency.P99 }, secondsText, secondsDelta},
}

// Compare writes to out a table of the targets that runs a and b (two run
// folders) share by name: each figure of both runs and the difference B − A
// (peak running, waiting in app, waiting in kernel, SYN-retried, ok,
// rejected, timed out, p50, p99). Targets in only one run are listed as
// such. Unless chartDir is "", it also writes there, per shared target,
// compare-<target>.png: the inflight, queued and accept-queue timelines of
// run A solid and of run B dashed.
//
// Both folders need a summary.json; a folder without one is bad input
// (the error wraps ErrNotRunFolder).
func Compare(a, b string, out io.Writer, chartDir string) error {
	ra, err := loadComparable(a)
	if err != nil {
		return err
	}
	rb, err := loadComparable(b)
	if err != nil {
		return err
	}
	describeRun(out, "A", ra)
	describeRun(out, "B", rb)
	shared, onlyA, onlyB := pairTargets(ra, rb)
	fmt.Fprintln(out)
	if err := writeCompareTable(out, shared); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if len(onlyA) > 0 {
		fmt.Fprintf(out, "only in A: %s\n", strings.Join(onlyA, ", "))
	}
	if len(onlyB) > 0 {
		fmt.Fprintf(out, "only in B: %s\n", strings.Join(onlyB, ", "))
	}
	if ra.sum.Scale != rb.sum.Scale {
		fmt.Fprintf(out, "note: the runs have different scales (%g and %g): their times differ by design\n", ra.sum.Scale, rb.sum.Scale)
	}
	if ra.sum.Scenario != rb.sum.Scenario {
		fmt.Fprintf(out, "note: the runs are of different scenarios (%s and %s)\n", ra.sum.Scenario, rb.sum.Scenario)
	}
	fmt.Fprintln(out, "delta is B − A; running and waiting are peaks of the 1 Hz samples; rejected counts 503s, resets and refused connections.")
	if chartDir == "" || len(shared) == 0 {
		return nil
	}
	return writeCompareCharts(out, chartDir, shared, ra.runID(), rb.runID())
}

// describeRun is the line that names one of the runs compared.
func describeRun(out io.Writer, label string, r *run) {
	state := "complete"
	if !r.sum.Complete {
		state = "INCOMPLETE"
	}
	fmt.Fprintf(out, "%s: %s (run %s, scenario %s, scale %g, %s)\n", label, r.dir, r.runID(), r.sum.Scenario, r.sum.Scale, state)
}

// pairTargets pairs the targets both runs summarize, in run A's order,
// and names those only one of them has.
func pairTargets(ra, rb *run) (shared [][2]*targetData, onlyA, onlyB []string) {
	inB := map[string]*targetData{}
	for _, t := range rb.targets {
		if t.sum != nil {
			inB[t.name] = t
		}
	}
	inA := map[string]bool{}
	for _, t := range ra.targets {
		if t.sum == nil {
			continue
		}
		inA[t.name] = true
		if tb, ok := inB[t.name]; ok {
			shared = append(shared, [2]*targetData{t, tb})
		} else {
			onlyA = append(onlyA, t.name)
		}
	}
	for _, t := range rb.targets {
		if t.sum != nil && !inA[t.name] {
			onlyB = append(onlyB, t.name)
		}
	}
	return shared, onlyA, onlyB
}

// writeCompareTable writes every compared figure of every shared target.
func writeCompareTable(out io.Writer, shared [][2]*targetData) error {
	if len(shared) == 0 {
		fmt.Fprintln(out, "The runs share no target.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "target\tmodel\tfigure\tA\tB\tdelta\t\n")
	for _, p := range shared {
		ta, tb := p[0].sum, p[1].sum
		model := ta.Model
		if tb.Model != ta.Model {
			model = ta.Model + "/" + tb.Model
		}
		for _, f := range compareFigures {
			va, vb := f.value(ta), f.value(tb)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", ta.Name, model, f.name, f.format(va), f.format(vb), f.delta(vb-va))
		}
	}
	return tw.Flush()
}

// writeCompareCharts writes compare-<target>.png for each shared target
// into chartDir and lists them.
func writeCompareCharts(out io.Writer, chartDir string, shared [][2]*targetData, idA, idB string) error {
	if err := os.MkdirAll(chartDir, 0o755); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	var errs error
	fmt.Fprintf(out, "\ncharts in %s:\n", chartDir)
	for _, p := range shared {
		name := p[0].name
		file := filepath.Join(chartDir, "compare-"+safeName(name)+".png")
		c, ok := compareChart(name, p[0].timeline, p[1].timeline, idA, idB)
		if !ok {
			removeStale(file)
			fmt.Fprintf(out, "  %s: no chart, neither run has its timeline\n", name)
			continue
		}
		png, err := c.png()
		if err != nil {
			fmt.Fprintf(out, "  %s: no chart, %v\n", name, err)
			continue
		}
		if err := atomicfile.WriteBytes(file, png); err != nil {
			errs = errors.Join(errs, fmt.Errorf("compare: %w", err))
			continue
		}
		line := "  " + filepath.Base(file)
		switch {
		case p[0].timeline == nil:
			line += " (run A has no timeline: B only)"
		case p[1].timeline == nil:
			line += " (run B has no timeline: A only)"
		}
		fmt.Fprintln(out, line)
	}
	return errs
}

// loadComparable reads a run folder that has a summary.json.
func loadComparable(dir string) (*run, error) {
	r, err := loadRun(dir, false)
	if err != nil {
		return nil, err
	}
	if r.sum == nil {
		return nil, fmt.Errorf("%s: %w: no readable summary.json, which compare needs", dir, ErrNotRunFolder)
	}
	return r, nil
}
