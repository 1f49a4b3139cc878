package composetest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/deploy/internal/deploytest"
	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/perf"
)

// make perf sends a fleet from Docker with both drivers: loadgen run
// --docker, then vegeta per server, all in one container and then each in
// a container of its own, each time beside servers of the lab image; every
// hit of every target is timed, and nothing is left on the engine.
func TestPerfSendsAFleetFromDockerWithBothDriversAndLeavesNothing(t *testing.T) {
	requireEngine(t)
	root := deploytest.Root(t)
	vegetaBin := filepath.Join(root, "bin", "vegeta")
	if _, err := os.Stat(vegetaBin); err != nil {
		testbin.Missing(t, "the vegeta command line in bin/vegeta (make bin/vegeta builds it static)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, tag := buildImage(ctx, t, root, randomID(t), time.Now())
	t.Cleanup(func() {
		for _, left := range labelled(t, "") {
			t.Errorf("left on the engine: %s", left)
		}
	})
	o := perf.Options{Loadgen: filepath.Join(bin, "loadgen"), Vegeta: vegetaBin, Log: io.Discard}
	rows, err := perf.DockerPacing(ctx, o, tag, perf.Fleet{Targets: 2, Rate: 20, Hits: 20, Hold: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var setups []string
	for _, r := range rows {
		setups = append(setups, r.Setup)
	}
	if got := strings.Join(setups, "|"); got != "|in one container|in 2 containers" {
		t.Fatalf("rows of setups %q, want loadgen's, then vegeta's in one container and in 2: %+v", got, rows)
	}
	for _, r := range rows {
		if r.Hits != 40 || r.Targets != 2 || r.Rate != 20 || !r.Docker || !(r.P50 <= r.P99 && r.P99 <= r.Max) {
			t.Errorf("row %+v; want 40 hits of 2 targets at 20/s from Docker, p50 ≤ p99 ≤ max", r)
		}
	}
}
