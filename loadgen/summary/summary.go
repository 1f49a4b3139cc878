// Package summary is a run's summary.json: what each target did, at its
// peak and in the end, with the prediction beside it. Its keys are a
// contract with the dashboards and tests (docs/contracts.md); runfolder
// reads and writes it.
package summary

import (
	"github.com/conclab/conclab/loadgen/outcome"
)

// ExternalModel is the model column of a target that loadgen did not
// start and whose server reports no model.
const ExternalModel = "external"

// Summary is the whole run.
type Summary struct {
	RunID       string      `json:"run_id"`
	Scenario    string      `json:"scenario"`
	Scale       float64     `json:"scale"`
	Complete    bool        `json:"complete"`
	Started     string      `json:"started"`
	WallS       float64     `json:"wall_s"`
	Interrupted string      `json:"interrupted,omitempty"`
	Environment Environment `json:"environment"`
	Tolerance   *Tolerance  `json:"tolerance,omitempty"`
	Targets     []Target    `json:"targets"`
}

// Environment is the machine the run measured.
type Environment struct {
	Kernel            string `json:"kernel"`
	Somaxconn         int    `json:"somaxconn"`
	NoFile            uint64 `json:"nofile"`
	Go                string `json:"go"`
	CPUs              int    `json:"cpus"`
	SynRetries        int    `json:"tcp_syn_retries"`
	SynLinearTimeouts int    `json:"tcp_syn_linear_timeouts"`
	Hostname          string `json:"hostname,omitempty"`
}

// Target is one server under test.
type Target struct {
	Name            string                  `json:"name"`
	Model           string                  `json:"model"`
	URL             string                  `json:"url"`
	Config          map[string]any          `json:"config"`
	Sent            int                     `json:"sent"`
	Outcomes        map[outcome.Outcome]int `json:"outcomes"`
	Peak            Peak                    `json:"peak"`
	ListenOverflows float64                 `json:"listen_overflows"`
	SynRetried      int                     `json:"syn_retried"`
	Rejected        float64                 `json:"rejected_server"`
	Latency         Quantiles               `json:"latency_s"`
	Connect         ConnectQuantiles        `json:"connect_s"`
	Pacing          *Pacing                 `json:"pacing_ms,omitempty"`
	Predicted       *Predicted              `json:"predicted,omitempty"`
	Agrees          *bool                   `json:"agrees,omitempty"`
	Disagreements   []string                `json:"disagreements,omitempty"`
	Notes           []string                `json:"notes,omitempty"`
}

// Peak is the highest value of each gauge over the run's 1 Hz samples.
type Peak struct {
	Inflight       float64 `json:"inflight"`
	Queued         float64 `json:"queued"`
	AcceptQueue    float64 `json:"accept_queue"`
	Connections    float64 `json:"connections"`
	Goroutines     float64 `json:"goroutines"`
	RSSBytes       float64 `json:"rss_bytes"`
	ClientInflight float64 `json:"client_inflight"`
}

// Quantiles of a latency in seconds.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ConnectQuantiles of the TCP connect time in seconds.
type ConnectQuantiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Pacing is how far send times strayed from the schedule, in ms.
type Pacing struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Predicted is the simulation's view of the same target.
type Predicted struct {
	Inflight    int                     `json:"inflight"`
	Queued      int                     `json:"queued"`
	AcceptQueue int                     `json:"accept_queue"`
	OK          int                     `json:"ok"`
	SynRetried  int                     `json:"syn_retried"`
	Outcomes    map[outcome.Outcome]int `json:"outcomes"`
}

// Tolerance is how close measured and predicted must be to agree.
type Tolerance struct {
	Relative float64 `json:"relative"`
	Absolute float64 `json:"absolute"`
	Note     string  `json:"note"`
}
