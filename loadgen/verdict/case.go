package verdict

import (
	"cmp"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// Case is everything a target's verdict is made from: the run's scenario
// and schedule, the target, what the run recorded of it, and the host's
// part. A run judges each target through it as it ends, and loadgen judge
// builds it again from a run folder, so both judge alike.
type Case struct {
	Scenario *scenario.Scenario
	Schedule *workload.Schedule
	Target   scenario.Target
	// Limits are the server's, as LimitsFromConfig works them out from
	// the record's Config.
	Limits predict.Limits
	Record Record
	// KernelSpread is the kernel's perturbations (KernelSpread).
	KernelSpread predict.Spread
	// SoftnetDropped is how many packets the host dropped at full CPU
	// input backlogs during the run.
	SoftnetDropped float64
}

// Central is the target's central prediction: the schedule simulated
// against the limits and the recorded kernel, cut at the sample period.
func (c Case) Central() (predict.Result, error) {
	return predict.Simulate(Input(c.Scenario, c.Schedule, c.Limits, c.Record.Kernel, c.Record.SamplePeriod))
}

// Judge replicates the central prediction, perturbed as the run
// measured, and judges the measurement st against it (Judge). It returns
// the replicas, whose band goes beside the target's timeline.
func (c Case) Judge(st *summary.Target, central predict.Result) (predict.Replicas, error) {
	sc, rec := c.Schedule, c.Record
	kernel := c.KernelSpread
	// labserver's work without cpu is a Go timer's sleep.
	kernel.SleepTimers = !slices.ContainsFunc(sc.CPU, func(d time.Duration) bool { return d > 0 }) &&
		slices.ContainsFunc(sc.Sleep, func(d time.Duration) bool { return d > 0 }) && !c.Target.External()
	spread := RunSpread(central, sc.Work, time.Duration(c.Scenario.Timeout), SendRate(sc, central), rec.Requests,
		rec.Samples, kernel)
	spread.QueueTimeoutLate, spread.QueueTimeoutAt, spread.QueueTimeoutStep, spread.QueueTimeoutStepAt =
		QueueTimeoutsLate(rec.Requests, c.Limits)
	in := Input(c.Scenario, sc, c.Limits, rec.Kernel, rec.SamplePeriod)
	in.Reads = Reads(rec.Samples)
	reps, err := predict.Replicate(in, spread, predict.ReplicaOptions{
		N: cmp.Or(rec.Replicas, predict.DefaultReplicas), Seed: Seed, BandStep: rec.SamplePeriod})
	if err != nil {
		return predict.Replicas{}, err
	}
	Judge(st, Evidence{Central: central, Replicas: reps, BandStep: rec.SamplePeriod, Requests: rec.Requests,
		Timeline: rec.Samples, SamplePeriod: rec.SamplePeriod, SoftnetDropped: c.SoftnetDropped, Users: sc.Users})
	return reps, nil
}
