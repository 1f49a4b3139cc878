package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"

	labcontainer "github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/scenario"
)

// Where the loadgen container's volume is mounted, and what it holds.
const (
	inboxDir     = "/conclab"
	inDir        = "in"
	scenarioFile = "scenario.yaml"
	resultsDir   = "results"
)

// interruptGrace bounds how long loadgen in its container may take to
// write what it gathered once interrupted.
const interruptGrace = time.Minute

// Options are what a run on the engine needs.
type Options struct {
	// Scenario is the scenario as loadgen on the host read it (selected
	// and scaled), checked before anything is created.
	Scenario *scenario.Scenario
	// Source is the scenario file as given; loadgen in its container reads
	// it again with Args.
	Source []byte
	// Args are loadgen run's flags for the container (--scale, --only, ...),
	// besides the scenario, --services, --out and --run-id.
	Args []string
	// Image is the lab image; it must be on the engine, and with Workers
	// on every node of its swarm that a worker may run on.
	Image string
	// Workers, when above 0, deploys that many loadgen workers as a
	// service of the engine's swarm, which send a share of every schedule
	// each; loadgen in its container takes their results (--workers
	// remote:N).
	Workers int
	// WorkerConstraints are the workers' swarm placement constraints
	// (node.role==worker).
	WorkerConstraints []string
	// RunID names the run folder and labels the run's containers.
	RunID string
	// ResultsDir is where the run folder is copied to.
	ResultsDir string
	// Stdout and Stderr get loadgen's, and the engine's lines.
	Stdout, Stderr io.Writer
}

// Run runs the scenario on the engine that DOCKER_HOST names and returns
// loadgen's exit code in its container. err is a *BadInput when the run
// was refused before anything was created, else what failed on the
// engine. Whatever happens, the run's containers and network are removed.
func Run(ctx context.Context, opt Options) (code int, err error) {
	var check func(system.Info, string) error
	if opt.Workers > 0 {
		check = func(info system.Info, host string) error { return checkSwarm(info, host, opt.Workers) }
	}
	cli, st, cpus, err := openRun(ctx, runOpening{scenario: opt.Scenario, image: opt.Image, runID: opt.RunID,
		swarm: opt.Workers > 0, check: check, stderr: opt.Stderr})
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	defer func() {
		if rmErr := st.remove(ctx); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	return st.runLoadgen(ctx, opt, cpus)
}

// runOpening is what openRun needs of a run.
type runOpening struct {
	scenario *scenario.Scenario
	image    string
	runID    string
	swarm    bool                            // the stack's network is an overlay for a swarm's tasks
	check    func(system.Info, string) error // what else the engine must have; nil for nothing
	stderr   io.Writer                       // where the removal of leftovers is said
}

// openRun checks what a run needs (a scenario that runs in containers, an
// engine that answers with the image, the targets' CPUs, and o.check),
// removes what earlier runs left on the engine, creates the run's stack
// and starts its servers. It returns the connection, the stack and the
// CPUs of the driver's container; the caller removes the stack and closes
// the connection. err is a *BadInput when the run was refused before
// anything was created; on any error, what openRun made is gone.
func openRun(ctx context.Context, o runOpening) (cli *engineConn, st *stack, cpus float64, err error) {
	if err := Runnable(o.scenario); err != nil {
		return nil, nil, 0, err
	}
	cli, err = checkEngine(ctx, o.image, func(info system.Info, host string) (err error) {
		if cpus, err = checkCPUs(info, host, o.scenario); err != nil || o.check == nil {
			return err
		}
		return o.check(info, host)
	})
	if err != nil {
		return nil, nil, 0, err
	}
	defer func() {
		if err != nil {
			cli.Close()
		}
	}()
	if c, n, err := removeLeftovers(ctx, cli.Client); err != nil {
		return nil, nil, 0, err
	} else if c+n > 0 && o.stderr != nil {
		fmt.Fprintf(o.stderr, "loadgen: removed %d containers and %d networks that an earlier run left on the engine\n", c, n)
	}
	if st, err = newStack(ctx, cli.Client, o.runID, o.swarm); err != nil {
		return nil, nil, 0, err
	}
	if err := st.startServers(ctx, o.scenario, o.image); err != nil {
		return nil, nil, 0, errors.Join(err, st.remove(ctx))
	}
	return cli, st, cpus, nil
}

// checkCPUs refuses a target whose gomaxprocs asks for more CPUs than the
// engine has, and returns the CPUs loadgen's container gets.
func checkCPUs(info system.Info, host string, s *scenario.Scenario) (float64, error) {
	for _, t := range s.Targets {
		if t.GOMAXPROCS > info.NCPU {
			return 0, &BadInput{fmt.Sprintf("target %s: gomaxprocs %d asks for %d CPUs, and the engine at %s has %d",
				t.Name, t.GOMAXPROCS, t.GOMAXPROCS, host, info.NCPU)}
		}
	}
	return float64(min(labcontainer.LoadgenCPUs, info.NCPU)), nil
}

// startServers creates and starts a container of image per embedded
// target of s.
func (st *stack) startServers(ctx context.Context, s *scenario.Scenario, image string) error {
	for _, t := range s.Targets {
		id, err := st.create(ctx, image, serverBox(labcontainer.Of(s, t)))
		if err != nil {
			return err
		}
		if err := st.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
			return fmt.Errorf("start %s: %w", t.Name, err)
		}
	}
	return nil
}

// runLoadgen runs loadgen run --services in its container, its output
// streamed to opt's writers, and copies the run folder back.
func (st *stack) runLoadgen(ctx context.Context, opt Options, cpus float64) (int, error) {
	cmd := append([]string{"/bin/loadgen", "run", path.Join(inboxDir, inDir, scenarioFile), "--services",
		"--out", path.Join(inboxDir, resultsDir), "--run-id", opt.RunID}, opt.Args...)
	if opt.Workers > 0 {
		cmd = append(cmd, fmt.Sprintf("--workers=remote:%d", opt.Workers))
	}
	procs := "GOMAXPROCS=" + strconv.Itoa(labcontainer.LoadgenProcs(int(cpus), len(opt.Scenario.Targets)))
	id, err := st.create(ctx, opt.Image, box{name: loadgenName, cmd: cmd, somaxconn: labcontainer.DefaultSomaxconn,
		cpus: cpus, memory: loadgenMemory, volume: inboxDir, env: []string{procs}, role: loadgenName})
	if err != nil {
		return 0, err
	}
	for _, tree := range inbox(opt.Source) {
		files, err := tree.Tar(time.Now())
		if err != nil {
			return 0, fmt.Errorf("the scenario's archive: %w", err)
		}
		if err := st.cli.CopyToContainer(ctx, id, inboxDir, bytes.NewReader(files), container.CopyToContainerOptions{}); err != nil {
			return 0, fmt.Errorf("copy %s in: %w", tree.Top, err)
		}
	}
	if err := st.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return 0, fmt.Errorf("start loadgen: %w", err)
	}
	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLogs()
	logsDone := st.follow(logCtx, id, opt.Stdout, opt.Stderr)
	if opt.Workers > 0 {
		// loadgen waits for the workers at its hub, and ends the run
		// without those that never come.
		if err := st.startWorkers(ctx, opt); err != nil {
			_ = st.cli.ContainerKill(context.WithoutCancel(ctx), id, "SIGKILL")
			stopLogs()
			<-logsDone
			return 0, err
		}
		watched := make(chan struct{})
		go func() { defer close(watched); st.watchWorkers(logCtx, opt.Stderr) }()
		defer func() { stopLogs(); <-watched }()
	}
	code, err := st.wait(ctx, id, opt.Stderr)
	if err != nil {
		// The container may still run: its output would never end.
		_ = st.cli.ContainerKill(context.WithoutCancel(ctx), id, "SIGKILL")
		stopLogs()
	}
	<-logsDone
	if err != nil {
		return 0, err
	}
	return code, st.copyOut(ctx, id, opt)
}

// follow streams the container's output until it ends or ctx does.
func (st *stack) follow(ctx context.Context, id string, stdout, stderr io.Writer) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		logs, err := st.cli.ContainerLogs(ctx, id,
			container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: the container's output: %v\n", err)
			return
		}
		defer logs.Close()
		_, _ = stdcopy.StdCopy(stdout, stderr, logs)
	}()
	return done
}

// wait waits for the container to exit and returns its exit code. When ctx
// ends first (Ctrl-C), loadgen in the container gets SIGINT, and writes
// what it gathered, within interruptGrace.
func (st *stack) wait(ctx context.Context, id string, stderr io.Writer) (int, error) {
	bg := context.WithoutCancel(ctx)
	waitCh, errCh := st.cli.ContainerWait(bg, id, container.WaitConditionNotRunning)
	interrupted := ctx.Done()
	var deadline <-chan time.Time
	for {
		select {
		case res := <-waitCh:
			if res.Error != nil {
				return 0, fmt.Errorf("loadgen's container: %s", res.Error.Message)
			}
			return int(res.StatusCode), nil
		case err := <-errCh:
			return 0, fmt.Errorf("wait for loadgen's container: %w", err)
		case <-interrupted:
			interrupted = nil
			if err := st.cli.ContainerKill(bg, id, "SIGINT"); err != nil && !errdefs.IsConflict(err) {
				fmt.Fprintf(stderr, "loadgen: interrupt the container: %v\n", err)
			}
			deadline = time.After(interruptGrace)
		case <-deadline:
			return 0, fmt.Errorf("loadgen's container did not end within %s of the interrupt", interruptGrace)
		}
	}
}

// copyOut copies the run folder out of the container into opt.ResultsDir.
// A run that failed before it made its folder has none.
func (st *stack) copyOut(ctx context.Context, id string, opt Options) error {
	rc, _, err := st.cli.CopyFromContainer(context.WithoutCancel(ctx), id, path.Join(inboxDir, resultsDir, opt.RunID))
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("copy the run folder out: %w", err)
	}
	defer rc.Close()
	return extract(rc, opt.ResultsDir)
}
