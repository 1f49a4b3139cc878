package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/engine"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/perf"
)

const perfUsage = `usage: loadgen perf [flags]

Measures the lab itself in one run and prints its performance table: memory
per held request for each model (and a plain net/http client's and, when
--vegeta is given, the vegeta command line's client memory beside
loadgen's), pacing error at 2/s, 1,000/s and 5,000/s (at the last two, each
driver's median of three runs, in pairs that alternate which goes first),
and for make bench's nine targets at 100/s each (beside the vegeta command
line, one process per target, when --vegeta is given), and with --image the
same nine targets from containers on the Docker engine (loadgen run
--docker, and a vegeta container per target), with the share of CPU time
the hypervisor took during each, and the sampler's CPU share. make perf
runs it (docs/perf.md).
`

// cmdPerf is `loadgen perf` (make perf): the lab's own costs in one run.
func cmdPerf(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	vegetaBin := fs.String("vegeta", "", "the vegeta command line, to compare pacing with (empty: skip)")
	sizes := fs.String("held", "1000,10000", "held requests per memory measurement")
	image := fs.String("image", "", "the lab image, to send make bench's nine targets from Docker too (empty: skip)")
	quick := fs.Bool("quick", false, "shorter pacing spans (for tests)")
	if _, code, ok := parseCommand(fs, args, perfUsage, stdout, stderr); !ok {
		return code
	}
	var held []int
	for _, s := range strings.Split(*sizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n < 1 || n > 15000 {
			fmt.Fprintf(stderr, "loadgen perf: --held: %q is not a count in 1..15000\n", s)
			return exitBadInput
		}
		held = append(held, n)
	}
	bin, err := launch.FindLabserver()
	if err != nil {
		fmt.Fprintln(stderr, "loadgen perf:", err)
		return exitBadInput
	}
	o := perf.Options{Labserver: bin, Loadgen: self(), Vegeta: *vegetaBin, Log: stderr}
	mem, err := perf.Memory(o, catalog.Models, held)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen perf: memory:", err)
		return exitFailed
	}
	plain, err := perf.PlainMemory(o, held)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen perf: memory:", err)
		return exitFailed
	}
	var vmem []perf.ClientMemoryRow
	if o.Vegeta != "" {
		if vmem, err = perf.VegetaMemory(o, held); err != nil {
			fmt.Fprintln(stderr, "loadgen perf: memory:", err)
			return exitFailed
		}
	}
	span := func(rate int) time.Duration {
		switch {
		case *quick:
			return time.Second
		case rate <= 10:
			return 20 * time.Second
		}
		return 4 * time.Second
	}
	// Three pairs at 1,000/s and 5,000/s, whose runs take 4 s and whose
	// p99 varies most from run to run (docs/perf.md, "Near the capacity
	// for new connections"); one at 2/s, whose run takes 20 s.
	pairs := func(rate int) int {
		if *quick || rate < 1000 {
			return 1
		}
		return 3
	}
	pacing, err := perf.Pacing(o, []int{2, 1000, 5000}, span, pairs)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen perf: pacing:", err)
		return exitFailed
	}
	fleet := perf.BenchFleet
	if *quick {
		fleet = perf.Fleet{Targets: 3, Rate: 20, Hits: 20, Hold: 100 * time.Millisecond}
	}
	multi, fleetErr := perf.MultiPacing(o, fleet)
	pacing = append(pacing, multi...)
	if fleetErr != nil {
		// The table still shows what was measured.
		fmt.Fprintln(stderr, "loadgen perf: multi-target pacing:", fleetErr)
	}
	if *image != "" {
		docker, err := dockerPacing(o, *image, fleet, stderr)
		pacing = append(pacing, docker...)
		fleetErr = errors.Join(fleetErr, err)
	}
	share, err := perf.SamplerShare(o, 9, 10*time.Second)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen perf: sampler:", err)
		return exitFailed
	}

	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "\nconclab perf on %s: %d CPUs, %s, %s\n\n", host, runtime.NumCPU(), "Linux "+sysinfo.KernelRelease(), runtime.Version())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "memory per held request\tmodel\theld\tserver KiB\tclient KiB\tserver RSS MiB\t")
	for _, r := range mem {
		fmt.Fprintf(tw, "\t%s\t%d\t%.1f\t%.1f\t%.0f\t\n", r.Model, r.Held, r.ServerPerConnB/1024, r.ClientPerConnB/1024, r.ServerRSSB/(1<<20))
	}
	tw.Flush()
	printClientMemory(stdout, mem, plain, vmem)
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pacing error (send time vs schedule)\tdriver\ttargets\trate/s each\thits\tp50 ms\tp99 ms\tworst target p99 ms\tmax ms\tsteal %\teach run's p99 ms\t")
	for _, r := range pacing {
		fmt.Fprintf(tw, "\t%s\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%s\t\n", r.Driver, r.Targets, r.Rate, r.Hits, r.P50, r.P99, r.WorstP99, r.Max, 100*r.Steal, runP99s(r))
	}
	tw.Flush()
	printPacingRatios(stdout, pacing)
	fmt.Fprintf(stdout, "\nsampler: 9 targets at 1 Hz cost %.2f%% of one core\n", share*100)
	fmt.Fprintln(stdout, "TCP_INFO probe and /metrics scrape: see the Go benchmarks below (make perf runs them)")
	if fleetErr != nil {
		return exitFailed
	}
	return exitOK
}

// dockerPacing is the fleet's pacing from Docker. Ctrl-C ends it, with
// its containers removed. When the engine refuses it before it starts (no
// engine, no image, a vegeta that cannot run there), one line says so and
// the rows are left out: the rest of the table stands.
func dockerPacing(o perf.Options, image string, fleet perf.Fleet, stderr io.Writer) ([]perf.PacingRow, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rows, err := perf.DockerPacing(ctx, o, image, fleet)
	var bad *engine.BadInput
	switch {
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, "loadgen perf: pacing in Docker left out:", bad.Msg)
		return rows, nil
	case err != nil:
		fmt.Fprintln(stderr, "loadgen perf: pacing in Docker:", err)
	}
	return rows, err
}

// printPacingRatios gives, for each loadgen row, its lateness as a ratio
// to each vegeta row of the same shape that follows it before the next
// loadgen row.
func printPacingRatios(w io.Writer, rows []perf.PacingRow) {
	for i, l := range rows {
		if !strings.HasPrefix(l.Driver, "loadgen") {
			continue
		}
		for _, v := range rows[i+1:] {
			if !strings.HasPrefix(v.Driver, "vegeta") {
				break
			}
			if v.Rate != l.Rate || v.Targets != l.Targets || v.Docker != l.Docker {
				continue
			}
			where := ""
			if l.Docker {
				where = ", in Docker, vegeta " + v.Setup
			}
			fmt.Fprintf(w, "loadgen ÷ vegeta, %d target(s) at %d/s%s: p50 %s, p99 %s, worst target p99 %s, max %s\n",
				l.Targets, l.Rate, where, ratio(l.P50, v.P50), ratio(l.P99, v.P99), ratio(l.WorstP99, v.WorstP99), ratio(l.Max, v.Max))
		}
	}
}

// runP99s lists the p99 of each run where a row is the median of several,
// and is "-" for a row of one run.
func runP99s(r perf.PacingRow) string {
	if len(r.RunP99s) == 0 {
		return "-"
	}
	each := make([]string, len(r.RunP99s))
	for i, p := range r.RunP99s {
		each[i] = fmt.Sprintf("%.3f", p)
	}
	return strings.Join(each, " ")
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// printClientMemory sets the client memory per held request of loadgen
// (its nethttp rows, the k-th for the k-th size) beside a plain net/http
// client's (plain, the k-th for the k-th size) and the vegeta command
// line's, when it was measured (vmem; "n/a" without it).
func printClientMemory(w io.Writer, mem []perf.MemoryRow, plain, vmem []perf.ClientMemoryRow) {
	var loadgen []perf.MemoryRow
	for _, r := range mem {
		if r.Model == catalog.NetHTTP.Name {
			loadgen = append(loadgen, r)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "client memory per held request (nethttp)\theld\tloadgen KiB\tnet/http client KiB\tvegeta attack (CLI) KiB\t"+
		"loadgen ÷ net/http\tloadgen ÷ vegeta\t")
	for k, p := range plain {
		if k >= len(loadgen) {
			break
		}
		l := loadgen[k].ClientPerConnB
		vegeta, vsRatio := "n/a", "n/a"
		if k < len(vmem) {
			vegeta = fmt.Sprintf("%.1f", vmem[k].ClientPerConnB/1024)
			if vmem[k].Held != loadgen[k].Held { // vegeta stops at a duration, not a count
				vegeta += fmt.Sprintf(" (%d held)", vmem[k].Held)
			}
			vsRatio = ratio(l, vmem[k].ClientPerConnB)
		}
		fmt.Fprintf(tw, "\t%d\t%.1f\t%.1f\t%s\t%s\t%s\t\n", loadgen[k].Held, l/1024, p.ClientPerConnB/1024, vegeta,
			ratio(l, p.ClientPerConnB), vsRatio)
	}
	tw.Flush()
}
