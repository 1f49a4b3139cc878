package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/calibrate"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

const predictUsage = `usage: loadgen predict SCENARIO.yaml [flags]

Simulates the scenario without sending a request: arrivals on its schedule,
each model's limits, the kernel's accept queue and SYN retransmissions read
from this machine's sysctls and its cached calibration (loadgen calibrate),
and the client timeout. Prints each figure's central value, and its range
over --replicas perturbed simulations where that is not a single value.
`

func cmdPredict(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	var sf scenarioFlags
	sf.register(fs)
	seriesDir := fs.String("series", "", "write each target's predicted time series to DIR/<target>.predicted.csv")
	ratesFlag := fs.String("rates", "", "predict a sweep instead: each target's knee and goodput at these offered rates (50,100,200 or FROM:TO:STEP)")
	s, code, ok := sf.parseScenario(fs, args, predictUsage, stdout, stderr)
	if !ok {
		return code
	}
	k, err := verdict.ReadKernel()
	if err != nil {
		fmt.Fprintln(stderr, "loadgen predict: kernel SYN settings:", err)
		return exitFailed
	}
	if *seriesDir != "" {
		if err := os.MkdirAll(*seriesDir, 0o755); err != nil {
			fmt.Fprintln(stderr, "loadgen predict: --series:", err)
			return exitBadInput
		}
	}
	cal, ok := calibrate.Cached(calibrate.Options{})
	if !ok {
		cal = calibrate.Nominal("no calibration cached (loadgen calibrate measures one)")
	}
	k = verdict.Calibrated(k, &cal)
	if err := verdict.CheckSchedule(k, &cal); err != nil {
		fmt.Fprintln(stderr, "loadgen predict:", err)
		return exitFailed
	}
	kernelSpread := verdict.KernelSpread(&cal, runtime.NumCPU())
	retransmits, giveUp := k.SynSchedule()
	sched := s.Schedule()
	fmt.Fprintf(stdout, "scenario %s at scale %g: %s, each asking for %s, client timeout %s\n",
		s.Name, sf.scale, s.Traffic(sched), s.WorkText(), s.Timeout)
	settings := "measured" // off Linux, where there are no SYN sysctls
	if k.SynRetries > 0 {
		settings = fmt.Sprintf("tcp_syn_retries %d, tcp_syn_linear_timeouts %d", k.SynRetries, k.SynLinearTimeouts)
	}
	fmt.Fprintf(stdout, "kernel: %s: SYN retransmits at %s, connect gives up at %s (calibration: %s)\n\n",
		settings, durations(retransmits), giveUp.Round(time.Millisecond), cal.Source)

	host := verdict.Host{Somaxconn: sysinfo.Somaxconn(), NoFile: sysinfo.NoFile(), FDsAtStart: launch.ChildFDsAtStart()}
	if *ratesFlag != "" {
		return predictSweep(s, *ratesFlag, k, host, stdout, stderr)
	}
	held := make([]int, len(s.Targets))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tmodel\trunning\twaiting in app\twaiting in kernel\tSYN-retried\tok\trejected\ttimed out\tgoodput/s\twasted\tends at\t")
	for i, t := range s.Targets {
		if t.External() {
			fmt.Fprintf(tw, "%s\texternal\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", t.Name)
			held[i] = shard.Held(s, nil)
			continue
		}
		limits, err := verdict.ScenarioLimits(s, t, host)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		in := verdict.Input(s, sched, limits, k, 0)
		res, err := predict.Simulate(in)
		if err == nil {
			var reps predict.Replicas
			reps, err = predict.Replicate(in, kernelSpread, predict.ReplicaOptions{N: sf.replicas, Seed: verdict.Seed, NoBand: true})
			p := verdict.Predicted(sched, res)
			verdict.Ranges(p, reps)
			held[i] = shard.Held(s, &res)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t\n", t.Name, t.Model,
				withRange(p, "inflight"), withRange(p, "queued"), withRange(p, "accept_queue"), withRange(p, "syn_retried"),
				withRange(p, "ok"), withRange(p, "rejected"), withRange(p, "timeout"), p.GoodputPerS, wastedRange(p), res.End)
		}
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		if *seriesDir != "" {
			if err := runfolder.Folder(*seriesDir).WriteSeries(t.Name, res.Series); err != nil {
				fmt.Fprintln(stderr, "loadgen predict:", err)
				return exitFailed
			}
		}
	}
	tw.Flush()
	// The processes a run would send with, from the same peaks.
	plan, err := shard.NewPlan(s, held, 0, shard.PerProcess(sysinfo.NoFile()))
	if err != nil {
		fmt.Fprintln(stderr, "loadgen predict:", err)
		return exitBadInput
	}
	fmt.Fprintf(stdout, "\n%s\n", plan)
	return exitOK
}

// withRange is a figure's central value, and what a run may measure of it
// where that is not the value alone: "100 (98–101)". For a peak, the range
// reaches down by what sampling can miss.
func withRange(p *summary.Predicted, key string) string {
	f, _ := verdict.FigureByKey(key)
	v, _ := f.Predicted(p)
	r := p.Range[key]
	if f.Peak {
		r[0] -= p.SamplingMiss[key]
	}
	if r[0] == v && r[1] == v {
		return strconv.Itoa(v)
	}
	return fmt.Sprintf("%d (%d–%d)", v, r[0], r[1])
}

// wastedRange is the wasted work's central value in seconds, and its
// range where that is not the value alone: "8.0s (7.9s–8.1s)".
func wastedRange(p *summary.Predicted) string {
	v, r := p.WastedWorkS, p.RangeS["wasted_work"]
	text := func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) + "s" }
	if text(r[0]) == text(v) && text(r[1]) == text(v) {
		return text(v)
	}
	return fmt.Sprintf("%s (%s–%s)", text(v), text(r[0]), text(r[1]))
}

// durations are offsets in seconds to the millisecond: "[1.016 2.041 …]".
func durations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
