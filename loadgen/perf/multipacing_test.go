package perf

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/testbin"
)

var binDir string

// TestMain builds labserver and loadgen: the pacing runs start them as
// users do.
func TestMain(m *testing.M) {
	dir, err := testbin.Build("servers/cmd/labserver", "loadgen/cmd/loadgen")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// vegetaBinary is the vegeta command line that make installs in bin/, or
// a test failure that names it.
func vegetaBinary(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs("../../bin/vegeta")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		testbin.Missing(t, "the vegeta command line in bin/vegeta")
	}
	return bin
}

// A fleet's row pools every target's lateness, each against its own hit
// 0, and names the worst target's p99: at 100/s, one target sent at 0,
// 10 and 21 ms (late 0, 0 and 1 ms), the other at 0, 12 and 20 ms (0, 2
// and 0 ms).
func TestAFleetsRowPoolsEveryTargetAgainstItsOwnFirstHit(t *testing.T) {
	at := func(ms ...float64) []*vegeta.Result {
		t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
		var rs []*vegeta.Result
		for i, m := range ms {
			rs = append(rs, &vegeta.Result{Seq: uint64(i), Timestamp: t0.Add(time.Duration(m * float64(time.Millisecond)))})
		}
		return rs
	}
	f := Fleet{Targets: 2, Rate: 100, Hits: 3}
	row := pooledLateness("two", f, [][]*vegeta.Result{at(0, 10, 21), at(0, 12, 20)})
	if row.Hits != 6 || row.Targets != 2 || row.P50 != 0 || row.P99 != 2 || row.Max != 2 || row.WorstP99 != 2 {
		t.Errorf("row %+v; want 6 hits of 2 targets, p50 0, p99 2, max 2, worst p99 2", row)
	}
}

// loadgen sends a small fleet with one run, a target per labserver, and
// every hit of every target comes back in the row.
func TestLoadgenSendsAFleetWithOneRunAndEveryHitIsTimed(t *testing.T) {
	o := Options{Labserver: filepath.Join(binDir, "labserver"), Loadgen: filepath.Join(binDir, "loadgen"), Log: io.Discard}
	rows, err := MultiPacing(o, Fleet{Targets: 3, Rate: 20, Hits: 20, Hold: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows without vegeta, want 1: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Hits != 60 || r.Targets != 3 || r.Rate != 20 || !(r.P50 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("row %+v; want 60 hits of 3 targets at 20/s, p50 ≤ p99 ≤ max", r)
	}
	if runtime.GOOS == "linux" && !(r.Steal >= 0 && r.Steal <= 1) {
		t.Errorf("steal share %v, want a share in [0, 1] on Linux", r.Steal)
	}
}
