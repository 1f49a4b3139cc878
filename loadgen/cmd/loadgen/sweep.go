package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/runner"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/sweep"
	"github.com/conclab/conclab/loadgen/verdict"
)

const sweepUsage = `usage: loadgen sweep SCENARIO.yaml --rates LIST [flags]

Runs the scenario at each offered rate of --rates ("50,100,200", or
"50:200:50" for from, to and step), each over the same sending span (the
requests grow with the rate), one normal run folder per rate, inside
results/<scenario>-sweep-<time>/. Then writes sweep.json and sweep.md:
goodput, the ok requests' p50 and p99 latency and the shares rejected and
timed out against the offered rate, measured over predicted, and each
target's knee, the highest offered rate whose goodput stays within 5 % of
it. --scale scales the scenario's times first; the rates are as sent.
`

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	var sf scenarioFlags
	sf.register(fs)
	ratesFlag := fs.String("rates", "", "offered rates: a list 50,100,200 or a range FROM:TO:STEP")
	out := fs.String("out", "results", "folder for the sweep folder")
	labserver := fs.String("labserver", "", "labserver binary (default: beside loadgen, then bin/, then $PATH)")
	noReport := fs.Bool("no-report", false, "skip the reports and charts, each run's and the sweep's")
	s, code, ok := sf.parseScenario(fs, args, sweepUsage, stdout, stderr)
	if !ok {
		return code
	}
	rates, err := sweep.Rates(s, *ratesFlag)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen sweep:", err)
		return exitBadInput
	}
	s, skipped, ok := runnable(s, stderr)
	if !ok {
		return exitFailed
	}
	bin := *labserver
	if bin == "" {
		if bin, err = launch.FindLabserver(); err != nil {
			fmt.Fprintln(stderr, "loadgen sweep:", err)
			return exitBadInput
		}
	}
	k, err := verdict.ReadKernel()
	if err != nil {
		fmt.Fprintln(stderr, "loadgen sweep: kernel SYN settings:", err)
		return exitFailed
	}
	ctx, stop := interruptible(stderr)
	defer stop()
	cal := loadCalibration(ctx, stderr)
	k = verdict.Calibrated(k, &cal)
	if err := verdict.CheckSchedule(k, &cal); err != nil {
		fmt.Fprintln(stderr, "loadgen sweep:", err)
		return exitFailed
	}
	dir := filepath.Join(*out, s.Name+"-sweep-"+time.Now().UTC().Format("20060102T150405Z"))
	runOne := func(ctx context.Context, at *scenario.Scenario, dir, id string) (*summary.Summary, error) {
		res, err := runner.Run(ctx, runner.Options{Scenario: at, Scale: sf.scale, ResultsDir: dir, RunID: id,
			Labserver: bin, Progress: stderr, Loadgen: self(), Replicas: sf.replicas, Calibration: &cal, Skipped: skipped})
		if res == nil {
			return nil, err
		}
		if rerr := finishReport(res.Dir, *noReport, stderr); rerr != nil && err == nil {
			err = rerr
		}
		return res.Summary, err
	}
	host := verdict.Host{Somaxconn: sysinfo.Somaxconn(), NoFile: sysinfo.NoFile(), FDsAtStart: launch.ChildFDsAtStart()}
	sw, err := sweep.Run(ctx, sweep.Options{Scenario: s, Rates: rates, Dir: dir, Run: runOne, Kernel: k, Host: host, Progress: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "loadgen sweep:", err)
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitFailed
	}
	if !*noReport {
		path, err := report.WriteSweep(dir, sw)
		if err != nil {
			fmt.Fprintln(stderr, "loadgen sweep:", err)
			return exitFailed
		}
		fmt.Fprintf(stderr, "report: %s\n", path)
	}
	fmt.Fprintln(stdout)
	writeKnees(stdout, sw)
	fmt.Fprintf(stdout, "\nsweep: %s\n", dir)
	return exitOK
}

// writeKnees prints each target's knee and its goodput at each rate,
// measured (predicted), or predicted alone for a sweep that has not run.
func writeKnees(w io.Writer, sw *sweep.Sweep) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "target\tknee/s\t")
	for _, r := range sw.Rates {
		fmt.Fprintf(tw, "goodput at %g/s\t", r)
	}
	fmt.Fprintln(tw)
	for _, t := range sw.Targets {
		switch {
		case len(t.Measured) == 0 && len(t.Predicted) == 0:
			fmt.Fprintf(tw, "%s\t-\t", t.Name) // an external target with no like: model
		case len(t.Measured) == 0:
			fmt.Fprintf(tw, "%s\t%s\t", t.Name, report.PredictedKneeText(t.Knee, sw.Rates[0]))
			for _, r := range sw.Rates {
				fmt.Fprintf(tw, "%.1f\t", t.PredictedAt(r).GoodputPerS)
			}
		default:
			fmt.Fprintf(tw, "%s\t%s\t", t.Name, report.KneeText(t.Knee, sw.Rates[0]))
			for _, p := range t.Measured {
				fmt.Fprintf(tw, "%.1f (%.1f)\t", p.GoodputPerS, t.PredictedAt(p.OfferedPerS).GoodputPerS)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
