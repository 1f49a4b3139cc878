package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// verdictSection writes how a target's measurement compares with its
// prediction: the overall verdict, then each part summary.json holds of
// it (the ranges, the per-request comparison, the timelines). A part
// whose data is absent (a run folder from before they existed) is left
// out.
func verdictSection(d *document, t *targetData) {
	st := t.sum
	ranged := st.Predicted != nil && len(st.Predicted.Range) > 0
	switch {
	case st.Predicted == nil || st.Agrees == nil:
		d.p("No prediction to compare with.")
	case *st.Agrees && ranged:
		d.p("Agrees with the prediction.")
	case *st.Agrees:
		d.p("Agrees with the prediction within the tolerance.")
	case ranged:
		d.p("Disagrees with the prediction:")
		d.list(orList(st.Disagreements, "summary.json lists no reason; see below.")...)
	default:
		d.p("Disagrees with the prediction (measured against predicted, by how much, and the difference allowed):")
		if len(st.Disagreements) > 0 {
			d.list(st.Disagreements...)
		} else {
			d.list("summary.json lists no figure; see the table.")
		}
	}
	// A disagreeing target's notes say the same.
	if rd := st.Predicted; rd != nil && rd.ReplicasDisagreeing != nil && rd.Replicas > 0 && st.Agrees != nil && *st.Agrees {
		r := rd.ReplicasDisagreeing
		d.p("The same rule, applied to each replica as to a run against the others, fails %d of the %d replicas (a figure outside its range "+
			"in %d, requests in %d, samples outside the band in %d): a run of a model that were exact would be judged "+
			"as disagreeing about %d times in %d.", r.Any, rd.Replicas, r.Figures, r.Requests, r.Timeline, r.Any, rd.Replicas)
	}
	period := samplingPeriod(t.timeline)
	if ranged {
		rangesSection(d, st, samplingRate(period))
	}
	if st.RequestsAgree != nil {
		requestsSection(d, st.RequestsAgree)
	}
	if len(st.TimelineAgree) > 0 {
		timelineSection(d, st.TimelineAgree, st.TimelineOutsideAllowed, period)
	}
}

// rangesSection lists each compared figure with its predicted range and
// whether the measurement is inside it.
func rangesSection(d *document, st *summary.Target, rate string) {
	p := st.Predicted
	d.h(3, "Each figure against its predicted range", "")
	over := "the perturbed replicas of the simulation"
	if p.Replicas > 0 {
		over = fmt.Sprintf("%d perturbed replicas of the simulation", p.Replicas)
	}
	d.p("Each range is the 1st to 99th percentile over %s. A peak is sampled, and may lie below its range by as much as "+
		"the gauge can fall within one sampling period: its sampling miss.", over)
	var items []string
	known := map[string]bool{}
	for _, f := range figures {
		known[f.Key] = true
		c := checkFigure(st, f)
		if !c.hasRange {
			continue
		}
		items = append(items, rangeItem(f, c, p, rate))
	}
	for _, k := range sortedNames(p.Range) {
		if !known[k] {
			items = append(items, fmt.Sprintf("%s: predicted range %s.", k, rangeText(p.Range[k][0], p.Range[k][1])))
		}
	}
	d.list(items...)
	var measures []string
	for _, m := range verdict.Measures {
		if item := measureItem(m, st); item != "" {
			measures = append(measures, item)
		}
	}
	if len(measures) > 0 {
		d.p("Not yet part of the agreement: the ok requests' latency and the wasted work, each with its predicted range over the same replicas (docs/verdict.md).")
		d.list(measures...)
	}
}

// measureItem is one measure's line: "ok latency p99 907ms: outside its
// range 909ms–913ms (predicted 910ms)"; "" without a range.
func measureItem(m verdict.Measure, st *summary.Target) string {
	inside, known := m.Inside(st)
	if !known {
		return ""
	}
	v, _ := m.Measured(st)
	r := st.Predicted.RangeS[m.Key]
	where := map[bool]string{true: "inside", false: "outside"}[inside]
	return fmt.Sprintf("%s %s: %s its range %s–%s (predicted %s).", m.Name, secondsWith(v, "%.4g"), where,
		secondsWith(r[0], "%.4g"), secondsWith(r[1], "%.4g"), secondsWith(m.Predicted(st.Predicted), "%.4g"))
}

// rangeItem is one figure's line: "waiting in kernel (peak) 120: inside
// its range 125–131 (predicted 129); a 1 Hz sample may miss up to 6".
func rangeItem(f compared, c check, p *summary.Predicted, rate string) string {
	where := "inside"
	if !c.inside {
		where = "OUTSIDE"
	}
	label := f.label
	if f.Peak {
		label += " (peak)"
	}
	s := fmt.Sprintf("%s %s: %s its range %s", label, thousands(c.measured), where, rangeText(c.lo, c.hi))
	if c.hasPredicted {
		s += " (predicted " + thousands(float64(c.predicted)) + ")"
	}
	if miss, ok := p.SamplingMiss[f.Key]; ok && f.Peak {
		if miss > 0 {
			s += fmt.Sprintf("; %s may miss up to %s", rate, thousands(float64(miss)))
		} else {
			s += fmt.Sprintf("; %s misses none of it", rate)
		}
	}
	return s + "."
}

// samplingPeriod is the timeline's usual time between samples, rounded
// to 10 ms; 0 when there is no timeline to tell.
func samplingPeriod(rows []sample.Row) time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(rows); i++ {
		if g := rows[i].T - rows[i-1].T; g > 0 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2].Round(10 * time.Millisecond)
}

// samplingRate names a sample for a sentence: "a 1 Hz sample", "a sample
// every 1.5s", or "a sample" when the period is unknown.
func samplingRate(period time.Duration) string {
	if period <= 0 {
		return "a sample"
	}
	if hz := float64(time.Second) / float64(period); hz >= 1 && math.Abs(hz-math.Round(hz)) < 0.05 {
		return fmt.Sprintf("a %.0f Hz sample", hz)
	}
	return "a sample every " + period.String()
}

// requestsSection is the per-request comparison: the counts, the matrix
// and the first differing requests.
func requestsSection(d *document, ra *summary.RequestsAgree) {
	d.h(3, "Each request against its prediction", "")
	d.p("Of %s requests compared by their place in the schedule, %s ended as predicted and %s did not; "+
		"the replicas themselves disagree on %s of them (the allowance).",
		thousands(float64(ra.Same+ra.Differ)), thousands(float64(ra.Same)), thousands(float64(ra.Differ)), thousands(float64(ra.Allowance)))
	if len(ra.Matrix) > 0 {
		header, rows := matrixTable(ra.Matrix)
		d.p("Requests by predicted outcome (rows) and measured outcome (columns):")
		d.table("matrix", "l"+strings.Repeat("r", len(header)-1), header, rows)
	}
	if len(ra.Differing) == 0 {
		return
	}
	if ra.Differ > len(ra.Differing) {
		d.p("The first %d of the %s requests that ended otherwise than predicted:", len(ra.Differing), thousands(float64(ra.Differ)))
	} else {
		d.p("The requests that ended otherwise than predicted:")
	}
	var rows [][]cell
	for _, r := range ra.Differing {
		rows = append(rows, []cell{{text: fmt.Sprint(r.Seq)}, {text: fmt.Sprintf("%.3f s", r.SentS)},
			{text: string(r.Predicted)}, {text: string(r.Measured)}, {text: r.Met},
			{text: map[bool]string{true: "yes", false: "no"}[r.Covered]}})
	}
	d.table("differing", "rrlllc",
		[]string{"seq", "sent at", "predicted", "measured", "what it met", "covered by replicas"}, rows)
	d.p("Covered by replicas: some of the perturbed replicas end the request the way it was measured.")
}

// matrixTable lays out the matrix with a row for each predicted outcome
// and a column for each measured one that occurs, in outcome.All's order
// (outcomes it does not know last, by name), and their totals.
func matrixTable(m map[outcome.Outcome]map[outcome.Outcome]int) (header []string, rows [][]cell) {
	rowSum, colSum := map[outcome.Outcome]int{}, map[outcome.Outcome]int{}
	for p, byMeasured := range m {
		for o, n := range byMeasured {
			rowSum[p] += n
			colSum[o] += n
		}
	}
	predicted, measured := occurring(rowSum), occurring(colSum)
	header = []string{"predicted \\ measured"}
	for _, o := range measured {
		header = append(header, string(o))
	}
	header = append(header, "total")
	for _, p := range predicted {
		row := []cell{{text: string(p)}}
		for _, o := range measured {
			row = append(row, cell{text: thousands(float64(m[p][o]))})
		}
		rows = append(rows, append(row, cell{text: thousands(float64(rowSum[p]))}))
	}
	total, all := []cell{{text: "total"}}, 0
	for _, o := range measured {
		total = append(total, cell{text: thousands(float64(colSum[o]))})
		all += colSum[o]
	}
	return header, append(rows, append(total, cell{text: thousands(float64(all))}))
}

// occurring is the outcomes with a count other than zero, ordered.
func occurring(counts map[outcome.Outcome]int) []outcome.Outcome {
	var out, extra []outcome.Outcome
	for _, o := range outcome.All {
		if counts[o] != 0 {
			out = append(out, o)
		}
	}
	for o, n := range counts {
		if n != 0 && !slices.Contains(outcome.All, o) {
			extra = append(extra, o)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}

// gaugeNames are the gauges' names in the report, by their key in
// summary.json's timeline_agree (the series' column names).
var gaugeNames = map[string]string{
	"inflight":        "running",
	"queued":          "waiting in app",
	"accept_queue":    "waiting in kernel",
	"connections":     "connections open",
	"client_inflight": "client in flight",
	"syn_pending":     "waiting for a SYN retransmission",
}

// gaugeOrder lists the gauges as a request meets them.
var gaugeOrder = []string{"client_inflight", "syn_pending", "accept_queue", "connections", "queued", "inflight"}

// timelineSection says, per gauge, how much of its sampled timeline lies
// inside the predicted band.
func timelineSection(d *document, ta map[string]summary.GaugeAgree, allowed *int, period time.Duration) {
	d.h(3, "Each gauge's timeline against the predicted band", "")
	within := "one sampling period"
	if period > 0 {
		within += " (" + period.String() + ")"
	}
	d.p("A sample is inside when it lies within the band the replicas span at some time within %s of it.", within)
	if allowed != nil {
		d.p("Samples allowed outside the band, over every gauge: %d, as many as a replica itself has outside it.", *allowed)
	}
	keys := slices.DeleteFunc(append([]string(nil), gaugeOrder...), func(k string) bool { _, ok := ta[k]; return !ok })
	for _, k := range sortedNames(ta) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var items []string
	for _, k := range keys {
		items = append(items, gaugeItem(orDefault(gaugeNames[k], k), ta[k]))
	}
	d.list(items...)
}

// gaugeItem is "running: inside 97 % of 28 samples; worst at 23.0 s, 4
// above the band".
func gaugeItem(name string, g summary.GaugeAgree) string {
	s := fmt.Sprintf("%s: inside %s of %s samples", name, percent(g.InsideFraction), thousands(float64(g.Samples)))
	switch {
	case g.WorstBy > 0:
		s += fmt.Sprintf("; worst at %.1f s, %s above the band", g.WorstAtS, thousands(g.WorstBy))
	case g.WorstBy < 0:
		s += fmt.Sprintf("; worst at %.1f s, %s below the band", g.WorstAtS, thousands(-g.WorstBy))
	}
	return s + "."
}

// percent writes a fraction as a whole percentage that is 100 % only
// when the fraction is 1 and 0 % only when it is 0.
func percent(f float64) string {
	p := math.Round(f * 100)
	switch {
	case f < 1 && p >= 100:
		p = 99
	case f > 0 && p <= 0:
		p = 1
	}
	return fmt.Sprintf("%.0f %%", p)
}

// orList is items, or the one item def when there are none.
func orList(items []string, def string) []string {
	if len(items) == 0 {
		return []string{def}
	}
	return items
}
