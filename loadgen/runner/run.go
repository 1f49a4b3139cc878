package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/names"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/calibrate"
	"github.com/conclab/conclab/loadgen/hub"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/shard"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
	"github.com/conclab/conclab/loadgen/workload"
)

// Options configure one run.
type Options struct {
	Scenario *scenario.Scenario // already scaled and selected
	Scale    float64
	// ResultsDir is where the run folder goes (results/).
	ResultsDir string
	// RunID names the folder; "" makes one from the scenario and the time.
	RunID string
	// Labserver is the labserver binary for embedded targets.
	Labserver string
	// Services finds each embedded target's server already running, as
	// the container named after it on loadgen's network (package
	// container), instead of starting a labserver; the run fails when a
	// server is not the target's.
	Services bool
	// MetricsAddr, when set, serves the client metrics on /metrics there.
	MetricsAddr string
	// Progress receives the live display; nil for none.
	Progress io.Writer
	// TTY draws bars instead of periodic lines.
	TTY bool
	// SampleEvery is the sampling period; 0 means 1 s.
	SampleEvery time.Duration
	// CheckpointEvery is how often the folder gets what the run has
	// gathered so far; 0 means checkpointEvery (10 s).
	CheckpointEvery time.Duration
	// Shards forces the number of worker processes per target (1: none,
	// loadgen sends every schedule itself); 0 lets the run decide from the
	// connections each target's prediction keeps open at once.
	Shards int
	// Loadgen is the loadgen binary that worker processes run.
	Loadgen string
	// RemoteWorkers, when above 0, is how many `loadgen worker --hub`
	// processes elsewhere (a swarm's tasks) send a share of every target's
	// schedule each; loadgen sends nothing itself, and takes their results
	// through the hub it opens on HubAddr.
	RemoteWorkers int
	HubAddr       string
	// OnStart, when set, hears each target's labserver pid (0 for an
	// external target) once all are up, before the load starts.
	OnStart func(target string, pid int)
	// Calibration is the kernel's measured timings that the prediction
	// uses; nil: the cached calibration, or a quick probe.
	Calibration *summary.KernelCalibration
	// Replicas is how many perturbed simulations each target's ranges
	// come from; 0 means predict.DefaultReplicas.
	Replicas int
	// Skipped are the scenario's targets left out because what their
	// command needs is missing (scenario.Scenario.Runnable), for the
	// summary.
	Skipped []scenario.Skip
}

// Result is a finished (or interrupted) run.
type Result struct {
	Dir     string
	Summary *summary.Summary
}

// workersStartIn is how long worker processes get to start: the schedule
// begins when they are surely up, for every target at once.
const workersStartIn = 1500 * time.Millisecond

// remoteStartIn is how long remote workers, ready and waiting, get to
// hear the start: one round trip to each, with room for a slow network.
const remoteStartIn = time.Second

// checkpointEvery is how often a run writes what it has so far, unless
// Options.CheckpointEvery says otherwise.
const checkpointEvery = 10 * time.Second

// run is one run as it goes through its phases.
type run struct {
	opt     Options
	s       *scenario.Scenario
	sched   *workload.Schedule // what every target is sent: s.Schedule()
	id      string
	folder  runfolder.Folder
	plan    shard.Plan // which targets worker processes send
	hub     *hub.Hub   // where remote workers join; nil without
	metrics *clientMetrics
	targets []*target
	started time.Time // when the schedule began

	kernel          predict.Kernel // the SYN schedule the prediction uses
	kernelSpread    predict.Spread // the kernel's perturbations, for the replicas
	calibrationUsed summary.KernelCalibration
	// overflowsAtStart is loadgen's network namespace's listen counters
	// when the schedule began; nil when unreadable.
	overflowsAtStart *sysinfo.ListenCounters
	// softnetAtStart is the host's softnet drops then; -1 when unreadable.
	softnetAtStart int64
	// cpuAtStart is the machine's CPU times then; nil when unreadable.
	cpuAtStart *sysinfo.CPUTimes
}

// Run executes the scenario in phases: prepare the folder, start the
// targets, predict each, attack and sample them all at once, summarize.
// Cancelling ctx (Ctrl-C) ends the run early: requests in flight end at
// once, and everything gathered so far is written, with "complete": false.
func Run(ctx context.Context, opt Options) (*Result, error) {
	r, err := prepare(opt)
	if err != nil {
		return nil, err
	}
	var discovery serverDiscovery
	if opt.MetricsAddr != "" {
		stop, err := serveMetrics(opt.MetricsAddr, r.metrics, &discovery)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	if opt.RemoteWorkers > 0 {
		// The workers' counters feed the samples of client in-flight
		// requests, as local workers' do (target.arm).
		if r.hub, err = hub.Listen(opt.HubAddr, hub.Options{Workers: opt.RemoteWorkers, Folder: r.folder, Progress: opt.Progress,
			StatusEvery: r.samplePeriod() / 4}); err != nil {
			r.discardFolder()
			return nil, err
		}
		defer r.hub.Close()
	}
	defer r.stopTargets()
	if err := r.startTargets(ctx); err != nil {
		r.discardFolder()
		return nil, err
	}
	discovery.set(r.targets)
	r.predict()
	if err := r.planProcesses(); err != nil {
		r.discardFolder()
		return nil, err
	}
	if opt.OnStart != nil {
		for _, t := range r.targets {
			opt.OnStart(t.spec.Name, t.pid())
		}
	}
	for i, t := range r.targets {
		// Stagger the targets by a fraction of the mean gap: the same
		// schedule for each, but not every send of every target on the
		// same instant, which on a small machine delays the last ones.
		offset := time.Duration(i) * r.startGap() / time.Duration(len(r.targets))
		if err := t.arm(ctx, r, offset); err != nil {
			r.discardFolder()
			return nil, err
		}
	}
	if r.hub != nil {
		if err := r.gatherWorkers(ctx); err != nil {
			r.discardFolder()
			return nil, err
		}
	}
	r.attackAndSample(ctx)
	return r.summarize(ctx)
}

// gatherWorkers hands the remote workers their assignments and waits until
// they are ready, or the hub gives up on those that are not.
func (r *run) gatherWorkers(ctx context.Context) error {
	resolved, err := os.ReadFile(r.folder.Scenario())
	if err != nil {
		return fmt.Errorf("the workers' scenario: %w", err)
	}
	r.hub.Arm(resolved)
	r.hub.Gather(ctx)
	return nil
}

// prepare makes the run folder and writes the resolved scenario into it.
func prepare(opt Options) (*run, error) {
	s := opt.Scenario
	r := &run{opt: opt, s: s, sched: s.Schedule(), metrics: newClientMetrics()}
	id := opt.RunID
	if id == "" {
		id = names.DefaultRunID(s.Name, time.Now())
	}
	root := opt.ResultsDir
	if root == "" {
		root = "results"
	}
	folder, err := runfolder.Create(root, id)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	r.folder, r.id = folder, filepath.Base(string(folder))
	resolved, err := s.Marshal()
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if err := folder.WriteScenario(resolved); err != nil {
		return nil, err
	}
	names := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		names[i] = t.Name
	}
	r.metrics.start(r.id, s.Name, opt.Scale, names)
	return r, nil
}

// startGap is the mean gap between the schedule's sends, which the
// targets are staggered by a fraction of: for closed users, between their
// starts.
func (r *run) startGap() time.Duration {
	if u := r.sched.Users; u != nil {
		return r.sched.LastSend() / time.Duration(u.N())
	}
	return r.sched.MeanGap()
}

// planProcesses decides which targets loadgen sends itself and how many
// worker processes send each of the others, from the connections each
// target's prediction keeps open at once, or without one from its rate and
// timeout.
func (r *run) planProcesses() error {
	held := make([]int, len(r.targets))
	for i, t := range r.targets {
		held[i] = shard.Held(r.s, t.predicted)
	}
	plan, err := shard.NewPlan(r.s, held, r.opt.Shards, shard.PerProcess(sysinfo.NoFile()))
	if r.hub != nil {
		plan, err = shard.NewRemotePlan(r.s, held, r.opt.RemoteWorkers, shard.PerProcess(0))
	}
	if err != nil {
		return err
	}
	if plan.Remote > 0 && r.sched.Closed() {
		return fmt.Errorf("users: a closed scenario's users run in one process, not in %d workers", plan.Remote)
	}
	if plan.Remote > 0 && r.opt.Progress != nil {
		fmt.Fprintln(r.opt.Progress, "loadgen:", plan)
	}
	if plan.Total() > 0 && r.sched.Closed() {
		return fmt.Errorf("users: a closed scenario's users run in one process, and this run would need %d worker "+
			"processes (--shards, or more than %d connections at once)", plan.Total(), shard.PerProcess(sysinfo.NoFile()))
	}
	if plan.Total() > 0 {
		if r.opt.Loadgen == "" {
			return fmt.Errorf("scenario %s needs %d worker processes, and the loadgen binary is unknown", r.s.Name, plan.Total())
		}
		if r.opt.Progress != nil {
			fmt.Fprintln(r.opt.Progress, "loadgen:", plan)
		}
	}
	for i, t := range r.targets {
		t.workers = plan.Workers[i]
	}
	r.plan = plan
	return nil
}

// discardFolder removes the folder of a run that never started, or was
// refused before any request was sent: with nothing measured in it, it
// would only look like a run. The .bin files still open are closed first.
func (r *run) discardFolder() {
	for _, t := range r.targets {
		if t.bin != nil {
			t.bin.Abort()
		}
	}
	_ = os.RemoveAll(string(r.folder))
}

// stopTargets stops every target's processes at once.
func (r *run) stopTargets() {
	var wg sync.WaitGroup
	for _, t := range r.targets {
		wg.Go(t.stop)
	}
	wg.Wait()
}

// predict simulates each target with the limits its server reports and
// writes the predicted series beside the timeline.
func (r *run) predict() {
	nominal, kerr := verdict.ReadKernel()
	if kerr == nil {
		r.calibrationUsed = r.calibration()
	}
	r.kernel = verdict.Calibrated(nominal, &r.calibrationUsed)
	if kerr == nil {
		kerr = verdict.CheckSchedule(r.kernel, &r.calibrationUsed)
	}
	r.kernelSpread = verdict.KernelSpread(&r.calibrationUsed, runtime.NumCPU())
	for _, t := range r.targets {
		if kerr != nil {
			t.predictErr = kerr
			continue
		}
		var res predict.Result
		if res, t.predictErr = t.simulate(r, r.samplePeriod()); t.predictErr == nil {
			t.predicted = &res
			t.predictErr = r.folder.WriteSeries(t.spec.Name, res.Series)
		}
	}
}

// calibration is the one the run was given, or this kernel's (the cached
// one, or a quick probe of about 3 s; off Linux a full one, docs/macos.md).
func (r *run) calibration() summary.KernelCalibration {
	if r.opt.Calibration != nil {
		return *r.opt.Calibration
	}
	return calibrate.Load(context.Background(), calibrate.Options{})
}

func (t *target) simulate(r *run, samplePeriod time.Duration) (predict.Result, error) {
	if t.config == nil {
		return predict.Result{}, errors.New("the target has no /config to read its limits from")
	}
	limits, err := verdict.LimitsFromConfig(t.config)
	if err != nil {
		return predict.Result{}, err
	}
	t.limits = limits
	return predict.Simulate(verdict.Input(r.s, r.sched, limits, r.kernel, samplePeriod))
}

// samplePeriod is once a second, or faster for short handlers, so that a
// plateau as long as the handler's mean work is sampled at least 8 times.
func (r *run) samplePeriod() time.Duration {
	if r.opt.SampleEvery > 0 {
		return r.opt.SampleEvery
	}
	work := r.sched.MeanWork()
	if every := work / 8; work > 0 && every < time.Second {
		return max(every, 100*time.Millisecond)
	}
	return time.Second
}
