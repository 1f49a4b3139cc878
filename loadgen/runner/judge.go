package runner

import (
	"cmp"
	"errors"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// judge replicates the target's prediction, perturbed as the run
// measured, judges the measurement against it, and writes the band of its
// gauges beside its timeline and the record that loadgen judge can judge
// it again from.
func (t *target) judge(r *run, st *summary.Target, softnetDropped float64) error {
	c := verdict.Case{Scenario: r.s, Schedule: r.sched, Target: t.spec, Limits: t.limits, KernelSpread: r.kernelSpread,
		SoftnetDropped: softnetDropped, Record: verdict.Record{Version: verdict.RecordVersion, Config: t.config, Kernel: r.kernel,
			SamplePeriod: r.samplePeriod(), Replicas: cmp.Or(r.opt.Replicas, predict.DefaultReplicas),
			Requests: t.measured(), Samples: t.samples(r.started)}}
	reps, err := c.Judge(st, *t.predicted)
	if err != nil {
		return err
	}
	return errors.Join(r.folder.WriteBand(t.spec.Name, reps.Band), r.folder.WriteRecord(t.spec.Name, c.Record))
}

// measured is what the run measured of each request, for the verdict.
func (t *target) measured() []verdict.Measured {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]verdict.Measured, len(t.hits))
	for i, h := range t.hits {
		out[i] = verdict.Measured{Seq: h.seq, Scheduled: h.scheduled, Late: h.lateBy, Outcome: h.outcome, Latency: h.latency,
			Connect: h.connect, Syn: h.syn, Dialed: h.dialed, Served: h.served, ToGate: h.toGate, ToAccept: h.toAccept, CloseHold: h.closeHold, SlotFreed: h.slotFreed, Left: h.left, StartedLeft: h.startedLeft, Stopped: h.stopped,
			AnswerDelay: h.answer, Refused: h.refused, Decided: h.decided,
			RefusalDecided: h.refusalDecided}
	}
	return out
}

// scheduleShift is how long after the run's start (started) a schedule
// with this offset began, whose attack began at zero (attack.Zero; the
// zero time where unknown): the offset, plus how late the attack began.
func scheduleShift(offset time.Duration, zero, started time.Time) time.Duration {
	if zero.IsZero() || !zero.After(started) {
		return offset
	}
	return offset + zero.Sub(started)
}

// rows are the target's samples so far, with the kernel side's figures
// filled in for a target measured from the kernel side; nil without a
// sampler.
func (t *target) rows() []sample.Row {
	if t.sampler == nil {
		return nil
	}
	return t.side.Fill(t.sampler.Rows())
}

// samples are the target's sampled gauges, timed from its schedule's
// start rather than the run's (started), with the requests a rebuilt
// timeline cannot place; nil without a sampler. The schedule starts at
// its offset after the instant its attack began (attack.Zero), which
// comes a timer's lateness after started: counted from started plus the
// offset alone, the samples of burst-after-deploy runs (2026-12-07) lay
// 0.5 to 1.5 ms after the instants whose requests in flight they counted,
// by the shift that made the fewest of them differ from the record's.
// Where workers send the schedule, each has its own zero, and the
// samples count from started plus the offset.
func (t *target) samples(started time.Time) []verdict.Sample {
	if t.sampler == nil {
		return nil
	}
	var zero time.Time
	if t.attack != nil {
		zero = t.attack.Zero()
	}
	shift := scheduleShift(t.offset, zero, started)
	rows, undetermined := t.side.FillWithUndetermined(t.sampler.Rows())
	out := make([]verdict.Sample, len(rows))
	for i, row := range rows {
		out[i] = verdict.Sample{T: row.T - shift, Inflight: row.Inflight, Queued: row.Queued,
			AcceptQueue: row.AcceptQueue, ClientInflight: row.ClientInflight}
		if row.Scraped > 0 {
			out[i].Scraped = row.Scraped - shift
		}
		if i < len(undetermined) {
			out[i].Undetermined = float64(undetermined[i])
		}
	}
	return out
}
