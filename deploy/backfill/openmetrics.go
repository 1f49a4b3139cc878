package backfill

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Family describes one metric family that Write emits.
type Family struct {
	Name string
	Help string
	// Column is the timeline column it comes from; "" for summary figures.
	Column string
}

// TimelineFamilies are the timeline columns of the run folder (docs/contracts.md), in
// the order Write emits them. A column not listed here is still written, as
// conclab_run_<column>.
var TimelineFamilies = []Family{
	{"conclab_run_inflight", "Requests doing handler work (server conclab_requests_inflight), 1 Hz samples.", "inflight"},
	{"conclab_run_queued", "Requests waiting in the app for a slot (server conclab_requests_queued).", "queued"},
	{"conclab_run_accept_queue", "Connections in the kernel accept queue (server conclab_accept_queue_length).", "accept_queue"},
	{"conclab_run_accept_limit", "The listener's backlog in force; the queue holds one more (conclab_accept_queue_limit).", "accept_limit"},
	{"conclab_run_connections", "Accepted connections not yet closed (server conclab_connections_open).", "connections"},
	{"conclab_run_goroutines", "Goroutines of the server (go_goroutines).", "goroutines"},
	{"conclab_run_rss_bytes", "Resident memory of the server (process_resident_memory_bytes).", "rss_bytes"},
	{"conclab_run_listen_overflows", "TcpExt ListenOverflows of the server's network namespace since it started.", "listen_overflows"},
	{"conclab_run_rejected", "Requests the server refused so far, all reasons (conclab_requests_rejected_total).", "rejected"},
	{"conclab_run_wasted_work_seconds", "Handler seconds spent so far on requests whose client had left (conclab_wasted_work_seconds_total).", "wasted_work_s"},
	{"conclab_run_client_sent", "Requests the client has sent so far.", "client_sent"},
	{"conclab_run_client_inflight", "Requests sent and not yet ended, seen by the client.", "client_inflight"},
	{"conclab_run_client_ok", "Requests that ended ok so far.", "client_ok"},
	{"conclab_run_client_errors", "Requests that ended in any other outcome so far.", "client_errors"},
	{"conclab_run_syn_queue", "Handshakes the listener held: request sockets on its port (server conclab_syn_queue_length), counted at most once a second.", "syn_queue"},
}

// instantColumns are timeline columns that hold instants, not gauges: when
// the sample's scrape answered (scraped_s). They are left out.
var instantColumns = map[string]bool{"scraped_s": true}

// SummaryFamilies are the per-target figures of summary.json. They hold
// their final value at every sample time of the target.
var SummaryFamilies = []Family{
	{Name: "conclab_run_target_info", Help: "One per run and target, always 1: model, scenario, scale, the real start time (started) and whether the run completed."},
	{Name: "conclab_run_sent", Help: "Requests sent to the target in the whole run."},
	{Name: "conclab_run_outcomes", Help: "Requests by final outcome (ok, http_503, http_429, http_other, timeout, refused, reset, other)."},
	{Name: "conclab_run_latency_seconds", Help: "Client latency quantiles of the whole run (quantile 1 = max)."},
	{Name: "conclab_run_ok_latency_seconds", Help: "Client latency quantiles of the ok requests alone (quantile 1 = max)."},
	{Name: "conclab_run_goodput", Help: "Ok answers per second of the schedule: ok × rate ÷ requests."},
	{Name: "conclab_run_connect_seconds", Help: "TCP connect time quantiles of the whole run (quantile 1 = max)."},
	{Name: "conclab_run_syn_retried", Help: "Requests whose TCP connect took >= 0.9 s: a SYN was dropped and retransmitted."},
	{Name: "conclab_run_predicted", Help: "The prediction (loadgen's simulation) of the peak or final figure named by what."},
	{Name: "conclab_run_agrees", Help: "1 when measured and predicted agree within the run's tolerance, 0 when not."},
}

// quantileKeys maps summary.json's quantile keys to the quantile label.
var quantileKeys = []struct{ key, q string }{{"p50", "0.5"}, {"p90", "0.9"}, {"p99", "0.99"}, {"max", "1"}}

// predictedKeys are the prediction's figures, in the order written.
var predictedKeys = []string{"inflight", "queued", "accept_queue", "ok", "syn_retried", "goodput_per_s", "wasted_work_s"}

type label struct{ name, value string }

type series struct {
	labels []label
	ts     []int64 // milliseconds
	vs     []float64
}

type family struct {
	name, help string
	series     []*series
}

// metrics collects families in the order they are first added.
type metrics struct {
	order []string
	fams  map[string]*family
}

func (m *metrics) add(name, help string, labels []label, ts []int64, vs []float64) {
	f := m.fams[name]
	if f == nil {
		f = &family{name: name, help: help}
		m.fams[name] = f
		m.order = append(m.order, name)
	}
	s := &series{labels: labels}
	for i, v := range vs {
		if math.IsNaN(v) {
			continue
		}
		if n := len(s.ts); n > 0 && ts[i] <= s.ts[n-1] {
			continue // two rows in one millisecond: keep the first
		}
		s.ts = append(s.ts, ts[i])
		s.vs = append(s.vs, v)
	}
	if len(s.ts) > 0 {
		f.series = append(f.series, s)
	}
}

// Write converts runs into OpenMetrics text for promtool. With at zero each
// run keeps its own time: sample t_s goes at started + t_s. Otherwise every
// run starts at at, so runs recorded at different times overlay on one time
// axis (their real start stays in conclab_run_target_info{started}).
// Run IDs must be unique among runs.
func Write(w io.Writer, runs []*Run, at time.Time) error {
	m := &metrics{fams: map[string]*family{}}
	seen := map[string]string{}
	for _, r := range runs {
		id := r.Summary.RunID
		if dir, dup := seen[id]; dup {
			return fmt.Errorf("run_id %s: both %s and %s", id, dir, r.Dir)
		}
		seen[id] = r.Dir
		started, err := r.StartTime()
		if err != nil {
			return fmt.Errorf("run %s: %w", r.Dir, err)
		}
		start := started
		if !at.IsZero() {
			start = at
		}
		for _, t := range r.Summary.Targets {
			addTarget(m, r, t, start, started)
		}
	}
	bw := bufio.NewWriter(w)
	for _, name := range m.order {
		f := m.fams[name]
		if len(f.series) == 0 {
			continue
		}
		fmt.Fprintf(bw, "# TYPE %s gauge\n# HELP %s %s\n", f.name, f.name, escapeHelp(f.help))
		for _, s := range f.series {
			ls := formatLabels(s.labels)
			for i := range s.ts {
				fmt.Fprintf(bw, "%s%s %s %s\n", f.name, ls, formatValue(s.vs[i]), formatTime(s.ts[i]))
			}
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

func addTarget(m *metrics, r *Run, t SummaryTarget, start, started time.Time) {
	base := []label{{"run_id", r.Summary.RunID}, {"target", t.Name}}
	with := func(extra ...label) []label { return append(slices.Clone(base), extra...) }
	base0 := start.UnixMilli()

	// The sample times of the target: its timeline, or the run's start and
	// end when it has none.
	var ts []int64
	tl := r.Timelines[t.Name]
	if tl != nil {
		for _, s := range tl.T {
			ts = append(ts, base0+int64(math.Round(s*1000)))
		}
	}
	if len(ts) == 0 {
		ts = []int64{base0}
		if end := base0 + r.Span().Milliseconds(); end > base0 {
			ts = append(ts, end)
		}
	}
	constant := func(v float64) []float64 {
		vs := make([]float64, len(ts))
		for i := range vs {
			vs[i] = v
		}
		return vs
	}
	famHelp := func(name string) string {
		for _, f := range SummaryFamilies {
			if f.Name == name {
				return f.Help
			}
		}
		return ""
	}

	m.add("conclab_run_target_info", famHelp("conclab_run_target_info"), with(
		label{"model", t.Model}, label{"scenario", r.Summary.Scenario},
		label{"scale", strconv.FormatFloat(r.Summary.Scale, 'g', -1, 64)},
		label{"started", started.UTC().Format(time.RFC3339)},
		label{"complete", strconv.FormatBool(r.Summary.Complete)},
	), ts, constant(1))

	if tl != nil {
		known := map[string]bool{}
		for _, f := range TimelineFamilies {
			known[f.Column] = true
			if vs, ok := tl.Columns[f.Column]; ok {
				m.add(f.Name, f.Help, with(), ts, vs)
			}
		}
		for _, col := range tl.Names {
			if !known[col] && !instantColumns[col] {
				m.add("conclab_run_"+metricNamePart(col), "Timeline column "+col+".", with(), ts, tl.Columns[col])
			}
		}
	}

	if t.Sent != nil {
		m.add("conclab_run_sent", famHelp("conclab_run_sent"), with(), ts, constant(*t.Sent))
	}
	outcomes := make([]string, 0, len(t.Outcomes))
	for o := range t.Outcomes {
		outcomes = append(outcomes, o)
	}
	slices.Sort(outcomes)
	for _, o := range outcomes {
		m.add("conclab_run_outcomes", famHelp("conclab_run_outcomes"), with(label{"outcome", o}), ts, constant(t.Outcomes[o]))
	}
	for _, q := range quantileKeys {
		if v, ok := t.Latency[q.key]; ok {
			m.add("conclab_run_latency_seconds", famHelp("conclab_run_latency_seconds"), with(label{"quantile", q.q}), ts, constant(v))
		}
	}
	for _, q := range quantileKeys {
		if v, ok := t.OKLatency[q.key]; ok {
			m.add("conclab_run_ok_latency_seconds", famHelp("conclab_run_ok_latency_seconds"), with(label{"quantile", q.q}), ts, constant(v))
		}
	}
	if t.Goodput != nil {
		m.add("conclab_run_goodput", famHelp("conclab_run_goodput"), with(), ts, constant(*t.Goodput))
	}
	for _, q := range quantileKeys {
		if v, ok := t.Connect[q.key]; ok {
			m.add("conclab_run_connect_seconds", famHelp("conclab_run_connect_seconds"), with(label{"quantile", q.q}), ts, constant(v))
		}
	}
	if t.SynRetried != nil {
		m.add("conclab_run_syn_retried", famHelp("conclab_run_syn_retried"), with(), ts, constant(*t.SynRetried))
	}
	for _, k := range predictedKeys {
		if v, ok := t.Predicted[k].(float64); ok {
			m.add("conclab_run_predicted", famHelp("conclab_run_predicted"), with(label{"what", k}), ts, constant(v))
		}
	}
	if t.Agrees != nil {
		v := 0.0
		if *t.Agrees {
			v = 1
		}
		m.add("conclab_run_agrees", famHelp("conclab_run_agrees"), with(), ts, constant(v))
	}
}

var notNameChar = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// metricNamePart makes a column name usable in a metric name.
func metricNamePart(s string) string {
	return strings.ToLower(notNameChar.ReplaceAllString(s, "_"))
}

func formatLabels(ls []label) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.name)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(l.value))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// formatTime is OpenMetrics' timestamp: seconds, here to the millisecond.
func formatTime(ms int64) string {
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
}
