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

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/hub"
	"github.com/conclab/conclab/loadgen/shard"
)

const workerUsage = `usage: loadgen worker --scenario FILE --url URL --start NS --out FILE [flags]
       loadgen worker --hub URL [--slot K]

One shard of one target's attack. loadgen run starts these itself above 9,000
held connections; run one per host by hand, with the same --scenario, --start
and --shards and a different --shard, to spread one attack over machines.

With --hub, a share of every target's attack of a run that waits for its
workers (loadgen run --workers remote:N, which --workers swarm:N starts as a
swarm service): the worker takes its assignment from the hub, starts when
the hub says, and streams its results back. --slot, 1 to N, picks the share;
without it, $CONCLAB_WORKER_SLOT does (a swarm task's slot).
`

// cmdWorker is `loadgen worker`, one shard of a target's schedule, started
// by `loadgen run` when one process cannot hold every connection, or by
// hand on each host when one attack is spread over machines; or, with
// --hub, a remote worker of a run.
func cmdWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	o := shard.WorkerOptions{Attack: attack.Options{Shards: 1}}
	o.Flags(fs)
	var remote hub.WorkerOptions
	fs.StringVar(&remote.Hub, "hub", "", "the hub of a run's remote workers: http://HOST:9200")
	fs.IntVar(&remote.Slot, "slot", 0, "this worker's slot, 1 to the run's workers (default $"+hub.SlotEnv+")")
	if _, code, ok := parseCommand(fs, args, workerUsage, stdout, stderr); !ok {
		return code
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; cancel() }()
	if remote.Hub != "" {
		return remoteWorker(ctx, remote, stderr)
	}
	if o.Start.IsZero() || o.Out == "" || o.Attack.URL == "" || o.Scenario == "" {
		fmt.Fprintln(stderr, "loadgen worker: --scenario, --start, --out and --url are required")
		return exitBadInput
	}
	if err := shard.RunWorker(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "loadgen worker:", err)
		return exitFailed
	}
	return exitOK
}

// remoteWorker is `loadgen worker --hub`.
func remoteWorker(ctx context.Context, o hub.WorkerOptions, stderr io.Writer) int {
	if o.Slot == 0 {
		env := os.Getenv(hub.SlotEnv)
		n, err := strconv.Atoi(env)
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "loadgen worker: --slot: give it, or set $%s (a swarm service sets it to {{.Task.Slot}}); it is %q\n", hub.SlotEnv, env)
			return exitBadInput
		}
		o.Slot = n
	}
	if o.Slot < 1 {
		fmt.Fprintln(stderr, "loadgen worker: --slot: must be at least 1, got", o.Slot)
		return exitBadInput
	}
	fmt.Fprintf(stderr, "loadgen worker: slot %d, hub %s\n", o.Slot, o.Hub)
	if err := hub.RunWorker(ctx, o); err != nil {
		fmt.Fprintf(stderr, "loadgen worker: slot %d: %v\n", o.Slot, err)
		return exitFailed
	}
	fmt.Fprintf(stderr, "loadgen worker: slot %d: done\n", o.Slot)
	return exitOK
}
