package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// OverviewPNG is the chart across targets, in the run folder's
// runfolder.ChartsDir.
const OverviewPNG = "overview.png"

// Write writes the human report of the run folder dir: PNG charts in
// dir/charts (per target <target>-timeline.png, with the predicted band
// shaded when <target>.band.csv exists, <target>-latency.png and
// <target>-connect.png, and overview.png across targets), report.md
// linking them, and report.html, one self-contained file with the same
// content and the charts embedded. It returns the path of report.html.
//
// Write reports on whatever the folder holds: a folder from an interrupted
// run, with files missing or cut short, gets a report that says what is
// missing. It fails when dir is not a run folder (the error wraps
// ErrNotRunFolder) or when the report cannot be written.
func Write(dir string) (string, error) {
	r, err := loadRun(dir, true)
	if err != nil {
		return "", err
	}
	chartDir := filepath.Join(dir, runfolder.ChartsDir)
	if err := os.MkdirAll(chartDir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	d, err := r.document(chartDir)
	if err != nil {
		return "", err
	}
	var md, page bytes.Buffer
	if err := d.markdown(&md); err != nil {
		return "", err
	}
	if err := d.html(&page); err != nil {
		return "", err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, runfolder.ReportMarkdown), md.Bytes()); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	out := filepath.Join(dir, runfolder.ReportHTML)
	if err := atomicfile.WriteBytes(out, page.Bytes()); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return out, nil
}

// document lays out the report and writes its charts into chartDir.
func (r *run) document(chartDir string) (*document, error) {
	d := &document{title: "conclab run " + r.runID()}
	charts := &chartWriter{dir: chartDir}
	r.header(d)
	r.environment(d)
	r.table(d)
	missing := append([]string(nil), r.problems...)
	oc, _ := overviewChart(r.sum)
	if p := charts.add(d, oc, OverviewPNG, "overview: where requests were, per target",
		"Per target: the peaks of running, waiting in the app and waiting in the kernel accept queue (1 Hz samples), "+
			"and how many requests were rejected (503, 429, reset, refused) and timed out."); p != "" {
		missing = append(missing, p)
	}
	// The targets go into a document of their own, so that the list of
	// what is missing, which their charts add to, can come first.
	targets, targetsMissing := r.targetSections(charts)
	missing = append(missing, targetsMissing...)
	if len(missing) > 0 {
		d.h(2, "What is missing", "missing")
		d.warn(missing...)
	}
	d.blocks = append(d.blocks, targets.blocks...)
	return d, charts.err
}

// chartWriter puts charts on disk as they are made. A chart that cannot be
// drawn is a problem to report, not a failure; a chart that cannot be
// written is.
type chartWriter struct {
	dir string
	err error
}

// add writes c as file and adds it to the document; problem says why a
// chart could not be drawn. A nil c removes what an earlier report left.
func (cw *chartWriter) add(to *document, c *chart, file, alt, caption string) (problem string) {
	path := filepath.Join(cw.dir, file)
	if c == nil {
		removeStale(path)
		return ""
	}
	png, err := c.png()
	if err != nil {
		removeStale(path)
		return fmt.Sprintf("%s could not be drawn: %v", file, err)
	}
	if err := atomicfile.WriteBytes(path, png); err != nil {
		cw.err = errors.Join(cw.err, fmt.Errorf("report: %w", err))
		return ""
	}
	to.fig(runfolder.ChartsDir+"/"+file, alt, caption, png)
	return ""
}

// header says which run of which scenario this is, what it sent, and how
// it ended.
func (r *run) header(d *document) {
	s := r.sum
	scenName := "unknown"
	switch {
	case s != nil && s.Scenario != "":
		scenName = s.Scenario
	case r.scen != nil:
		scenName = r.scen.Name
	}
	line := fmt.Sprintf("Run %s of scenario %s", r.runID(), scenName)
	if s != nil {
		line += fmt.Sprintf(" at scale %g", s.Scale)
	} else {
		line += " at an unknown scale (summary.json is missing)"
	}
	if r.scen != nil && r.scen.Description != "" {
		line += ": " + strings.TrimSpace(r.scen.Description)
	} else {
		line += "."
	}
	d.p("%s", line)
	if sc := r.scen; sc != nil {
		d.p("%s", r.schedule(sc))
	}
	if s != nil {
		status := "The run completed."
		if !s.Complete {
			status = "INCOMPLETE: " + orDefault(s.Interrupted, "the run did not complete") + "."
		}
		started := ""
		if s.Started != "" {
			started = fmt.Sprintf("Started %s, ", s.Started)
		}
		d.p("%sran for %s. %s", started, (time.Duration(s.WallS * float64(time.Second))).Round(time.Millisecond), status)
	}
}

// schedule is the sentence that says what the scenario sent.
func (r *run) schedule(sc *scenario.Scenario) string {
	conn := "each on a new connection"
	if sc.KeepAlive {
		conn = "with keep-alive"
	}
	p := fmt.Sprintf("%s to each target, %s, each asking for %s; client timeout %s.",
		sc.Traffic(r.sched), conn, sc.WorkText(), time.Duration(sc.Timeout))
	if sc.Random() {
		p += fmt.Sprintf(" Seed %d.", sc.Seed)
	}
	if s := r.sum; s != nil && s.Scale > 0 && s.Scale != 1 {
		p += fmt.Sprintf(" These times are as run, after scaling: the unscaled scenario's are %g× longer; the kernel's SYN retry times are not scaled.", 1/s.Scale)
	}
	return p
}

// table is the run's table: agrees right after each target's name, so
// that it shows without scrolling, then where requests waited and how
// they ended, each figure beside its prediction.
func (r *run) table(d *document) {
	s := r.sum
	d.h(2, "Where requests waited", "table")
	if s == nil {
		d.p("No table: summary.json is missing, so the peaks and outcomes it holds are unknown. The charts below show what the other files hold.")
		return
	}
	header := []string{"target", "agrees", "model", "sent"}
	for _, f := range figures {
		header = append(header, f.label)
	}
	header = append(header, "other", "p50", "p99", "goodput/s", "ok p99", "wasted")
	var rows [][]cell
	for i := range s.Targets {
		rows = append(rows, tableRow(&s.Targets[i]))
	}
	d.table("main", "lcl"+strings.Repeat("r", len(header)-3), header, rows)
	d.p("%s", tableLegend(s))
	if s.Tolerance != nil {
		d.p("Agreement: %s.", strings.TrimSuffix(s.Tolerance.Note, "."))
	} else {
		d.p("Agreement: this run records no tolerance, so no target is judged against its prediction.")
	}
	if !s.Complete {
		d.p("INCOMPLETE: %s.", strings.TrimSuffix(orDefault(s.Interrupted, "the run did not complete"), "."))
	}
}

// tableRow is one target's row of the table.
func tableRow(t *summary.Target) []cell {
	agrees := cell{text: "-"}
	if t.Agrees != nil {
		agrees = map[bool]cell{true: {text: "yes", class: "yes"}, false: {text: "NO", class: "no"}}[*t.Agrees]
	}
	row := []cell{{text: t.Name}, agrees, {text: t.Model}, {text: thousands(float64(t.Sent))}}
	for _, f := range figures {
		row = append(row, checkFigure(t, f).cell())
	}
	other := outcome.Sum(t.Outcomes, outcome.HTTPOther, outcome.Other)
	m := measureCells(t)
	return append(row, cell{text: thousands(float64(other))},
		cell{text: seconds(t.Latency.P50)}, cell{text: seconds(t.Latency.P99)},
		cell{text: m.goodput}, cell{text: m.okP99}, cell{text: m.wasted})
}

// tableLegend says how to read the table's cells.
func tableLegend(s *summary.Summary) string {
	ranged, replicas := false, 0
	for _, t := range s.Targets {
		if t.Predicted != nil && len(t.Predicted.Range) > 0 {
			ranged, replicas = true, max(replicas, t.Predicted.Replicas)
		}
	}
	how := "Each figure reads measured (predicted)."
	if ranged {
		over := "the replicas"
		if replicas > 0 {
			over = fmt.Sprintf("%d perturbed replicas", replicas)
		}
		how = fmt.Sprintf("Each figure reads measured (predicted; its predicted range, the 1st to 99th percentile over %s). "+
			"A figure agrees when it is inside its range; a sampled peak may also lie below it by its sampling miss, given in each target's section. "+
			"A figure that does not agree is in bold red (bold in report.md).", over)
	}
	return how + " Running, waiting in app and waiting in kernel are peaks of the sampled gauges; " +
		"rejected counts 503s, resets and refused connections; SYN-retried counts the requests whose TCP connect took 0.9 s or more; " +
		"other counts http_other and other; p50 and p99 are the latency of every request. " +
		"goodput/s is the ok answers per second of the schedule (ok × rate ÷ requests; for closed users, ok ÷ the time to the last answer), ok p99 the latency of the ok requests alone, " +
		"and wasted the handler seconds spent on requests whose client had already left, as the server counts them; " +
		"these three are not yet part of the agreement."
}

// targetSections is a section per target, with its charts, and what is
// missing for each.
func (r *run) targetSections(charts *chartWriter) (*document, []string) {
	var env summary.Environment
	if r.sum != nil {
		env = r.sum.Environment
	}
	var missing []string
	targets := &document{}
	for _, t := range r.targets {
		targets.h(2, t.name+" ("+t.model+")", "t-"+t.name)
		r.targetText(targets, t)
		problems := append([]string(nil), t.problems...)
		file := safeName(t.name)
		for _, ch := range []struct {
			kind string
			make func() (*chart, string)
		}{
			{"timeline", func() (*chart, string) { return timelineChart(t) }},
			{"latency", func() (*chart, string) { return latencyChart(t) }},
			{"connect", func() (*chart, string) { return connectChart(t, env) }},
		} {
			c, caption := ch.make()
			if c == nil {
				removeStale(filepath.Join(charts.dir, file+"-"+ch.kind+".png"))
				targets.p("%s", caption)
				continue
			}
			if p := charts.add(targets, c, file+"-"+ch.kind+".png", t.name+" "+ch.kind, caption); p != "" {
				problems = append(problems, p)
			}
		}
		if len(problems) > 0 {
			targets.blocks = append(targets.blocks, block{kind: paragraph, class: "missing",
				text: "Missing for this target: " + strings.Join(problems, "; ") + "."})
		}
		for _, p := range problems {
			missing = append(missing, t.name+": "+p)
		}
	}
	return targets, missing
}

// targetText writes a target's configuration, results and agreement.
func (r *run) targetText(d *document, t *targetData) {
	st := t.sum
	if st == nil {
		d.p("This target is not in summary.json: only its files speak for it.")
		return
	}
	if len(st.Config) > 0 {
		var kv []string
		for _, k := range sortedNames(st.Config) {
			kv = append(kv, fmt.Sprintf("%s %v", k, st.Config[k]))
		}
		d.p("Configuration as the server reported it: %s.", strings.Join(kv, ", "))
	}
	var outs []string
	for _, o := range outcome.All {
		if n := st.Outcomes[o]; n > 0 {
			outs = append(outs, fmt.Sprintf("%s %d", o, n))
		}
	}
	if len(outs) == 0 {
		outs = append(outs, "none recorded")
	}
	items := []string{
		fmt.Sprintf("Sent %d; outcomes: %s.", st.Sent, strings.Join(outs, ", ")),
		fmt.Sprintf("Peaks: running %s, waiting in app %s, waiting in kernel %s, connections %s, client in flight %s.",
			count(st.Peak.Inflight), count(st.Peak.Queued), count(st.Peak.AcceptQueue), count(st.Peak.Connections),
			count(st.Peak.ClientInflight)),
		fmt.Sprintf("Latency p50 %s, p90 %s, p99 %s, max %s; TCP connect p50 %s, p99 %s, max %s; SYN-retried %d.",
			secondsText(st.Latency.P50), secondsText(st.Latency.P90), secondsText(st.Latency.P99), secondsText(st.Latency.Max),
			secondsText(st.Connect.P50), secondsText(st.Connect.P99), secondsText(st.Connect.Max), st.SynRetried),
	}
	if item := synQueueItem(st.Peak.SynQueue, t.band); item != "" {
		items = append(items, item)
	}
	// A host-wide counter is the environment's; only a namespace of the
	// target's own makes the figure its.
	if st.ListenOverflowsScope == "own" && st.ListenOverflows != nil {
		items = append(items, fmt.Sprintf("ListenOverflows grew by %s in the target's own network namespace.", thousands(*st.ListenOverflows)))
	}
	d.list(items...)
	stageTable(d, st.Stages)
	verdictSection(d, t)
	if len(st.Notes) > 0 {
		d.p("Notes:")
		d.list(st.Notes...)
	}
}

// runID is the run's name: from summary.json, or the folder's name.
func (r *run) runID() string {
	if r.sum != nil && r.sum.RunID != "" {
		return r.sum.RunID
	}
	return filepath.Base(filepath.Clean(r.dir))
}

// removeStale removes a chart left by an earlier report that this one does
// not draw, so that the folder and the report agree.
func removeStale(path string) {
	_ = os.Remove(path) // best effort: a file that cannot go is no reason to fail
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// safeName makes a target name usable as a file name.
func safeName(name string) string {
	s := unsafeChars.ReplaceAllString(name, "_")
	if s == "" || strings.Trim(s, ".") == "" {
		s = "_" + s
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pixels is a length in pixels at ChartDPI.
func pixels(l vg.Length) int { return int(l/vg.Inch*ChartDPI + 0.5) }
