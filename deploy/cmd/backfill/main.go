// Command backfill converts conclab run folders into OpenMetrics text for
// `promtool tsdb create-blocks-from openmetrics`, so that Prometheus holds
// every run with run_id and target labels and the Grafana comparison
// dashboard can put two runs side by side (deploy/README.md).
//
//	backfill [--at now|started|TIME] [-o FILE] RUN_DIR...
//
// --at places the runs on the time axis:
//
//	now      (default) every run given starts at the same instant, chosen so
//	         that the longest one ends just before now: runs recorded at
//	         any time (the committed reference run, a run from another box)
//	         overlay on one axis, inside Prometheus's retention
//	started  each run at its real time (summary.json "started")
//	TIME     every run starts at this RFC 3339 time
//
// make backfill RUNS="results/a results/b" converts and loads into the
// compose stack's Prometheus.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/conclab/conclab/deploy/backfill"
)

const usage = "usage: backfill [--at now|started|TIME] [-o FILE] RUN_DIR..."

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

func run(args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	at := fs.String("at", "now", "where the runs start: now, started or an RFC 3339 time")
	out := fs.String("o", "-", "output file (- for stdout)")
	// Flags may come before or after the run folders.
	var dirs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, usage)
				return 0
			}
			fmt.Fprintf(stderr, "backfill: %v\n%s\n", err, usage)
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(dirs) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var runs []*backfill.Run
	for _, dir := range dirs {
		r, err := backfill.Load(dir)
		if err != nil {
			fmt.Fprintln(stderr, "backfill:", err)
			return 1
		}
		runs = append(runs, r)
	}
	start, err := placement(*at, runs, now)
	if err != nil {
		fmt.Fprintln(stderr, "backfill: --at:", err)
		return 2
	}
	w := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			fmt.Fprintln(stderr, "backfill:", err)
			return 1
		}
		w = f
	}
	err = backfill.Write(w, runs, start)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "backfill:", err)
		return 1
	}
	for _, r := range runs {
		where := "at its own time"
		if !start.IsZero() {
			where = "from " + start.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stderr, "backfill: run_id %s (%d targets, %s) %s\n",
			r.Summary.RunID, len(r.Summary.Targets), r.Span().Round(time.Second), where)
	}
	return 0
}

// placement returns the common start time, or zero for "started".
func placement(at string, runs []*backfill.Run, now time.Time) (time.Time, error) {
	switch strings.TrimSpace(at) {
	case "started":
		return time.Time{}, nil
	case "now", "":
		var longest time.Duration
		for _, r := range runs {
			longest = max(longest, r.Span())
		}
		// End 5 s before now: Prometheus never sees a sample from the future.
		return now.Add(-longest - 5*time.Second).Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, fmt.Errorf("want now, started or an RFC 3339 time like 2026-01-02T15:04:05Z, got %q", at)
	}
	return t, nil
}
