// Command table prints the bench-python comparison: for each setup of the
// seed experiment's articles, the numbers published from macOS
// (docs/python.md), the ones measured on this Linux machine by `loadgen run
// scenarios/seed-python.yaml` (and seed-flask.yaml, seed-tomcat.yaml), and
// the prediction of the labserver model the setup is like, where one
// applies. Each run folder given adds its rows, and its skipped targets
// with the reason.
//
//	go run ./external/python/table RUN_DIR...
package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// published are the experiment's numbers, servers on macOS (somaxconn 128,
// 256 open files by default), JMeter 5.5, 1000 requests at 2/s unless said.
var published = map[string]struct{ setup, macOS string }{
	"fastapi-def":            {"FastAPI def + time.sleep, uvicorn", "40 run, 960 wait; all accepted"},
	"fastapi-async-blocking": {"FastAPI async def + time.sleep", "1 run; blocks all"},
	"fastapi-async":          {"FastAPI async def + asyncio.sleep", "no limit seen"},
	"flask-threaded":         {"Flask app.run() threaded", "251 run, ~0 wait; then resets"},
	"flask-processes-100":    {"Flask threaded=False processes=100", "100 run, 128 wait; then timeouts"},
	"uwsgi-threads-10":       {"uwsgi --threads 10", "10 run, 3880 of 4000 wait"},
	"gunicorn-uvicorn-2":     {"gunicorn + UvicornWorker --workers=2", "40 run per process"},
	"fastapi-def-200":        {"FastAPI def, CapacityLimiter(200)", "200 run, like Tomcat"},
	"uvicorn-workers-2":      {"uvicorn.run(workers=2)", "40 run per process"},
	"hypercorn-asyncio":      {"Hypercorn (asyncio worker), def", "40 run"},
	"hypercorn-uvloop":       {"Hypercorn --worker-class uvloop, def", "-"},
	"hypercorn-trio":         {"Hypercorn trio, CapacityLimiter(200)", "40 run; limiter ignored"},
	"hypercorn-trio-async":   {"Hypercorn trio, async def + asyncio.sleep", "no running event loop"},
	"flask-processes-1":      {"Flask threaded=False", "1 run; blocks all"},
	"flask-processes-10":     {"Flask threaded=False processes=10", "10 run, 128 wait"},
	"flask-async":            {"Flask async def view (flask[async])", "a thread per request"},
	"uwsgi-threads-2":        {"uwsgi --threads 2", "2 run, reused"},
	"uwsgi-async-2":          {"uwsgi --threads 2, async def view", "2 run, reused"},
	"fastapi-def-10k":        {"FastAPI def, 10,000 in 30 s", "40 run, 9952 wait; all accepted"},
	"flask-async-10k":        {"Flask async def view, 10,000 in 10 s", "fails near 2049 threads"},
	"tomcat":                 {"Tomcat 10, maxThreads 200", "200 run"},
	"tomcat-connections-300": {"Tomcat 10, maxConnections 300", "-"},
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: table RUN_DIR...")
		os.Exit(2)
	}
	if err := write(os.Stdout, os.Args[1:]...); err != nil {
		fmt.Fprintln(os.Stderr, "table:", err)
		os.Exit(1)
	}
}

func write(w io.Writer, dirs ...string) error {
	rows := [][]string{{"setup", "macOS, published", "Linux, measured", "predicted (like)"}}
	var notes []string
	for _, dir := range dirs {
		sum, err := runfolder.Folder(dir).ReadSummary()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s at scale %g (%s, somaxconn %d, nofile %d, %d CPUs)\n", sum.Scenario,
			sum.Scale, sum.Environment.Kernel, sum.Environment.Somaxconn, sum.Environment.NoFile, sum.Environment.CPUs)
		rows = append(rows, runRows(sum, dir)...)
		for _, t := range sum.Targets {
			for _, d := range t.Disagreements {
				notes = append(notes, t.Name+": "+d)
			}
		}
		if !sum.Complete {
			notes = append(notes, sum.Scenario+": the run did not complete: "+sum.Interrupted)
		}
	}
	fmt.Fprintln(w, "run = running at once, app/kernel = waiting in the app / in the accept queue, SYN = connects retried; peaks of 1 Hz samples")
	fmt.Fprintln(w)
	printTable(w, rows)
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "where measurement and prediction differ:")
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	return nil
}

// runRows are the table's rows of one run: one per target, then one per
// target it skipped.
func runRows(sum *summary.Summary, dir string) [][]string {
	likes := map[string]string{}
	if sc, err := scenario.Load(runfolder.Folder(dir).Scenario()); err == nil {
		for _, t := range sc.Targets {
			likes[t.Name] = t.Like
		}
	}
	var rows [][]string
	for _, t := range sum.Targets {
		pub := setupOf(t.Name)
		rows = append(rows, []string{pub.setup, pub.macOS, measured(t, dir), predicted(t, likes[t.Name])})
	}
	for _, k := range sum.Skipped {
		pub := setupOf(k.Target)
		rows = append(rows, []string{pub.setup, pub.macOS, "skipped: " + k.Reason, "-"})
	}
	return rows
}

// setupOf is a target's setup and published figure; a target the articles
// did not test is named as it is.
func setupOf(target string) struct{ setup, macOS string } {
	pub, ok := published[target]
	if !ok {
		pub.setup, pub.macOS = target, "-"
	}
	return pub
}

// measured is one target's Linux cell.
func measured(t summary.Target, dir string) string {
	p := t.Peak
	s := fmt.Sprintf("%s run, %s app + %s kernel, %d SYN; ok %d, timeout %d",
		num(p.Inflight), num(p.Queued), num(p.AcceptQueue), t.SynRetried, t.Outcomes[outcome.OK], t.Outcomes[outcome.Timeout])
	if r := outcome.Sum(t.Outcomes, outcome.Failed...); r > 0 {
		s += fmt.Sprintf(", failed %d", r)
	}
	if procs, threads, err := peakProcesses(runfolder.Folder(dir).Kernel(t.Name)); err == nil && threads > 0 {
		s += fmt.Sprintf("; %d proc, %d thr", procs, threads)
	}
	return s
}

// predicted is one target's prediction cell; like is the labserver model
// it was predicted as.
func predicted(t summary.Target, like string) string {
	p := t.Predicted
	if p == nil {
		return "-"
	}
	s := fmt.Sprintf("%d run, %d app + %d kernel, %d SYN; ok %d", p.Inflight, p.Queued, p.AcceptQueue, p.SynRetried, p.OK)
	if like != "" {
		s += ", " + like
	}
	if t.Agrees != nil {
		if *t.Agrees {
			s += " (agrees)"
		} else {
			s += " (differs)"
		}
	}
	return s
}

// peakProcesses reads the highest processes and threads of a target's
// kernel-side figures.
func peakProcesses(path string) (procs, threads int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	rows, err := runfolder.ReadKernel(f)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range rows {
		procs, threads = max(procs, r.Processes), max(threads, r.Threads)
	}
	return procs, threads, nil
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "?"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// printTable aligns columns with two spaces between them.
func printTable(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for j, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(w, b.String())
		if j == 0 {
			var u strings.Builder
			for i := range r {
				u.WriteString(strings.Repeat("-", width[i]))
				if i < len(r)-1 {
					u.WriteString("  ")
				}
			}
			fmt.Fprintln(w, u.String())
		}
	}
}
