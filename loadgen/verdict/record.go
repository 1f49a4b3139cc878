package verdict

import (
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/loadgen/predict"
)

// RecordVersion is the form of Record that this loadgen writes and reads.
const RecordVersion = 1

// Record is what a run keeps of a target beyond its other files so that
// its verdict can be made again later (loadgen judge): what the server
// said of itself and the kernel the prediction took, how often its gauges
// were sampled, and what the run measured of each request and gauge. With
// the run's resolved scenario and summary.json, it is all a Case needs.
// The limits are not kept but worked out again from Config, so that a
// later build reads an old run with its own catalogue.
type Record struct {
	Version int `json:"version"`
	// Config is the server's /config as the run read it.
	Config *adminapi.Config `json:"config"`
	Kernel predict.Kernel   `json:"kernel"`
	// SamplePeriod is how often the gauges were sampled; the central
	// prediction's series and the band are cut at it.
	SamplePeriod time.Duration `json:"sample_period_ns"`
	// Replicas is how many perturbed simulations the ranges came from.
	Replicas int        `json:"replicas"`
	Requests []Measured `json:"requests"`
	Samples  []Sample   `json:"samples"`
}
