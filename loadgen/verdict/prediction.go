package verdict

import (
	"maps"
	"time"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// Predict simulates one target of the scenario.
func Predict(s *scenario.Scenario, limits predict.Limits, k predict.Kernel) (predict.Result, error) {
	arrivals := make([]time.Duration, s.Requests)
	for i := range arrivals {
		arrivals[i] = time.Duration(i) * s.Interval()
	}
	return predict.Simulate(predict.Input{
		Arrivals: arrivals, Service: time.Duration(s.Sleep) + time.Duration(s.CPU),
		Limits: limits, Kernel: k,
		ClientTimeout: time.Duration(s.Timeout), ConnectTimeout: time.Duration(s.ConnectTimeout),
	})
}

// Predicted condenses a simulation for summary.json.
func Predicted(r predict.Result) *summary.Predicted {
	return &summary.Predicted{
		Inflight: r.Peak.Inflight, Queued: r.Peak.Queued, AcceptQueue: r.Peak.AcceptQueue,
		OK: r.Outcomes[outcome.OK], SynRetried: r.SynRetried, Outcomes: maps.Clone(r.Outcomes),
	}
}
