package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/shard"
)

const workerUsage = `usage: loadgen worker --scenario FILE --url URL --start NS --out FILE [flags]

One shard of one target's attack. loadgen run starts these itself above 9,000
held connections; run one per host by hand, with the same --scenario, --start
and --shards and a different --shard, to spread one attack over machines.
`

// cmdWorker is `loadgen worker`, one shard of a target's schedule, started
// by `loadgen run` when one process cannot hold every connection, or by
// hand on each host when one attack is spread over machines.
func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	o := shard.WorkerOptions{Attack: attack.Options{Shards: 1}}
	o.Flags(fs)
	if _, code, ok := parseCommand(fs, args, workerUsage, stdout, stderr); !ok {
		return code
	}
	if o.Start.IsZero() || o.Out == "" || o.Attack.URL == "" || o.Scenario == "" {
		fmt.Fprintln(stderr, "loadgen worker: --scenario, --start, --out and --url are required")
		return exitBadInput
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; cancel() }()
	if err := shard.RunWorker(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "loadgen worker:", err)
		return exitFailed
	}
	return exitOK
}
