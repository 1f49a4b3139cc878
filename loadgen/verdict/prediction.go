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
		Arrivals: slices.Clone(sc.Send), Users: sc.Users, Limits: limits, Kernel: k, SamplePeriod: samplePeriod,
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

// Goodput is ok answers per second of the schedule sc, of which ok
// requests ended ok and the last ended at end (from the schedule's
// start): an open schedule's over its span, closed users' over the time
// they took.
func Goodput(sc *workload.Schedule, ok int, end time.Duration) float64 {
	if sc.Closed() {
		return summary.GoodputOver(ok, end)
	}
	return summary.Goodput(ok, sc.Len(), sc.MeanGap())
}

// SendRate is the requests per second that the schedule sc sends: what
// an open schedule offers, or for closed users what the central
// prediction has them send, every request over the time to the last send.
func SendRate(sc *workload.Schedule, central predict.Result) float64 {
	if !sc.Closed() {
		return sc.OfferedRate()
	}
	last := central.LastSend()
	if last <= 0 {
		return 0
	}
	return float64(len(central.Requests)) / last.Seconds()
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
		GoodputPerS: Goodput(sc, r.Outcomes[outcome.OK], r.End),
		WastedWorkS: r.WastedWork.Seconds(),
	}
}
