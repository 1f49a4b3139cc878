package perf

import (
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A driver's row is its run of median p99 (the lower middle one of an even
// count), with every run's p99 in the order they ran; a row of one run
// lists none.
func TestADriversPacingRowIsItsRunOfMedianP99(t *testing.T) {
	runs := []PacingRow{{P50: 1, P99: 30}, {P50: 2, P99: 10}, {P50: 3, P99: 20}}
	for _, c := range []struct {
		runs     []PacingRow
		p50, p99 float64
		each     []float64
	}{
		{runs, 3, 20, []float64{30, 10, 20}},
		{runs[:2], 2, 10, []float64{30, 10}},
		{runs[:1], 1, 30, nil},
	} {
		row := medianRun(c.runs)
		if row.P50 != c.p50 || row.P99 != c.p99 || !slices.Equal(row.RunP99s, c.each) {
			t.Errorf("median of %+v: %+v; want p50 %v, p99 %v, each run's p99 %v", c.runs, row, c.p50, c.p99, c.each)
		}
	}
}

// Each pair runs both drivers, every run against a labserver of its own,
// and each driver's row keeps every run's p99.
func TestPacingRunsBothDriversInEachPairAndKeepsEveryRunsP99(t *testing.T) {
	vegetaBin := vegetaBinary(t)
	o := Options{Labserver: filepath.Join(binDir, "labserver"), Loadgen: filepath.Join(binDir, "loadgen"), Vegeta: vegetaBin, Log: io.Discard}
	rows, err := Pacing(o, []int{20}, func(int) time.Duration { return time.Second }, func(int) int { return 2 })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Driver != loadgenDriver || rows[1].Driver != vegetaDriver {
		t.Fatalf("rows %+v; want loadgen's, then vegeta's", rows)
	}
	for _, r := range rows {
		if r.Hits != 20 || r.Rate != 20 || len(r.RunP99s) != 2 || !slices.Contains(r.RunP99s, r.P99) {
			t.Errorf("row %+v; want 20 hits at 20/s, the p99 of 2 runs, and its own among them", r)
		}
	}
}
