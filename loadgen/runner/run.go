package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
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
	// MetricsAddr, when set, serves the client metrics on /metrics there.
	MetricsAddr string
	// Progress receives the live display; nil for none.
	Progress io.Writer
	// TTY draws bars instead of periodic lines.
	TTY bool
	// SampleEvery is the sampling period; 0 means 1 s.
	SampleEvery time.Duration
	// Shards forces the number of worker processes per target; 0 lets the
	// run decide from the connections it will hold.
	Shards int
	// Loadgen is the loadgen binary that worker processes run.
	Loadgen string
	// OnStart, when set, hears each target's labserver pid (0 for an
	// external target) once all are up, before the load starts.
	OnStart func(target string, pid int)
}

// Result is a finished (or interrupted) run.
type Result struct {
	Dir     string
	Summary *summary.Summary
}

// target is one target's state during the run.
type target struct {
	spec    scenario.Target
	server  *server
	attack  *attack.Attack
	sampler *sample.Sampler
	ext     *kernelSide // measured from the kernel side; nil for the others

	counters *attack.Counters
	sharded  *shardedAttack // set when worker processes send the schedule

	binPath string
	binFile *os.File
	binBuf  *bufio.Writer
	binEnc  vegeta.Encoder
	encErr  error
	flushed time.Time

	predicted  *predict.Result
	predictErr error

	mu   sync.Mutex
	hits []hitRecord
}

// predict simulates the target with the limits its server reports and
// writes the predicted series beside the timeline.
func (t *target) predict(dir string, s *scenario.Scenario, k predict.Kernel, kerr error) {
	if kerr != nil {
		t.predictErr = kerr
		return
	}
	if t.server.Config == nil {
		t.predictErr = errors.New("the target has no /config to read its limits from")
		return
	}
	limits, err := verdict.LimitsFromConfig(t.server.Config)
	if err != nil {
		t.predictErr = err
		return
	}
	res, err := verdict.Predict(s, limits, k)
	if err != nil {
		t.predictErr = err
		return
	}
	t.predicted = &res
	t.predictErr = atomicfile.Write(filepath.Join(dir, t.spec.Name+".predicted.csv"), func(w io.Writer) error {
		return WriteSeries(w, res.Series)
	})
}

// hitRecord keeps what the summary needs of each hit.
type hitRecord struct {
	outcome outcome.Outcome
	latency time.Duration
	connect time.Duration
	dialed  bool
	lateBy  time.Duration // send time minus scheduled time
	// detail is what the client saw, kept only where the outcome alone does
	// not say it: the error of an "other", the status of an "http_other".
	detail string
}

// Run executes the scenario. Cancelling ctx (Ctrl-C) ends the run early:
// requests in flight end at once, and everything gathered so far is
// written, with "complete": false.
func Run(ctx context.Context, opt Options) (*Result, error) {
	s := opt.Scenario
	runID := opt.RunID
	if runID == "" {
		runID = s.Name + "-" + time.Now().UTC().Format("20060102T150405Z")
	}
	dir, err := makeRunDir(opt.ResultsDir, runID)
	if err != nil {
		return nil, err
	}
	runID = filepath.Base(dir)
	shards := shardsFor(s, opt.Shards)
	if shards > 1 && opt.Loadgen == "" {
		return nil, fmt.Errorf("scenario %s needs %d worker processes per target, and the loadgen binary is unknown", s.Name, shards)
	}
	resolved, err := s.Marshal()
	if err != nil {
		return nil, fmt.Errorf("scenario: %v", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "scenario.yaml"), resolved); err != nil {
		return nil, err
	}

	metrics := newClientMetrics()
	names := make([]string, len(s.Targets))
	for i, t := range s.Targets {
		names[i] = t.Name
	}
	metrics.start(runID, s.Name, opt.Scale, names)
	if opt.MetricsAddr != "" {
		stop, err := serveMetrics(opt.MetricsAddr, metrics)
		if err != nil {
			return nil, err
		}
		defer stop()
	}

	targets, err := startTargets(ctx, opt, s)
	defer func() {
		var wg sync.WaitGroup
		for _, t := range targets {
			if t.server != nil || t.ext != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if t.server != nil {
						t.server.stop()
					}
					t.ext.stop()
				}()
			}
		}
		wg.Wait()
	}()
	if err != nil {
		return nil, err
	}

	kernel, kerr := verdict.ReadKernel()
	for _, t := range targets {
		t.predict(dir, s, kernel, kerr)
	}

	if opt.OnStart != nil {
		for _, t := range targets {
			opt.OnStart(t.spec.Name, t.server.PID())
		}
	}
	for i, t := range targets {
		// Stagger the targets by a fraction of the interval: the same
		// schedule for each, but not every send of every target on the
		// same instant, which on a small machine delays the last ones.
		offset := time.Duration(i) * s.Interval() / time.Duration(len(targets))
		if err := t.prepare(ctx, dir, s, metrics, shards, opt.Loadgen, offset); err != nil {
			return nil, err
		}
		t.sampler.Interval = samplePeriod(opt.SampleEvery, s)
	}
	// Worker processes need a moment to start: the schedule begins when
	// they are surely up, for every target at once.
	started := time.Now()
	if shards > 1 {
		started = started.Add(1500 * time.Millisecond)
	}
	sampleCtx, stopSampling := context.WithCancel(context.Background())
	var samplers sync.WaitGroup
	for i, t := range targets {
		samplers.Add(1)
		// Spread the scrapes over the second, half a slot after the
		// targets' staggered sends, so sampling never piles up on a send.
		every := samplePeriod(opt.SampleEvery, s)
		phase := (time.Duration(2*i+1) * every) / time.Duration(2*len(targets))
		go func() {
			defer samplers.Done()
			time.Sleep(time.Until(started.Add(phase)))
			t.sampler.Run(sampleCtx, started)
		}()
	}
	display := newProgress(opt.Progress, opt.TTY, s, targets, started)
	// Checkpoints keep the folder readable should loadgen itself be
	// killed: timelines and a summary marked incomplete, every 10 s.
	checkpointCtx, stopCheckpoints := context.WithCancel(context.Background())
	checkpoints := make(chan struct{})
	go func() {
		defer close(checkpoints)
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-checkpointCtx.Done():
				return
			case <-tick.C:
				checkpoint(dir, runID, s, opt.Scale, started, targets)
			}
		}
	}()
	var attacks sync.WaitGroup
	for _, t := range targets {
		attacks.Add(1)
		go func() { defer attacks.Done(); t.run(ctx, started) }()
	}
	attacks.Wait()
	stopCheckpoints()
	<-checkpoints
	stopSampling()
	samplers.Wait()
	display.stop()
	wall := time.Since(started)

	sum := &summary.Summary{
		RunID: runID, Scenario: s.Name, Scale: opt.Scale, Complete: ctx.Err() == nil,
		Started: started.UTC().Format(time.RFC3339), WallS: wall.Seconds(),
		Environment: ReadEnvironment(),
		Tolerance:   &verdict.Tolerance,
	}
	if ctx.Err() != nil {
		sum.Interrupted = "interrupted after " + wall.Round(time.Millisecond).String() + ": requests still in flight were ended and count as other"
	}
	var writeErrs []error
	for _, t := range targets {
		if err := t.finish(dir, s, started, metrics); err != nil {
			writeErrs = append(writeErrs, err)
		}
		st := t.summarize(s)
		if t.predicted != nil {
			st.Predicted = verdict.Predicted(*t.predicted)
			if sum.Complete {
				verdict.Judge(&st)
			}
		}
		if died := t.server.diedEarly(started); died != "" {
			st.Notes = append(st.Notes, died)
		}
		if t.predictErr != nil {
			st.Notes = append(st.Notes, "no prediction: "+t.predictErr.Error())
		}
		sum.Targets = append(sum.Targets, st)
	}
	if err := summary.Write(filepath.Join(dir, "summary.json"), sum); err != nil {
		writeErrs = append(writeErrs, err)
	}
	return &Result{Dir: dir, Summary: sum}, errors.Join(writeErrs...)
}

// samplePeriod is once a second, or faster for short handlers, so that a
// plateau as long as the handler's work is sampled at least 8 times.
func samplePeriod(forced time.Duration, s *scenario.Scenario) time.Duration {
	if forced > 0 {
		return forced
	}
	work := time.Duration(s.Sleep) + time.Duration(s.CPU)
	if every := work / 8; work > 0 && every < time.Second {
		return max(every, 100*time.Millisecond)
	}
	return time.Second
}

// checkpoint writes what a run has gathered so far, marked incomplete.
func checkpoint(dir, runID string, s *scenario.Scenario, scale float64, started time.Time, targets []*target) {
	sum := &summary.Summary{
		RunID: runID, Scenario: s.Name, Scale: scale, Complete: false,
		Started: started.UTC().Format(time.RFC3339), WallS: time.Since(started).Seconds(),
		Interrupted: fmt.Sprintf("checkpoint %.0f s into the run: loadgen had not finished when this was written", time.Since(started).Seconds()),
		Environment: ReadEnvironment(),
	}
	for _, t := range targets {
		rows := t.sampler.Rows()
		_ = atomicfile.Write(filepath.Join(dir, t.spec.Name+".timeline.csv"), func(w io.Writer) error {
			return sample.WriteCSV(w, rows)
		})
		sum.Targets = append(sum.Targets, t.summarize(s))
	}
	_ = summary.Write(filepath.Join(dir, "summary.json"), sum)
}

// makeRunDir creates results/<runID>, adding -2, -3… if it exists.
func makeRunDir(root, runID string) (string, error) {
	if root == "" {
		root = "results"
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("--out: %v", err)
	}
	for i := 1; i < 100; i++ {
		dir := filepath.Join(root, runID)
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) {
			return "", fmt.Errorf("--out: %v", err)
		}
	}
	return "", fmt.Errorf("--out: too many runs named %s", runID)
}

func startTargets(ctx context.Context, opt Options, s *scenario.Scenario) ([]*target, error) {
	targets := make([]*target, len(s.Targets))
	errs := make([]error, len(s.Targets))
	var wg sync.WaitGroup
	for i, spec := range s.Targets {
		targets[i] = &target{spec: spec}
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv, ext, err := startTarget(ctx, opt, s, spec)
			targets[i].server, targets[i].ext, errs[i] = srv, ext, err
		}()
	}
	wg.Wait()
	return targets, errors.Join(errs...)
}

func (t *target) prepare(ctx context.Context, dir string, s *scenario.Scenario, m *clientMetrics, shards int, loadgen string, offset time.Duration) error {
	t.binPath = filepath.Join(dir, t.spec.Name+".bin")
	name := t.spec.Name
	opt := attack.Options{
		Name: name, URL: t.server.URL, Requests: s.Requests, Interval: s.Interval(),
		Sleep: time.Duration(s.Sleep), CPU: time.Duration(s.CPU),
		Timeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
		KeepAlive: s.KeepAlive, OnSent: func() { m.sent(name) }, Offset: offset,
	}
	if shards > 1 {
		opt.Shards, opt.OnSent = shards, nil
		t.counters = &attack.Counters{}
		t.sharded = &shardedAttack{loadgen: loadgen, opt: opt, dir: dir, counters: t.counters}
	} else {
		f, err := os.Create(t.binPath + ".partial")
		if err != nil {
			return err
		}
		t.binFile = f
		t.binBuf = bufio.NewWriterSize(f, 256<<10)
		t.binEnc = vegeta.NewEncoder(t.binBuf)
		a, err := attack.New(ctx, opt, func(h attack.Hit) {
			m.ended(name, h)
			t.record(h)
		})
		if err != nil {
			return err
		}
		t.attack, t.counters = a, &a.Counters
	}
	metricsURL := ""
	if t.server.AdminURL != "" && !t.spec.AdminIgnored() {
		metricsURL = t.server.AdminURL + "/metrics"
	}
	t.sampler = &sample.Sampler{MetricsURL: metricsURL, HTTP: adminClient, Client: t.ext.sampling(func() (int64, int64, int64, int64) {
		c := t.counters
		return c.Sent.Load(), c.Inflight.Load(), c.OK.Load(), c.Errors.Load()
	})}
	return nil
}

// run sends the target's schedule, which starts at start.
func (t *target) run(ctx context.Context, start time.Time) {
	if t.sharded != nil {
		t.sharded.run(ctx, start)
		return
	}
	select {
	case <-time.After(time.Until(start)):
		t.attack.Run(ctx)
	case <-ctx.Done():
	}
}

func (t *target) record(h attack.Hit) {
	t.ext.record(h)
	stampConnect(&h)
	if t.binEnc != nil && t.encErr == nil {
		t.encErr = t.binEnc.Encode(h.Result)
		// Flush now and then, so a killed loadgen leaves a readable
		// .bin.partial that misses at most a second of results.
		if now := time.Now(); t.encErr == nil && now.Sub(t.flushed) > time.Second {
			t.encErr, t.flushed = t.binBuf.Flush(), now
		}
	}
	t.mu.Lock()
	t.hits = append(t.hits, hitRecord{outcome: h.Outcome, latency: h.Result.Latency,
		connect: h.Connect, dialed: h.Dialed, lateBy: h.Late, detail: attack.Detail(h.Outcome, h.Result)})
	t.mu.Unlock()
}

// finish closes the .bin (renaming it into place) and writes the timeline.
func (t *target) finish(dir string, s *scenario.Scenario, start time.Time, m *clientMetrics) error {
	var errs []error
	if t.sharded != nil {
		errs = append(errs, t.sharded.merge(t.binPath, func(r *vegeta.Result) {
			h := attack.Hit{Result: r, Outcome: attack.Classify(r), Scheduled: t.sharded.opt.Offset + time.Duration(r.Seq)*s.Interval()}
			if ms := r.Headers.Get(attack.ConnectHeader); ms != "" {
				v, _ := strconv.ParseFloat(ms, 64)
				h.Connect, h.Dialed = time.Duration(v*1e6), true
			}
			h.Late = r.Timestamp.Sub(start) - h.Scheduled
			m.ended(t.spec.Name, h)
			m.inflight.WithLabelValues(t.spec.Name).Inc() // ended() counts one down
			t.record(h)
		}))
	}
	if t.binFile != nil {
		errs = append(errs, t.encErr, t.binBuf.Flush(), t.binFile.Sync(), t.binFile.Close())
		if errors.Join(errs...) == nil {
			errs = append(errs, os.Rename(t.binPath+".partial", t.binPath))
		}
	}
	if t.sampler != nil {
		rows := t.ext.fill(t.sampler.Rows())
		errs = append(errs, t.ext.writeCSV(dir, t.spec.Name, rows))
		errs = append(errs, atomicfile.Write(filepath.Join(dir, t.spec.Name+".timeline.csv"), func(w io.Writer) error {
			return sample.WriteCSV(w, rows)
		}))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("target %s: %v", t.spec.Name, err)
	}
	return nil
}

func serveMetrics(addr string, m *clientMetrics) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// quantile of sorted xs by the nearest-rank method.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func sortedCopy(xs []float64) []float64 {
	c := append([]float64(nil), xs...)
	sort.Float64s(c)
	return c
}
