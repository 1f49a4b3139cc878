package main

import (
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/perf"
)

// Each loadgen pacing row is set beside every vegeta row of its shape that
// follows it: natively the one, from Docker both vegeta setups.
func TestEachLoadgenPacingRowIsSetBesideEveryVegetaRowOfItsShape(t *testing.T) {
	rows := []perf.PacingRow{
		{Driver: "loadgen run, 9 targets", Targets: 9, Rate: 100, P50: 0.3, P99: 1, WorstP99: 2, Max: 10},
		{Driver: "vegeta attack (CLI) × 9", Targets: 9, Rate: 100, P50: 0.3, P99: 2, WorstP99: 2, Max: 5},
		{Driver: "loadgen run --docker, 9 targets", Targets: 9, Rate: 100, P50: 0.4, P99: 3, WorstP99: 4, Max: 20, Docker: true},
		{Driver: "vegeta attack (CLI) × 9, in one container", Targets: 9, Rate: 100, P50: 0.4, P99: 3, WorstP99: 2, Max: 10,
			Docker: true, Setup: "in one container"},
		{Driver: "vegeta attack (CLI) × 9, in 9 containers", Targets: 9, Rate: 100, P50: 0.2, P99: 1, WorstP99: 1, Max: 0,
			Docker: true, Setup: "in 9 containers"},
	}
	var b strings.Builder
	printPacingRatios(&b, rows)
	want := "loadgen ÷ vegeta, 9 target(s) at 100/s: p50 1.00×, p99 0.50×, worst target p99 1.00×, max 2.00×\n" +
		"loadgen ÷ vegeta, 9 target(s) at 100/s, in Docker, vegeta in one container: p50 1.00×, p99 1.00×, worst target p99 2.00×, max 2.00×\n" +
		"loadgen ÷ vegeta, 9 target(s) at 100/s, in Docker, vegeta in 9 containers: p50 2.00×, p99 3.00×, worst target p99 4.00×, max n/a\n"
	if b.String() != want {
		t.Errorf("ratios\n%s\nwant\n%s", b.String(), want)
	}
}

// A row that is the median of several runs lists each run's p99 in the
// order they ran; a row of one run shows a dash.
func TestAPacingRowListsEachRunsP99(t *testing.T) {
	if got := runP99s(perf.PacingRow{RunP99s: []float64{1.5, 0.25, 12}}); got != "1.500 0.250 12.000" {
		t.Errorf("three runs: %q, want %q", got, "1.500 0.250 12.000")
	}
	if got := runP99s(perf.PacingRow{P99: 3}); got != "-" {
		t.Errorf("one run: %q, want %q", got, "-")
	}
}
