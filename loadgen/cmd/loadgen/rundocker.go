package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/conclab/conclab/internal/names"
	"github.com/conclab/conclab/loadgen/engine"
	"github.com/conclab/conclab/loadgen/scenario"
)

// defaultImageName is the lab image that make images builds.
const defaultImageName = "conclab:local"

// defaultImage is --image's default: $CONCLAB_IMAGE, as for compose.
func defaultImage() string {
	if img := os.Getenv("CONCLAB_IMAGE"); img != "" {
		return img
	}
	return defaultImageName
}

// dockerRun are run's flags that --docker uses on the host.
type dockerRun struct {
	image, out, runID string
	workers           workersFlag // swarm:N; remote:N is refused
	constraints       []string    // the swarm workers' placement
}

// passedToContainer are run's flags that loadgen in its container gets as
// they were given, and notWithDocker the ones --docker refuses; the others
// (--out, --run-id, --image) are the host's.
var (
	passedToContainer = []string{"scale", "only", "replicas", "shards", "no-report", "check"}
	notWithDocker     = []string{"services", "labserver", "metrics", "hub"}
)

// runDocker is loadgen run --docker: the scenario on the engine, with
// loadgen's exit code from its container.
func runDocker(fs *flag.FlagSet, s *scenario.Scenario, sf *scenarioFlags, d dockerRun, stdout, stderr io.Writer) int {
	var args []string
	var refused string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case slices.Contains(passedToContainer, f.Name):
			args = append(args, "--"+f.Name+"="+f.Value.String())
		case slices.Contains(notWithDocker, f.Name) && refused == "":
			refused = f.Name
		}
	})
	if refused != "" {
		fmt.Fprintf(stderr, "loadgen run: --%s: not with --docker, which starts the servers and loadgen itself\n", refused)
		return exitBadInput
	}
	if d.workers.n > 0 && !d.workers.swarm {
		fmt.Fprintf(stderr, "loadgen run: --workers %s: not with --docker; swarm:%d deploys the workers on the engine's swarm\n", &d.workers, d.workers.n)
		return exitBadInput
	}
	if sf.path == stdinPath {
		fmt.Fprintln(stderr, "loadgen run: --docker: give the scenario as a file, not on stdin")
		return exitBadInput
	}
	source, err := os.ReadFile(sf.path)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen run:", err)
		return exitBadInput
	}
	runID := d.runID
	if runID == "" {
		runID = names.DefaultRunID(s.Name, time.Now())
	}
	if err := os.MkdirAll(d.out, 0o755); err != nil {
		fmt.Fprintln(stderr, "loadgen run: --out:", err)
		return exitBadInput
	}
	ctx, stop := interruptible(stderr)
	defer stop()
	code, err := engine.Run(ctx, engine.Options{Scenario: s, Source: source, Args: args, Image: d.image,
		RunID: runID, ResultsDir: d.out, Workers: d.workers.n, WorkerConstraints: d.constraints, Stdout: stdout, Stderr: stderr})
	var bad *engine.BadInput
	switch {
	case errors.As(err, &bad) && ctx.Err() == nil:
		fmt.Fprintln(stderr, "loadgen run:", err)
		return exitBadInput
	case err != nil:
		fmt.Fprintln(stderr, "loadgen run: --docker:", err)
		switch {
		case code != 0:
			return code // loadgen's own, kept over a failed copy
		case ctx.Err() != nil:
			return exitInterrupted
		}
		return exitFailed
	}
	if st, err := os.Stat(filepath.Join(d.out, runID)); err == nil && st.IsDir() {
		fmt.Fprintf(stdout, "run folder: %s (copied from the engine)\n", filepath.Join(d.out, runID))
	}
	return code
}
