package runner

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/progress"
)

// attackAndSample sends every target's schedule at once, samples them all,
// shows progress, and writes a checkpoint now and then, until every
// request has ended or ctx is done.
func (r *run) attackAndSample(ctx context.Context) {
	r.started = time.Now()
	switch {
	case r.hub != nil:
		r.started = r.started.Add(remoteStartIn)
	case r.plan.Total() > 0:
		r.started = r.started.Add(workersStartIn)
	}
	if c, err := sysinfo.ReadListenCounters(); err == nil {
		r.overflowsAtStart = &c
	}
	r.softnetAtStart = -1
	if d, err := sysinfo.SoftnetDropped(); err == nil {
		r.softnetAtStart = int64(d)
	}
	if c, err := sysinfo.ReadCPUTimes(); err == nil {
		r.cpuAtStart = &c
	}
	stopSampling := r.sample()
	display := progress.Start(r.opt.Progress, r.opt.TTY, r.progressRun())
	stopCheckpoints := r.checkpoints(display)
	restoreGC := attack.PauseGC()
	defer restoreGC()
	var attacks sync.WaitGroup
	for _, t := range r.targets {
		attacks.Go(func() { t.send(ctx, r.started) })
	}
	attacks.Wait()
	stopCheckpoints()
	stopSampling()
	display.Stop()
}

// sample starts every target's sampler and returns the function that
// stops them all and waits.
func (r *run) sample() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var samplers sync.WaitGroup
	every := r.samplePeriod()
	for i, t := range r.targets {
		// Spread the scrapes over the period, half a slot after the
		// targets' staggered sends, so sampling never piles up on a send.
		phase := (time.Duration(2*i+1) * every) / time.Duration(2*len(r.targets))
		samplers.Go(func() {
			time.Sleep(time.Until(r.started.Add(phase)))
			t.sampler.Run(ctx, r.started)
		})
	}
	return func() { cancel(); samplers.Wait() }
}

// checkpoints writes what the run has gathered every checkpoint period,
// so that the folder stays readable should loadgen itself be killed. The
// first checkpoint that cannot be written is shown at once (a full disk
// should not show only at the end of a long run); the run goes on. It
// returns the function that stops them.
func (r *run) checkpoints(display *progress.Display) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(cmp.Or(r.opt.CheckpointEvery, checkpointEvery))
		defer tick.Stop()
		warned := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := r.checkpoint(); err != nil && !warned {
					warned = true
					display.Warn(fmt.Sprintf("loadgen: the checkpoint %.0f s into the run was not written, the run goes on: %v",
						time.Since(r.started).Seconds(), err))
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// progressRun is the run as the progress display sees it. It expects the
// prediction's end, or else the last send plus the handler's work.
func (r *run) progressRun() progress.Run {
	pr := progress.Run{Requests: r.sched.Len(), Started: r.started,
		Expected: r.sched.LastSend() + r.sched.MaxWork()}
	var end time.Duration
	for _, t := range r.targets {
		if t.predicted != nil {
			end = max(end, t.predicted.End)
		}
		pr.Targets = append(pr.Targets, progress.Target{Name: t.spec.Name, Counters: t.counters, Last: t.sampler.Last})
	}
	if end > 0 {
		pr.Expected = end
	}
	return pr
}
