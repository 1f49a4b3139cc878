package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/sweep"
)

func TestASweepReportHasTheKneesAndThreeChartsPerTarget(t *testing.T) {
	yes := true
	knee, predicted := 40.0, 42.1
	sw := &sweep.Sweep{Scenario: "s", Rates: []float64{20, 40, 60}, Runs: []string{"rate-20", "rate-40", "rate-60"},
		Targets: []sweep.Target{{Name: "pool-4", Model: "pool", Knee: sweep.Knee{MeasuredPerS: &knee, PredictedPerS: &predicted},
			Measured: []sweep.Point{{OfferedPerS: 20, GoodputPerS: 20, Agrees: &yes,
				Range: &sweep.PointRange{GoodputPerS: [2]float64{19, 20}}}, {OfferedPerS: 40, GoodputPerS: 39}, {OfferedPerS: 60, GoodputPerS: 40}},
			Predicted: []sweep.Point{{OfferedPerS: 20, GoodputPerS: 20}, {OfferedPerS: 40, GoodputPerS: 40}, {OfferedPerS: 60, GoodputPerS: 40}}}}}
	dir := t.TempDir()
	path, err := WriteSweep(dir, sw)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| pool-4 | pool | 40 (42.1) |", "| 20 | 20.0 (20.0) |", "| 40 | 39.0 (40.0) |", "charts/pool-4-sweep-shares.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("sweep.md lacks %q:\n%s", want, md)
		}
	}
	for _, m := range []string{"goodput", "latency", "shares"} {
		if _, err := os.Stat(filepath.Join(dir, "charts", "pool-4-sweep-"+m+".png")); err != nil {
			t.Error(err)
		}
	}
	if got := KneeText(sweep.Knee{MeasuredPerS: nil, PredictedPerS: &predicted, PredictedAbove: true}, 20); got != "< 20 (≥ 42.1)" {
		t.Errorf("knee text %q", got)
	}
}
