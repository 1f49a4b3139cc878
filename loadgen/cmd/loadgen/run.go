package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"

	"github.com/conclab/conclab/internal/names"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/calibrate"
	"github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/runner"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/summary"
)

const runUsage = `usage: loadgen run SCENARIO.yaml [flags]

Attacks every target of the scenario at once, samples each server's queues,
and writes results/<run_id>/: a .bin per target (vegeta report reads it), the
timelines, summary.json with the prediction, the resolved scenario and the
report. Ctrl-C keeps everything gathered so far. SCENARIO.yaml "-" reads the
scenario from stdin (a values file is then read from the working
directory). --docker runs the targets and loadgen as containers on the
Docker engine that DOCKER_HOST names, and copies the run folder back;
--workers swarm:N does the same with the load sent by N workers that the
engine's swarm places on its nodes.

Exit codes: 0 done, 1 failed, 2 bad input, 3 --check failed, 130
interrupted. A run that fails or is interrupted keeps its code under
--check.
`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var sf scenarioFlags
	sf.register(fs)
	var rf runFlags
	rf.register(fs)
	s, code, ok := sf.parseScenario(fs, args, runUsage, stdout, stderr)
	if !ok {
		return code
	}
	if why := rf.refusal(s); why != "" {
		fmt.Fprintln(stderr, "loadgen run:", why)
		return exitBadInput
	}
	if rf.docker || rf.workers.swarm {
		// The container reads the scenario again and leaves out what it
		// cannot run itself: this machine's requires: do not matter.
		return runDocker(fs, s, &sf, dockerRun{image: rf.image, out: rf.out, runID: rf.runID, workers: rf.workers,
			constraints: rf.constraints}, stdout, stderr)
	}
	s, skipped, ok := runnable(s, stderr)
	if !ok {
		return exitFailed
	}
	if rf.shards > 0 {
		// Forced workers are known before any server starts.
		if _, err := shard.NewPlan(s, make([]int, len(s.Targets)), rf.shards, 0); err != nil {
			fmt.Fprintln(stderr, "loadgen run:", err)
			return exitBadInput
		}
	}
	bin := rf.labserver
	if bin == "" && !rf.services {
		var err error
		if bin, err = launch.FindLabserver(); err != nil {
			fmt.Fprintln(stderr, "loadgen run:", err)
			return exitBadInput
		}
	}

	ctx, stop := interruptible(stderr)
	defer stop()

	tty := false
	if f, ok := stderr.(*os.File); ok {
		tty = isatty.IsTerminal(f.Fd())
	}
	fmt.Fprintf(stderr, "loadgen: scenario %s at scale %g: %d targets × %s, each asking for %s, timeout %s\n",
		s.Name, sf.scale, len(s.Targets), s.Traffic(s.Schedule()), s.WorkText(), s.Timeout)
	cal := loadCalibration(ctx, stderr)
	res, err := runner.Run(ctx, runner.Options{
		Scenario: s, Scale: sf.scale, ResultsDir: rf.out, RunID: rf.runID, Labserver: bin,
		Services: rf.services, MetricsAddr: rf.metrics, Progress: stderr, TTY: tty, Shards: rf.shards, Loadgen: self(),
		RemoteWorkers: rf.workers.n, HubAddr: rf.hub,
		Replicas: sf.replicas, Calibration: &cal, Skipped: skipped,
	})
	if res == nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "loadgen run: interrupted before the load started; nothing was sent")
		return exitInterrupted
	}
	if res == nil {
		fmt.Fprintln(stderr, "loadgen run:", err)
		if tooMany := (*shard.TooManyWorkersError)(nil); errors.As(err, &tooMany) {
			return exitBadInput
		}
		return exitFailed
	}
	if rerr := finishReport(res.Dir, rf.noReport, stderr); rerr != nil && err == nil {
		err = rerr
	}
	fmt.Fprintln(stdout)
	_ = report.WriteTable(stdout, res.Summary)
	fmt.Fprintf(stdout, "\nresults: %s\n", res.Dir)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen run:", err)
		return exitFailed
	}
	if !res.Summary.Complete {
		if ctx.Err() == nil {
			// Not interrupted: workers were lost (summary's interrupted says which).
			fmt.Fprintln(stderr, "loadgen run:", res.Summary.Interrupted)
			return exitFailed
		}
		return exitInterrupted
	}
	if rf.check {
		return checkExit(res.Summary, stderr)
	}
	return exitOK
}

// runFlags are loadgen run's flags besides the scenario's.
type runFlags struct {
	out, metrics, labserver, runID, image, hub string
	noReport, check, services, docker          bool
	shards                                     int
	workers                                    workersFlag
	constraints                                constraintsFlag
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.out, "out", "results", "folder for the run folder")
	fs.StringVar(&f.metrics, "metrics", "", "serve the client metrics on this address (/metrics)")
	fs.StringVar(&f.labserver, "labserver", "", "labserver binary (default: beside loadgen, then bin/, then $PATH)")
	fs.StringVar(&f.runID, "run-id", "", "name of the run folder (default: SCENARIO-TIME)")
	fs.BoolVar(&f.noReport, "no-report", false, "skip the charts")
	fs.BoolVar(&f.check, "check", false, checkFlagUsage)
	fs.BoolVar(&f.services, "services", false, "find each embedded target's server running as the container named after it (loadgen compose), instead of starting it")
	fs.IntVar(&f.shards, "shards", 0, "worker processes per target (0: as many as the connections held at once need; 1: none)")
	fs.BoolVar(&f.docker, "docker", false, "run every target, and loadgen, as containers on the Docker engine that DOCKER_HOST names")
	fs.StringVar(&f.image, "image", defaultImage(), "the lab image, for --docker (default $CONCLAB_IMAGE, else conclab:local)")
	fs.Var(&f.workers, "workers", "swarm:N: N worker replicas on the Docker swarm send a share of every schedule each (implies --docker); "+
		"remote:N: wait for N `loadgen worker --hub` processes started elsewhere")
	fs.Var(&f.constraints, "worker-constraint", "with --workers swarm:N, a swarm placement constraint for the workers, "+
		"as docker service create --constraint takes it (node.role==worker keeps them off the manager); may be repeated")
	fs.StringVar(&f.hub, "hub", ":"+strconv.Itoa(container.HubPort), "where --workers remote:N waits for its workers")
}

// refusal is the one line that refuses the flags, for scenario s; "" when
// they hold together.
func (f *runFlags) refusal(s *scenario.Scenario) string {
	switch {
	case len(f.constraints) > 0 && !f.workers.swarm:
		return "--worker-constraint: only with --workers swarm:N, whose workers the swarm places"
	case f.workers.n > 0 && f.shards > 0:
		return "--shards: not with --workers, whose workers each send a share of every schedule"
	case f.shards < 0:
		return fmt.Sprint("--shards: must be >= 0, got ", f.shards)
	}
	if f.services {
		for _, t := range s.Targets {
			if err := container.Runnable(t); err != nil {
				return "--services: " + err.Error()
			}
		}
	}
	if f.runID != "" {
		if err := names.CheckRunID(f.runID); err != nil {
			return "--run-id: " + err.Error()
		}
	}
	return ""
}

// workersFlag is --workers: swarm:N or remote:N.
type workersFlag struct {
	swarm bool // the workers are a swarm service that loadgen deploys
	n     int
}

func (w *workersFlag) String() string {
	switch {
	case w == nil || w.n == 0:
		return ""
	case w.swarm:
		return "swarm:" + strconv.Itoa(w.n)
	}
	return "remote:" + strconv.Itoa(w.n)
}

func (w *workersFlag) Set(v string) error {
	kind, count, ok := strings.Cut(v, ":")
	n, err := strconv.Atoi(count)
	switch {
	case !ok || (kind != "swarm" && kind != "remote"):
		return errors.New("want swarm:N or remote:N")
	case err != nil:
		return fmt.Errorf("%s is not a count of workers", count)
	case n < 1:
		return errors.New("a run needs at least 1 worker")
	}
	w.swarm, w.n = kind == "swarm", n
	return nil
}

// constraintsFlag is --worker-constraint, repeated.
type constraintsFlag []string

func (c *constraintsFlag) String() string { return strings.Join(*c, ",") }

func (c *constraintsFlag) Set(v string) error {
	if !strings.Contains(v, "==") && !strings.Contains(v, "!=") {
		return errors.New("want ATTRIBUTE==VALUE or ATTRIBUTE!=VALUE, as node.role==worker")
	}
	*c = append(*c, v)
	return nil
}

// interruptible is a context that the first SIGINT or SIGTERM cancels,
// saying so on stderr; a second one exits at once. stop releases the
// signals.
func interruptible(stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(stderr, "\nloadgen: %s: ending the run and writing what was gathered (again to quit at once)\n", s)
		cancel()
		<-sig
		os.Exit(exitInterrupted)
	}()
	return ctx, func() { signal.Stop(sig); cancel() }
}

// runnable leaves out the targets whose requires: are missing here, with a
// line each; ok is false when none is left.
func runnable(s *scenario.Scenario, stderr io.Writer) (*scenario.Scenario, []scenario.Skip, bool) {
	s, skipped := s.Runnable()
	for _, k := range skipped {
		fmt.Fprintf(stderr, "loadgen run: skipping target %s: %s\n", k.Target, k.Reason)
	}
	if len(s.Targets) == 0 {
		fmt.Fprintln(stderr, "loadgen run: no target can run here")
		return nil, nil, false
	}
	return s, skipped, true
}

// loadCalibration is this kernel's calibration for a run: the cache's, or
// a quick probe of about 3 s, said on stderr; warnings go there too.
func loadCalibration(ctx context.Context, stderr io.Writer) summary.KernelCalibration {
	warn := func(w string) { fmt.Fprintln(stderr, "loadgen:", w) }
	cal, ok := calibrate.Cached(calibrate.Options{})
	if !ok {
		fmt.Fprintln(stderr, "loadgen: no kernel calibration cached: "+probeLength())
		cal = calibrate.Load(ctx, calibrate.Options{Warn: warn})
	}
	fmt.Fprintf(stderr, "loadgen: kernel calibration: %s", cal.Source)
	if cal.Why != "" {
		fmt.Fprintf(stderr, " (%s)", cal.Why)
	}
	fmt.Fprintln(stderr)
	return cal
}

// probeLength says how long the first calibration takes: a quick probe on
// Linux; elsewhere, with no nominal schedule to carry it further, one that
// follows the SYNs until connect gives up (docs/macos.md).
func probeLength() string {
	if sysinfo.KernelViewFull {
		return "probing SYN retransmissions for about 3 s (loadgen calibrate measures them all)"
	}
	if t, err := sysinfo.ConnectTimeout(); err == nil {
		return fmt.Sprintf("probing SYN retransmissions until connect gives up, about %s (once: it is cached)", t)
	}
	return "probing SYN retransmissions until connect gives up (once: it is cached)"
}

// self is this executable, which worker processes run.
func self() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return exe
}

// finishReport writes the charts unless asked not to.
func finishReport(dir string, skip bool, stderr io.Writer) error {
	if skip {
		return nil
	}
	path, err := report.Write(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "report: %s\n", path)
	return nil
}
