package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/summary"
)

// gauge is one line of the timeline chart: where requests are.
type gauge struct {
	label     string
	color     color.Color
	width     float64 // measured line width in points; wider first, so overlapping lines stay visible
	kernel    bool    // the accept queue, whose peak decides whether its limit is drawn
	measured  func(sample.Row) float64
	predicted func(predict.Point) float64
	// bandOnly: only the replicas have the gauge (the SYN queue of
	// connections in limbo), so the central prediction's line would be 0
	// by construction; only the band is drawn.
	bandOnly bool
}

// gauges in drawing order: the lines that usually coincide with others
// (client inflight, connections) are drawn first and wider.
var gauges = []gauge{
	{"client in flight", colClient, 4.5, false,
		func(r sample.Row) float64 { return r.ClientInflight },
		func(p predict.Point) float64 { return float64(p.ClientInflight) }, false},
	{"connections open", colConnections, 3.2, false,
		func(r sample.Row) float64 { return r.Connections },
		func(p predict.Point) float64 { return float64(p.Connections) }, false},
	{"waiting in app (queued)", colQueued, 2, false,
		func(r sample.Row) float64 { return r.Queued },
		func(p predict.Point) float64 { return float64(p.Queued) }, false},
	{"waiting in kernel (SYN queue)", colSynQueue, 2, false,
		func(r sample.Row) float64 { return r.SynQueue },
		func(p predict.Point) float64 { return float64(p.SynQueue) }, true},
	{"waiting in kernel (accept queue)", colKernel, 2.4, true,
		func(r sample.Row) float64 { return r.AcceptQueue },
		func(p predict.Point) float64 { return float64(p.AcceptQueue) }, false},
	{"running (inflight)", colRunning, 1.6, false,
		func(r sample.Row) float64 { return r.Inflight },
		func(p predict.Point) float64 { return float64(p.Inflight) }, false},
}

// measuredAlpha is the opacity of measured lines.
const measuredAlpha = 0.45

// timelineChart draws the measured gauges solid and the predicted ones
// dashed in the same colour, and the accept-queue limit when it is within
// ten times the accept queue's peak (measured or predicted). It returns the
// caption, or nil and why there is no chart.
func timelineChart(t *targetData) (c *chart, caption string) {
	c = newChart(fmt.Sprintf("%s (%s): where requests are over time", t.name, t.model),
		"time since the start of the run (s)", "requests")
	xs := make([]float64, len(t.timeline))
	for i, r := range t.timeline {
		xs[i] = r.T.Seconds()
	}
	pxs := make([]float64, len(t.predicted))
	for i, p := range t.predicted {
		pxs[i] = p.T.Seconds()
	}
	// The predicted ranges behind everything; then the measured lines,
	// pale and wide; the predicted ones on top, dashed, so that all show
	// where they coincide.
	shaded := addBands(c.p, t.band)
	aqPeak := 0.0
	ok := shaded
	for _, g := range gauges {
		ys := make([]float64, len(xs))
		for i, r := range t.timeline {
			ys[i] = g.measured(r)
		}
		if addSeries(c.p, xs, ys, lineStyle(faded(g.color, measuredAlpha), g.width, false)) {
			ok = true
		}
		if g.kernel {
			aqPeak = math.Max(aqPeak, maxOf(ys))
		}
	}
	for _, g := range gauges {
		if g.bandOnly {
			continue
		}
		ys := make([]float64, len(pxs))
		for i, p := range t.predicted {
			ys[i] = g.predicted(p)
		}
		if addSeries(c.p, pxs, ys, lineStyle(g.color, 1.2, true)) {
			ok = true
		}
		if g.kernel {
			aqPeak = math.Max(aqPeak, maxOf(ys))
		}
	}
	for _, b := range t.band {
		aqPeak = math.Max(aqPeak, float64(b.Hi.AcceptQueue))
	}
	if !ok {
		return nil, "No timeline chart: neither a measured timeline nor a predicted series has any value."
	}
	caption = "Wide pale lines: measured, sampled once a second from the server's /metrics and the client. " +
		"Dashed lines of the same colour: the prediction (discrete-event simulation). " +
		"Predicted time 0 is the first request's send time, measured time 0 the start of the run; they are milliseconds apart."
	switch {
	case t.timeline == nil:
		caption += " The measured timeline is missing: only the prediction is drawn."
	case t.predicted == nil:
		caption += " The predicted series is missing: only the measurement is drawn."
	}
	if shaded {
		caption += " Shaded in each colour: that gauge's predicted range, the 1st to 99th percentile over the perturbed replicas at each time; " +
			"a measured sample agrees with it when it lies inside the range at some time within one sampling period."
		if slices.ContainsFunc(t.band, func(b predict.BandPoint) bool { return b.Hi.SynQueue > 0 }) {
			caption += " The SYN queue has a range and no dashed line: only the replicas put connections in limbo."
		}
	}
	// The legend lists the places top to bottom as a request meets them.
	for _, g := range slices.Backward(gauges) {
		c.legend.Add(g.label, swatch{fill: g.color})
	}
	if t.timeline != nil {
		c.legend.Add("measured (1 Hz)", lineSwatch(lineStyle(faded(color.Black, measuredAlpha), 3, false)))
	}
	if t.predicted != nil {
		c.legend.Add("predicted", lineSwatch(lineStyle(color.Black, 1.2, true)))
	}
	if shaded {
		c.legend.Add("predicted range", swatch{fill: faded(color.Black, 2*bandAlpha)})
	}

	limit := math.NaN()
	for _, r := range t.timeline {
		if !math.IsNaN(r.AcceptLimit) && (math.IsNaN(limit) || r.AcceptLimit > limit) {
			limit = r.AcceptLimit
		}
	}
	if !math.IsNaN(limit) && limit > 0 && limit < 10*math.Max(aqPeak, 1) {
		x0, x1 := c.p.X.Min, c.p.X.Max
		sty := lineStyle(colLimit, 0.7, false)
		if addSeries(c.p, []float64{x0, x1}, []float64{limit, limit}, sty) {
			c.legend.Add(fmt.Sprintf("accept-queue limit (%.0f)", limit), lineSwatch(sty))
			caption += fmt.Sprintf(" The thin grey line is the listener's accept-queue limit as TCP_INFO reports it (%.0f; the queue holds one more).", limit)
		}
	}
	caption += limitLine(c, t.timeline)
	switch {
	case t.schedule != nil && t.schedule.Closed():
		caption += addSendRate(c, t.timeline)
	case t.schedule != nil:
		caption += addArrivalRate(c, t.schedule, max(0.1, t.schedule.LastSend().Seconds()/50))
	}
	c.p.X.Min, c.p.Y.Min = 0, 0
	c.p.Y.Max = math.Max(c.p.Y.Max*1.04, 1)
	return c, caption
}

// limitLine draws the adaptive model's concurrency limit as sampled, and
// returns what the caption says of it; "" for the other models.
func limitLine(c *chart, rows []sample.Row) string {
	xs, ys := make([]float64, len(rows)), make([]float64, len(rows))
	for i, r := range rows {
		xs[i], ys[i] = r.T.Seconds(), r.Limit
	}
	sty := lineStyle(colLimit, 1.2, false)
	if !addSeries(c.p, xs, ys, sty) {
		return ""
	}
	c.legend.Add("concurrency limit (measured)", lineSwatch(sty))
	return " The solid grey steps are the adaptive model's concurrency limit as the server reports it (conclab_concurrency_limit)."
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		if v > m {
			m = v
		}
	}
	return m
}

// latencyChart is the latency histogram stacked by outcome, on a log time
// axis when the latencies span a decade or more.
func latencyChart(t *targetData) (c *chart, caption string) {
	res := t.results
	if res == nil {
		return nil, "No latency chart: there is no " + t.name + ".bin."
	}
	if res.n == 0 {
		return nil, "No latency chart: " + res.source + " holds no results."
	}
	lo, hi := math.Inf(1), 0.0
	for _, vs := range res.latency {
		for _, v := range vs {
			if v > 0 {
				lo = math.Min(lo, v)
			}
			hi = math.Max(hi, v)
		}
	}
	if hi <= 0 {
		lo, hi = 1e-6, 1e-6
	}
	logX := hi/lo >= 10
	var edges []float64
	bins := 48
	if logX {
		// About 20 bins a decade, so that latencies 12% apart (a success
		// at the sleep, a timeout just after it) fall in bins of their own.
		a, b := math.Log10(lo)-0.02, math.Log10(hi)+0.02
		bins = min(max(int(math.Ceil((b-a)*20)), 40), 120)
		for i := 0; i <= bins; i++ {
			edges = append(edges, math.Pow(10, a+(b-a)*float64(i)/float64(bins)))
		}
	} else {
		a, b := lo, hi
		if b-a < 1e-3*b || b-a < 1e-6 {
			a, b = a-math.Max(1e-3, 0.05*a), b+math.Max(1e-3, 0.05*b)
		}
		a = math.Max(0, a-(b-a)*0.02)
		b += (b - a) * 0.02
		for i := 0; i <= bins; i++ {
			edges = append(edges, a+(b-a)*float64(i)/float64(bins))
		}
	}
	sb := &stackedBars{edges: edges}
	c = newChart(fmt.Sprintf("%s (%s): latency of %d requests by outcome", t.name, t.model, res.n),
		"latency (s)", "requests per bin")
	c.p.Y.Tick.Marker = niceTicks{integer: true}
	for _, o := range outcome.All {
		vs := res.latency[o]
		if len(vs) == 0 {
			continue
		}
		counts := make([]float64, bins)
		for _, v := range vs {
			counts[binOf(edges, math.Max(v, edges[0]), logX)]++
		}
		sb.layers = append(sb.layers, barLayer{color: outcomeColors[o], counts: counts})
		c.legend.Add(fmt.Sprintf("%s (%d)", o, len(vs)), swatch{fill: outcomeColors[o]})
	}
	c.p.Add(sb)
	if logX {
		c.p.X.Scale = plot.LogScale{}
		c.p.X.Tick.Marker = logTicks{label: formatSeconds}
		c.p.X.Label.Text = "latency (s, log scale)"
	} else {
		c.p.X.Tick.Marker = niceTicks{label: formatSeconds}
	}
	c.p.X.Min, c.p.X.Max = edges[0], edges[len(edges)-1]
	c.p.Y.Min = 0
	c.p.Y.Max *= 1.05
	caption = fmt.Sprintf("Latency of each of the %d requests in %s, from its send to its response or failure, stacked by outcome (counts in the legend); ", res.n, res.source)
	if logX {
		caption += "log-spaced bins on a log time axis, as the latencies span more than a decade."
	} else {
		caption += "linear bins."
	}
	return c, caption
}

// binOf returns the bin of v among edges.
func binOf(edges []float64, v float64, logX bool) int {
	n := len(edges) - 1
	a, b := edges[0], edges[n]
	f := (v - a) / (b - a)
	if logX {
		f = (math.Log10(v) - math.Log10(a)) / (math.Log10(b) - math.Log10(a))
	}
	i := int(f * float64(n))
	return min(max(i, 0), n-1)
}

// connectChart is the histogram of TCP connect times. When some connects
// waited for a SYN retransmission, it uses 50 ms bins on a linear time axis
// and a log count axis, with the kernel's retransmission times marked, so
// that the steps at about 1 s, 2 s, 3 s … stand out beside the mass of
// fast connects.
func connectChart(t *targetData, env summary.Environment) (c *chart, caption string) {
	res := t.results
	if res == nil {
		return nil, "No connect-time chart: there is no " + t.name + ".bin."
	}
	if len(res.connect) == 0 {
		return nil, fmt.Sprintf("No connect-time chart: none of the %d requests in %s carries a connect time (%d got a response); requests that never dialed have none.", res.n, res.source, res.responses)
	}
	caption = fmt.Sprintf("TCP connect time of the %d requests that dialed, of %d in %s, failed connects included (a connect that never completed counts until it gave up)",
		len(res.connect), res.n, res.source)
	if t.sum != nil {
		caption += fmt.Sprintf("; the summary counts %d SYN-retried (connect ≥ 0.9 s, the server's accept not sooner)", t.sum.SynRetried)
	}
	caption += "."
	hi := slices.Max(res.connect)
	retried := hi >= 0.9
	title := fmt.Sprintf("%s (%s): TCP connect time of %d requests", t.name, t.model, len(res.connect))
	if !retried {
		// No step to show: spread the sub-second connects in ms.
		c = newChart(title+" (no SYN retransmission)", "connect time (ms)", "requests per bin")
		c.p.Y.Tick.Marker = niceTicks{integer: true}
		ms := make([]float64, len(res.connect))
		for i, v := range res.connect {
			ms[i] = v * 1000
		}
		b := math.Max(slices.Max(ms)*1.05, 0.01)
		const bins = 40
		edges := make([]float64, bins+1)
		for i := range edges {
			edges[i] = b * float64(i) / bins
		}
		counts := make([]float64, bins)
		for _, v := range ms {
			counts[binOf(edges, v, false)]++
		}
		c.p.Add(&stackedBars{edges: edges, layers: []barLayer{{color: colRunning, counts: counts}}})
		c.legend.Add(fmt.Sprintf("requests (%d)", len(ms)), swatch{fill: colRunning})
		c.p.X.Min, c.p.Y.Min = 0, 0
		c.p.Y.Max *= 1.05
		return c, caption + fmt.Sprintf(" Every one took under 0.9 s (the longest %s): none waited for a SYN retransmission.", secondsText(hi))
	}
	// Bins narrow enough to separate the retransmissions (a second apart
	// at least) and wide enough to see.
	width := 0.05
	if hi > 6 {
		width = 0.1
	}
	c = newChart(title, "connect time (s)", fmt.Sprintf("requests per %.0f ms (log scale)", width*1000))
	top := math.Ceil((hi+0.3)/width) * width
	bins := int(math.Round(top / width))
	edges := make([]float64, bins+1)
	for i := range edges {
		edges[i] = width * float64(i)
	}
	counts := make([]float64, bins)
	for _, v := range res.connect {
		counts[binOf(edges, v, false)]++
	}
	const floor = 0.7 // the bottom of the log axis, below a count of 1
	c.p.Add(&stackedBars{edges: edges, base: floor, layers: []barLayer{{color: colRunning, counts: counts}}})
	c.legend.Add(fmt.Sprintf("requests (%d)", len(res.connect)), swatch{fill: colRunning})
	if times, whose := synRetransmits(env); len(times) > 0 {
		var xs []float64
		for _, s := range times {
			if s <= top {
				xs = append(xs, s)
			}
		}
		guide := lineStyle(colGuide, 0.8, true)
		guide.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		c.p.Add(vLines{xs: xs, sty: guide})
		c.legend.Add("SYN retransmits", lineSwatch(guide))
		if env.SynRetries > 0 {
			c.legend.Add(fmt.Sprintf("(syn_retries %d, linear %d)", env.SynRetries, env.SynLinearTimeouts))
		}
		caption += fmt.Sprintf(" Dotted lines: %s SYN retransmission times for %s; a connect whose SYN was dropped completes just after one of them.",
			whose, synSettingsText(env))
	}
	caption += fmt.Sprintf(" %.0f ms bins; the count axis is logarithmic so that a few retried connects show beside many fast ones.", width*1000)
	c.p.Y.Scale = plot.LogScale{}
	c.p.Y.Tick.Marker = logTicks{label: formatCount}
	c.p.X.Min, c.p.X.Max = 0, top
	c.p.Y.Min = floor
	c.p.Y.Max = math.Max(c.p.Y.Max*1.5, 2)
	return c, caption
}

// synRetransmits is when a SYN is retransmitted, in seconds after the
// first: as the kernel calibration measured them when the run has one,
// else the kernel's nominal schedule. whose says which, for a caption.
func synRetransmits(env summary.Environment) (times []float64, whose string) {
	if kc := env.KernelCalibration; kc != nil && len(kc.RetransmitsS) > 0 {
		return kc.RetransmitsS, "the calibrated (" + orDefault(kc.Source, "unknown source") + ")"
	}
	if env.SynRetries <= 0 && env.SynLinearTimeouts <= 0 {
		return nil, ""
	}
	sched, _ := predict.Kernel{SynRetries: env.SynRetries, SynLinearTimeouts: env.SynLinearTimeouts}.SynSchedule()
	for _, d := range sched {
		times = append(times, d.Seconds())
	}
	return times, "the kernel's"
}

// overviewChart groups, per target, its peak running, waiting in app and
// waiting in kernel, and how many were rejected and timed out.
func overviewChart(s *summary.Summary) (c *chart, ok bool) {
	if s == nil || len(s.Targets) == 0 {
		return nil, false
	}
	c = newChart("Where requests were, per target", "", "requests")
	series := []struct {
		label string
		color color.Color
		value func(t *summary.Target) float64
	}{
		{"peak running", colRunning, func(t *summary.Target) float64 { return t.Peak.Inflight }},
		{"peak waiting in app", colQueued, func(t *summary.Target) float64 { return t.Peak.Queued }},
		{"peak waiting in kernel", colKernel, func(t *summary.Target) float64 { return t.Peak.AcceptQueue }},
		{"rejected", colRejected, func(t *summary.Target) float64 { return float64(rejected(t.Outcomes)) }},
		{"timed out", colTimedOut, func(t *summary.Target) float64 { return float64(t.Outcomes[outcome.Timeout]) }},
	}
	n := len(s.Targets)
	// The data area is about 390 pt wide; a group takes 70% of its share.
	w := vg.Length(math.Min(14, 0.7*390/float64(n*len(series))))
	names := make([]string, n)
	for i := range s.Targets {
		names[i] = s.Targets[i].Name
	}
	for k, se := range series {
		vals := make(plotter.Values, n)
		label := se.label
		for i := range s.Targets {
			v := se.value(&s.Targets[i])
			if math.IsNaN(v) {
				// Not measured: no bar, and the legend says so.
				label = se.label + " (no bar: not measured)"
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				v = 0
			}
			vals[i] = v
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(float64(w)))
		if err != nil {
			return nil, false
		}
		bc.Color = se.color
		bc.LineStyle.Width = 0
		bc.Offset = vg.Points(float64(w) * (float64(k) - float64(len(series)-1)/2))
		c.p.Add(bc)
		c.legend.Add(label, swatch{fill: se.color})
	}
	c.p.NominalX(names...)
	if n > 4 {
		c.p.X.Tick.Label.Rotation = math.Pi / 7
		c.p.X.Tick.Label.XAlign = draw.XRight
		c.p.X.Tick.Label.YAlign = draw.YCenter
	}
	c.p.Y.Min = 0
	c.p.Y.Max = math.Max(c.p.Y.Max*1.05, 1)
	return c, true
}

// rejected counts the outcomes the table calls rejected.
func rejected(o map[outcome.Outcome]int) int { return outcome.Sum(o, outcome.Rejected...) }

// compareChart overlays the inflight, queued and accept-queue timelines of
// one target in two runs: A solid, B dashed.
func compareChart(name string, a, b []sample.Row, aLabel, bLabel string) (c *chart, ok bool) {
	c = newChart(name+": run A solid, run B dashed", "time since the start of the run (s)", "requests")
	for _, g := range gauges {
		if g.color != colRunning && g.color != colQueued && g.color != colKernel {
			continue
		}
		for k, rows := range [][]sample.Row{a, b} {
			xs, ys := make([]float64, len(rows)), make([]float64, len(rows))
			for i, r := range rows {
				xs[i], ys[i] = r.T.Seconds(), g.measured(r)
			}
			if addSeries(c.p, xs, ys, lineStyle(g.color, 1.8-0.4*float64(k), k == 1)) {
				ok = true
			}
		}
	}
	if !ok {
		return nil, false
	}
	for _, g := range slices.Backward(gauges) {
		if g.color == colRunning || g.color == colQueued || g.color == colKernel {
			c.legend.Add(g.label, swatch{fill: g.color})
		}
	}
	if a != nil {
		c.legend.Add("A: "+aLabel, lineSwatch(lineStyle(color.Black, 1.8, false)))
	}
	if b != nil {
		c.legend.Add("B: "+bLabel, lineSwatch(lineStyle(color.Black, 1.4, true)))
	}
	c.p.X.Min, c.p.Y.Min = 0, 0
	c.p.Y.Max = math.Max(c.p.Y.Max*1.04, 1)
	return c, true
}

// synSettingsText names the SYN settings a schedule holds for: Linux's
// two sysctls, or none where the OS has none (docs/macos.md).
func synSettingsText(env summary.Environment) string {
	if env.SynRetries <= 0 {
		return "this OS, which has no SYN sysctls"
	}
	return fmt.Sprintf("tcp_syn_retries=%d, tcp_syn_linear_timeouts=%d", env.SynRetries, env.SynLinearTimeouts)
}
