package hub

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The hub's paths. Every request names the worker by its slot, 1 to
// Workers (a swarm task's slot), as ?slot=K.
const (
	// PathAssignment answers with the worker's Assignment as JSON, or 503
	// while the run is not yet ready to hand them out.
	PathAssignment = "/hub/assignment"
	// PathStream takes the worker's results: a POST whose body is a gob
	// stream of frames, open for the whole attack.
	PathStream = "/hub/stream"
	// PathStart answers, once the run has agreed on its start, with a
	// Start as JSON.
	PathStart = "/hub/start"
)

// SlotEnv is the environment variable a worker reads its slot from when
// it is not given one: a swarm service sets it to {{.Task.Slot}}.
const SlotEnv = "CONCLAB_WORKER_SLOT"

// Assignment is what a worker sends: shard Shard of Workers of every
// target's schedule.
type Assignment struct {
	Workers int `json:"workers"`
	Shard   int `json:"shard"` // the slot less one
	// Scenario is the run's resolved scenario.yaml, scale applied: the
	// worker draws the very schedule the coordinator predicted.
	Scenario string           `json:"scenario"`
	Targets  []AssignedTarget `json:"targets"`
	// StatusEvery is how often the worker sends its counters.
	StatusEvery time.Duration `json:"status_every_ns"`
}

// AssignedTarget is one target as the worker attacks it.
type AssignedTarget struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Offset delays the target's schedule after the run's start.
	Offset time.Duration `json:"offset_ns"`
}

// Start is the instant every worker starts at. In passes over networks
// whose clocks differ: a worker starts In after it read the answer, and
// writes its results' timestamps on the coordinator's clock, as offsets
// from At.
type Start struct {
	In time.Duration `json:"in_ns"`
	At time.Time     `json:"at"`
}

// frame is one message of a worker's stream: the first says the worker is
// ready; then each result of target Target, and now and then the
// worker's counters; the last is Final.
type frame struct {
	Ready  bool
	Target int
	Result *vegeta.Result
	Counts []Counts // per target, when the frame carries counters
	// Tick is when Counts were read: at tick k of the schedule's grid,
	// the start plus k StatusEvery, or 0 when not on the grid (before
	// the start, and in the final frame).
	Tick  int64
	Final bool
}

// Counts are a worker's live counters of one target.
type Counts struct {
	Sent, Done, Inflight, OK, Errors int64
}
