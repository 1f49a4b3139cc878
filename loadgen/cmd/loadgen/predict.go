package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/verdict"
)

const predictUsage = `usage: loadgen predict SCENARIO.yaml [flags]

Simulates the scenario without sending a request: arrivals on its schedule,
each model's limits, the kernel's accept queue and SYN retransmissions read
from this machine's sysctls, and the client timeout. Prints the same table as
a run.
`

func cmdPredict(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	var sf scenarioFlags
	sf.register(fs)
	seriesDir := fs.String("series", "", "write each target's predicted time series to DIR/<target>.predicted.csv")
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
	retransmits, giveUp := k.SynSchedule()
	fmt.Fprintf(stdout, "scenario %s at scale %g: %d requests at %.4g/s, service %s, client timeout %s\n",
		s.Name, sf.scale, s.Requests, s.Rate, s.Sleep+s.CPU, s.Timeout)
	fmt.Fprintf(stdout, "kernel: tcp_syn_retries %d, tcp_syn_linear_timeouts %d: SYN retransmits at %v, connect gives up at %s\n\n",
		k.SynRetries, k.SynLinearTimeouts, retransmits, giveUp)

	host := verdict.Host{Somaxconn: sysinfo.Somaxconn(), NoFile: sysinfo.NoFile(), FDsAtStart: launch.ChildFDsAtStart()}
	held := make([]int, len(s.Targets))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tmodel\trunning\twaiting in app\twaiting in kernel\tSYN-retried\tok\trejected\ttimed out\tends at\t")
	for i, t := range s.Targets {
		if t.External() {
			fmt.Fprintf(tw, "%s\texternal\t-\t-\t-\t-\t-\t-\t-\t-\t\n", t.Name)
			held[i] = shard.Held(s, nil)
			continue
		}
		limits, err := verdict.ScenarioLimits(s, t, host)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		res, err := verdict.Predict(s, limits, k)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		held[i] = shard.Held(s, &res)
		o := res.Outcomes
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", t.Name, t.Model,
			res.Peak.Inflight, res.Peak.Queued, res.Peak.AcceptQueue, res.SynRetried,
			o[outcome.OK], o[outcome.HTTP503]+o[outcome.Reset]+o[outcome.Refused], o[outcome.Timeout], res.End)
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
