package verdict

import (
	"maps"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// Seed seeds every replica set, so that a run folder's ranges can be
// worked out again exactly.
const Seed = 17

// Arrivals is the scenario's schedule: each request's send time from the
// target's start.
func Arrivals(s *scenario.Scenario) []time.Duration {
	arrivals := make([]time.Duration, s.Requests)
	for i := range arrivals {
		arrivals[i] = time.Duration(i) * s.Interval()
	}
	return arrivals
}

// Input is the simulation's input for one target of the scenario, whose
// gauges are sampled every samplePeriod (0: once a second).
func Input(s *scenario.Scenario, limits predict.Limits, k predict.Kernel, samplePeriod time.Duration) predict.Input {
	return predict.Input{
		Arrivals: Arrivals(s), Service: time.Duration(s.Sleep) + time.Duration(s.CPU),
		Limits: limits, Kernel: k, SamplePeriod: samplePeriod,
		ClientTimeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
	}
}

// Predict simulates one target of the scenario: the central prediction.
func Predict(s *scenario.Scenario, limits predict.Limits, k predict.Kernel) (predict.Result, error) {
	return predict.Simulate(Input(s, limits, k, 0))
}

// Predicted condenses a simulation of the scenario for summary.json.
func Predicted(s *scenario.Scenario, r predict.Result) *summary.Predicted {
	var okLat []float64
	for _, d := range r.OKLatencies() {
		okLat = append(okLat, d.Seconds())
	}
	return &summary.Predicted{
		Inflight: r.Peak.Inflight, Queued: r.Peak.Queued, AcceptQueue: r.Peak.AcceptQueue,
		OK: r.Outcomes[outcome.OK], SynRetried: r.SynRetried, Outcomes: maps.Clone(r.Outcomes),
		OKLatency:   summary.QuantilesOf(okLat),
		GoodputPerS: summary.Goodput(r.Outcomes[outcome.OK], len(r.Requests), s.Interval()),
		WastedWorkS: r.WastedWork.Seconds(),
	}
}
