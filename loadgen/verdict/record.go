package verdict

import (
	"time"

	"github.com/conclab/conclab/loadgen/predict"
)

// Record is what a run keeps of a target beyond its other files so that
// its verdict can be made again later (loadgen judge): the limits and the
// kernel its prediction took, how often its gauges were sampled, and what
// the run measured of each request and gauge. With the run's resolved
// scenario and summary.json, it is all a Case needs.
type Record struct {
	Limits predict.Limits `json:"limits"`
	Kernel predict.Kernel `json:"kernel"`
	// SamplePeriod is how often the gauges were sampled; the central
	// prediction's series and the band are cut at it.
	SamplePeriod time.Duration `json:"sample_period_ns"`
	// Replicas is how many perturbed simulations the ranges came from.
	Replicas int        `json:"replicas"`
	Requests []Measured `json:"requests"`
	Samples  []Sample   `json:"samples"`
}
