package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/runner"
)

const workerUsage = `usage: loadgen worker --url URL --start NS --out FILE [flags]

One shard of one target's attack. loadgen run starts these itself above 9,000
held connections; run one per host by hand, with the same --start, --shards
and schedule and a different --shard, to spread one attack over machines.
`

// cmdWorker is `loadgen worker`, one shard of a target's schedule, started
// by `loadgen run` when one process cannot hold every connection, or by
// hand on each host when one attack is spread over machines.
func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	var o attack.Options
	fs.StringVar(&o.Name, "name", "", "target name")
	fs.StringVar(&o.URL, "url", "", "target URL")
	fs.IntVar(&o.Requests, "requests", 0, "hits in the whole schedule")
	fs.DurationVar(&o.Interval, "interval", 0, "interval of the whole schedule")
	fs.DurationVar(&o.Sleep, "sleep", 0, "handler sleep")
	fs.DurationVar(&o.CPU, "cpu", 0, "handler cpu")
	fs.DurationVar(&o.Timeout, "timeout", 0, "client timeout")
	fs.DurationVar(&o.ConnectTimeout, "connect-timeout", 0, "connect timeout")
	fs.BoolVar(&o.KeepAlive, "keepalive", false, "HTTP keep-alive")
	fs.IntVar(&o.Shard, "shard", 0, "this shard")
	fs.IntVar(&o.Shards, "shards", 1, "shards in all")
	fs.DurationVar(&o.Offset, "offset", 0, "delay of the whole schedule")
	start := fs.String("start", "", "unix nanoseconds when hit 0 is due")
	out := fs.String("out", "", "the shard's .bin")
	if _, code, ok := parseCommand(fs, args, workerUsage, stdout, stderr); !ok {
		return code
	}
	ns, err := strconv.ParseInt(*start, 10, 64)
	if err != nil || *out == "" || o.URL == "" {
		fmt.Fprintln(stderr, "loadgen worker: --start, --out and --url are required")
		return exitBadInput
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; cancel() }()
	if err := runner.RunWorker(ctx, runner.WorkerOptions{Attack: o, Start: time.Unix(0, ns), Out: *out}, stdout); err != nil {
		fmt.Fprintln(stderr, "loadgen worker:", err)
		return exitFailed
	}
	return exitOK
}
