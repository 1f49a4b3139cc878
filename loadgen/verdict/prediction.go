package verdict

import (
	"maps"
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// Seed seeds every replica set, so that a run folder's ranges can be
// worked out again exactly.
const Seed = 17

// Input is the simulation's input for one target of the scenario, sent
// the schedule sc, whose gauges are sampled every samplePeriod (0: once a
// second). It replays sc's very arrivals and works.
func Input(s *scenario.Scenario, sc *workload.Schedule, limits predict.Limits, k predict.Kernel, samplePeriod time.Duration) predict.Input {
	in := predict.Input{
		Arrivals: slices.Clone(sc.Send), Limits: limits, Kernel: k, SamplePeriod: samplePeriod,
		ClientTimeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
	}
	switch {
	case sc.Len() == 0:
	case sc.Steady():
		in.Service = sc.Work(0)
	default:
		in.Work = sc.Works()
	}
	return in
}

// Predict simulates one target of the scenario: the central prediction.
func Predict(s *scenario.Scenario, sc *workload.Schedule, limits predict.Limits, k predict.Kernel) (predict.Result, error) {
	return predict.Simulate(Input(s, sc, limits, k, 0))
}

// Predicted condenses a simulation of the scenario for summary.json.
func Predicted(sc *workload.Schedule, r predict.Result) *summary.Predicted {
	var okLat []float64
	for _, d := range r.OKLatencies() {
		okLat = append(okLat, d.Seconds())
	}
	return &summary.Predicted{
		Inflight: r.Peak.Inflight, Queued: r.Peak.Queued, AcceptQueue: r.Peak.AcceptQueue,
		OK: r.Outcomes[outcome.OK], SynRetried: r.SynRetried, Outcomes: maps.Clone(r.Outcomes),
		OKLatency:   summary.QuantilesOf(okLat),
		GoodputPerS: summary.Goodput(r.Outcomes[outcome.OK], len(r.Requests), sc.MeanGap()),
		WastedWorkS: r.WastedWork.Seconds(),
	}
}
