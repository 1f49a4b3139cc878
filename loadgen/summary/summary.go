// Package summary is a run's summary.json: what each target did, at its
// peak and in the end, with the prediction beside it. Its keys are a
// contract with the dashboards and tests (docs/contracts.md); runfolder
// reads and writes it.
package summary

import (
	"strings"

	"github.com/conclab/conclab/loadgen/outcome"
)

// NoPredictionNote starts the note a run leaves on a target it could not
// predict, and so did not judge; the rest of the note says why.
const NoPredictionNote = "no prediction: "

// ExternalModel is the model column of a target that loadgen did not
// start and whose server reports no model.
const ExternalModel = "external"

// Summary is the whole run.
type Summary struct {
	RunID    string  `json:"run_id"`
	Scenario string  `json:"scenario"`
	Scale    float64 `json:"scale"`
	// Seed drew the schedule's random parts (Poisson arrivals, drawn
	// work); absent when it has none. The run's scenario.yaml holds it
	// too, so that the run can be repeated exactly.
	Seed        *uint64     `json:"seed,omitempty"`
	Complete    bool        `json:"complete"`
	Started     string      `json:"started"`
	WallS       float64     `json:"wall_s"`
	Interrupted string      `json:"interrupted,omitempty"`
	Environment Environment `json:"environment"`
	Tolerance   *Tolerance  `json:"tolerance,omitempty"`
	Targets     []Target    `json:"targets"`
	// Skipped are the scenario's targets that did not run because what
	// their command needs is missing here (a target's requires:).
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Skipped is a target left out of the run, and why.
type Skipped struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// Environment is the machine the run measured.
type Environment struct {
	Kernel    string `json:"kernel"`
	Somaxconn int    `json:"somaxconn"`
	NoFile    uint64 `json:"nofile"`
	Go        string `json:"go"`
	CPUs      int    `json:"cpus"`
	// SynRetries and SynLinearTimeouts are Linux's SYN sysctls: absent
	// on an OS without them (Linux's tcp_syn_retries is at least 1), and
	// the second also when 0, which it is before Linux 6.5.
	SynRetries        int    `json:"tcp_syn_retries,omitempty"`
	SynLinearTimeouts int    `json:"tcp_syn_linear_timeouts,omitempty"`
	Hostname          string `json:"hostname,omitempty"`
	// KernelView says what this OS shows of the kernel side of a server:
	// "full: …" on Linux, "partial: …" on macOS, "unavailable: …"
	// elsewhere (docs/macos.md). A figure the view lacks is null here and
	// "-" in the table, never 0.
	KernelView string `json:"kernel_view,omitempty"`
	// ListenOverflows is the growth of TcpExt ListenOverflows in loadgen's
	// own network namespace over the run: host-wide, shared by every
	// target that runs in that namespace (on macOS, netstat's listen queue
	// overflows). Absent when it could not be read.
	ListenOverflows *float64 `json:"listen_overflows,omitempty"`
	// SoftnetDropped is how many packets the kernel dropped over the run
	// because a CPU's input backlog was full (/proc/net/softnet_stat):
	// host-wide. Loopback packets can be lost there, which the prediction
	// does not model. Absent where it could not be read (off Linux).
	SoftnetDropped *float64 `json:"softnet_dropped,omitempty"`
	// Steal is the share of the machine's CPU time that its hypervisor
	// took over the run (/proc/stat's steal), from 0 to 1: every process
	// on a virtual machine stalls at once meanwhile, the servers and
	// loadgen alike. The prediction does not model steal; it reaches the
	// replicas only through the measured timings they draw from. Absent
	// where it could not be read (off Linux).
	Steal *float64 `json:"steal,omitempty"`
	// KernelCalibration is the SYN retransmission schedule and the kernel
	// timings the prediction used.
	KernelCalibration *KernelCalibration `json:"kernel_calibration,omitempty"`
}

// SomaxconnName is the name of Somaxconn on the OS the run measured:
// kern.ipc.somaxconn on macOS (Kernel "Darwin …"), net.core.somaxconn
// otherwise.
func (e Environment) SomaxconnName() string {
	if strings.HasPrefix(e.Kernel, "Darwin ") {
		return "kern.ipc.somaxconn"
	}
	return "net.core.somaxconn"
}

// KernelCalibration is what the calibration probe measured of this
// kernel's timings, or the nominal values it stood in for
// (docs/verdict.md#kernel-calibration).
type KernelCalibration struct {
	// RetransmitsS is the offset of each SYN retransmission from the first
	// SYN, in seconds: the median over the probe's connects.
	RetransmitsS []float64 `json:"retransmits_s"`
	// RetransmitSpreadS is, for each retransmission, the earliest and the
	// latest offset the probe saw.
	RetransmitSpreadS [][2]float64 `json:"retransmit_spread_s"`
	// GiveUpS is when connect(2) gave up with ETIMEDOUT.
	GiveUpS float64 `json:"give_up_s"`
	// Measured is how many leading entries of RetransmitsS were measured;
	// the rest are nominal, shifted by the last measured lateness.
	Measured int `json:"measured"`
	// AcceptDelayS is the delay between a completed handshake and the
	// return of a waiting accept(2): [median, max] over the probe.
	AcceptDelayS [2]float64 `json:"accept_delay_s"`
	// TimerHZ is the kernel's timer frequency (CONFIG_HZ), whose jiffies
	// the timer wheel that fires SYN retransmissions counts in; 0 when
	// unknown.
	TimerHZ int `json:"timer_hz,omitempty"`
	// SleepOvershootS is how much longer than asked a 1 ms sleep lasts:
	// [median, max], the timer granularity a handler's sleep sees.
	SleepOvershootS [2]float64 `json:"sleep_overshoot_s"`
	MeasuredAt      string     `json:"measured_at"`
	// Source is "probe" (measured by this run), "cache" (measured earlier
	// on this kernel release with these sysctls) or "nominal".
	Source string `json:"source"`
	// Why says why the source is what it is: the cache file, or why the
	// probe could not run.
	Why string `json:"why,omitempty"`
	// Key names the kernel release and the sysctl values the measurement
	// holds for.
	Key string `json:"key"`
}

// Target is one server under test.
type Target struct {
	Name   string         `json:"name"`
	Model  string         `json:"model"`
	URL    string         `json:"url"`
	Config map[string]any `json:"config"`
	Sent   int            `json:"sent"`
	// Lost is how many of the schedule's requests have no result because
	// the worker elsewhere that was to send them was lost (never joined,
	// or stopped reporting); a note per worker says why. Such a run is not
	// complete.
	Lost     int                     `json:"lost,omitempty"`
	Outcomes map[outcome.Outcome]int `json:"outcomes"`
	Peak     Peak                    `json:"peak"`
	// ListenOverflows is the growth of the listen overflow counter of
	// the target's server over the run; absent when no sample carried it.
	ListenOverflows *float64 `json:"listen_overflows,omitempty"`
	// ListenOverflowsScope says whose counter ListenOverflows is: "host"
	// when the target's server shares loadgen's network namespace (so the
	// figure is every such target's), "own" when it has its own.
	ListenOverflowsScope string    `json:"listen_overflows_scope,omitempty"`
	SynRetried           int       `json:"syn_retried"`
	Rejected             float64   `json:"rejected_server"`
	Latency              Quantiles `json:"latency_s"`
	// OKLatency is the latency of the ok requests alone.
	OKLatency Quantiles `json:"ok_latency_s"`
	// GoodputPerS is the ok answers per second of the schedule: ok ×
	// rate ÷ requests; for closed users, ok ÷ the time from the first
	// send to the last request's end.
	GoodputPerS float64 `json:"goodput_per_s"`
	// WastedWorkS is the handler work, in seconds, that the server did
	// for requests whose client had left before their answer
	// (conclab_wasted_work_seconds_total's growth over the run); absent
	// when the server does not report it.
	WastedWorkS   *float64              `json:"wasted_work_s,omitempty"`
	Connect       ConnectQuantiles      `json:"connect_s"`
	Pacing        *Pacing               `json:"pacing_ms,omitempty"`
	Predicted     *Predicted            `json:"predicted,omitempty"`
	Agrees        *bool                 `json:"agrees,omitempty"`
	Disagreements []string              `json:"disagreements,omitempty"`
	RequestsAgree *RequestsAgree        `json:"requests_agree,omitempty"`
	TimelineAgree map[string]GaugeAgree `json:"timeline_agree,omitempty"`
	// TimelineOutsideAllowed is how many samples, over every gauge, may
	// lie outside the band: as many as a replica itself has outside it, at
	// the 99th percentile over the replicas. nil without a timeline
	// compared, or in a summary from before it was allowed.
	TimelineOutsideAllowed *int     `json:"timeline_outside_allowed,omitempty"`
	Notes                  []string `json:"notes,omitempty"`
	// Stages are the figures of each stage of a staged schedule; absent
	// without stages.
	Stages []Stage `json:"stages,omitempty"`
}

// Stage is what became of the requests that one stage of the schedule
// sent: those due from StartS up to EndS (the last stage's end included),
// bursts among them.
type Stage struct {
	StartS   float64 `json:"start_s"`
	EndS     float64 `json:"end_s"`
	FromPerS float64 `json:"from_per_s"`
	ToPerS   float64 `json:"to_per_s"`
	Sent     int     `json:"sent"`
	// Outcomes are measured, Predicted the central prediction's, of the
	// same requests.
	Outcomes  map[outcome.Outcome]int `json:"outcomes"`
	Predicted map[outcome.Outcome]int `json:"predicted_outcomes,omitempty"`
	// GoodputPerS is the stage's ok answers over its duration.
	GoodputPerS float64   `json:"goodput_per_s"`
	OKLatency   Quantiles `json:"ok_latency_s"`
}

// Peak is the highest value of each gauge over the run's 1 Hz samples.
//
// A figure that no sample carried is NaN, written as null: the kernel's
// accept queue where the OS does not show it (Environment.KernelView).
type Peak struct {
	Inflight       float64 `json:"inflight"`
	Queued         float64 `json:"queued"`
	AcceptQueue    float64 `json:"accept_queue"`
	Connections    float64 `json:"connections"`
	Goroutines     float64 `json:"goroutines"`
	RSSBytes       float64 `json:"rss_bytes"`
	ClientInflight float64 `json:"client_inflight"`
	// SynQueue is the listener's request sockets
	// (conclab_syn_queue_length), which the server counts at most once a
	// second; NaN off Linux, and in summaries written before it existed.
	SynQueue float64 `json:"syn_queue"`
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
	OKLatency   Quantiles               `json:"ok_latency_s"`
	GoodputPerS float64                 `json:"goodput_per_s"`
	WastedWorkS float64                 `json:"wasted_work_s"`
	// Range is each compared figure's predicted range over the replicas:
	// its 1st and 99th percentiles (docs/verdict.md).
	Range map[string][2]int `json:"range,omitempty"`
	// RangeS is the predicted range of each compared figure in seconds
	// (ok latency, wasted work), as Range is of the counts.
	RangeS map[string][2]float64 `json:"range_s,omitempty"`
	// Rank is, for each compared count (ok, rejected, timeout,
	// syn_retried), the share of the replicas whose value lies below the
	// measured one, those equal to it counted half: where the run lies
	// among its replicas. Over many runs of an exact model the ranks
	// spread evenly over 0 to 1, but for a count the replicas mostly tie
	// on (0.5 when every replica has the run's value); 0 and 1 lie
	// beyond every replica.
	Rank map[string]float64 `json:"rank,omitempty"`
	// SamplingMiss is, for each peak figure, how far below the exact peak
	// a sampled peak may lie: the gauge may hold its peak for less than
	// one sampling period.
	SamplingMiss map[string]int `json:"sampling_miss,omitempty"`
	// Replicas is how many perturbed simulations the ranges come from.
	Replicas int `json:"replicas,omitempty"`
	// ReplicasDisagreeing is how many of those replicas the verdict's
	// rule, applied to each as to a run, finds disagreeing with the
	// rest: how often a run of a model that were exact would be judged
	// so. nil in a summary from before it was counted.
	ReplicasDisagreeing *ReplicasDisagreeing `json:"replicas_disagreeing,omitempty"`
}

// ReplicasDisagreeing counts the replicas that the verdict's rule finds
// disagreeing with the other replicas, by part of the rule: a figure
// outside the others' range, more requests ended in a way no other
// replica ends them than the others allow, more samples outside the
// others' band than they allow. Any counts those with at least one.
type ReplicasDisagreeing struct {
	Figures  int `json:"figures"`
	Requests int `json:"requests"`
	Timeline int `json:"timeline"`
	Any      int `json:"any"`
}

// RequestsAgree compares each request's predicted outcome with its
// measured one (by its place in the schedule, vegeta's seq).
type RequestsAgree struct {
	Same   int `json:"same"`
	Differ int `json:"differ"`
	// Allowance is how many requests the replicas themselves disagree on:
	// more than one outcome class occurs among them.
	Allowance int `json:"allowance"`
	// Uncovered is how many of the differing requests no replica ends
	// the measured way, and UncoveredAllowed how many a replica itself
	// has that no other replica ends its way (the 99th percentile over
	// the replicas). The comparison holds when Uncovered is at most
	// UncoveredAllowed.
	Uncovered        int `json:"uncovered"`
	UncoveredAllowed int `json:"uncovered_allowed"`
	// Matrix counts requests by predicted outcome, then measured outcome.
	Matrix map[outcome.Outcome]map[outcome.Outcome]int `json:"matrix"`
	// Differing lists the first requests whose measured outcome class
	// differs from the predicted one: those that no replica ends the
	// measured way first, in schedule order, then the others.
	Differing []DifferingRequest `json:"differing,omitempty"`
}

// DifferingRequest is one request that ended other than predicted.
type DifferingRequest struct {
	Seq       int             `json:"seq"`
	SentS     float64         `json:"sent_s"`
	Predicted outcome.Outcome `json:"predicted"`
	Measured  outcome.Outcome `json:"measured"`
	// Met says what the request met: in the prediction, and as measured.
	Met string `json:"met"`
	// Covered is true when some replicas end it the measured way.
	Covered bool `json:"covered"`
}

// GaugeAgree compares one gauge's measured timeline with the predicted
// band, allowing one sampling period either way in time.
type GaugeAgree struct {
	InsideFraction float64 `json:"inside_fraction"`
	Samples        int     `json:"samples"`
	// WorstAtS is when the sample furthest outside the band was taken,
	// and WorstBy how far outside it was (positive above the band).
	WorstAtS float64 `json:"worst_at_s"`
	WorstBy  float64 `json:"worst_by"`
}

// Tolerance is how close measured and predicted must be to agree.
type Tolerance struct {
	Relative float64 `json:"relative"`
	Absolute float64 `json:"absolute"`
	Note     string  `json:"note"`
}
