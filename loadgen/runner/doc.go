// Package runner is `loadgen run`: it starts a labserver per embedded
// target, attacks every target at once with the scenario's schedule,
// samples their metrics once a second, and leaves a run folder —
// vegeta .bin files, timelines, the resolved scenario and summary.json —
// that an interruption does not lose.
package runner
