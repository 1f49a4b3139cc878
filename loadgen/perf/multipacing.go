package perf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/runfolder"
)

// Fleet is the shape of a multi-target pacing run: make bench's at its
// default scale (nine targets at 100/s, each request held as the seed's
// 800 s sleep scaled by 0.02 holds it).
type Fleet struct {
	Targets int           // labservers, one per target
	Rate    int           // requests per second to each
	Hits    int           // requests to each
	Hold    time.Duration // each request's sleep in its server
}

// BenchFleet is make bench's shape: 9 × 100/s, 1,000 each, held 16 s.
var BenchFleet = Fleet{Targets: 9, Rate: 100, Hits: 1000, Hold: 16 * time.Second}

// MultiPacing sends f to f.Targets nethttp labservers twice, one driver
// after the other: one `loadgen run` of a scenario with a target per
// server, then (with o.Vegeta) as many vegeta command-line processes at
// once, one per server. A row pools every target's hits, each measured
// against its own hit 0 as Pacing measures one target's; WorstP99 is the
// worst target's p99.
func MultiPacing(o Options, f Fleet) ([]PacingRow, error) {
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.Stop()
		}
	}()
	for range f.Targets {
		s, err := startServer(o.Labserver, "--model", catalog.NetHTTP.Name)
		if err != nil {
			return nil, fmt.Errorf("fleet server %d: %w", len(servers)+1, err)
		}
		servers = append(servers, s)
	}
	tmp, err := os.MkdirTemp("", "conclab-perf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	driver := fmt.Sprintf("loadgen run, %d targets", f.Targets)
	row, err := fleetRow(o, f, driver, func() ([][]*vegeta.Result, error) { return loadgenFleet(o.Loadgen, tmp, servers, f) })
	if err != nil {
		return nil, err
	}
	rows := []PacingRow{row}
	if o.Vegeta == "" {
		return rows, nil
	}
	driver = fmt.Sprintf("vegeta attack (CLI) × %d", f.Targets)
	row, err = fleetRow(o, f, driver, func() ([][]*vegeta.Result, error) { return vegetaFleet(o.Vegeta, servers, f) })
	if err != nil {
		return rows, err
	}
	return append(rows, row), nil
}

// fleetRow runs send, a driver's run of f, and returns its row, with the
// hypervisor's steal while it ran, and says it on o.Log.
func fleetRow(o Options, f Fleet, driver string, send func() ([][]*vegeta.Result, error)) (PacingRow, error) {
	var rs [][]*vegeta.Result
	steal, err := stealDuring(func() (err error) { rs, err = send(); return err })
	if err != nil {
		return PacingRow{}, err
	}
	row := pooledLateness(driver, f, rs)
	row.Steal = steal
	fmt.Fprintf(o.Log, "pacing: %s at %d/s each: %s\n", driver, f.Rate, row)
	return row, nil
}

// fleetQuery is each request's work, the hold, in the form loadgen's
// targeter sends it and vegeta's target line carries.
func fleetQuery(f Fleet) string { return "?sleep=" + f.Hold.String() }

// fleetScenario is the scenario of f whose i-th target (from 0) is
// target(i, its name), a YAML flow mapping without the name.
func fleetScenario(id string, f Fleet, target func(i int) string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nrequests: %d\nrate: %d\nsleep: %s\ntimeout: %s\ntargets:\n",
		id, f.Hits, f.Rate, f.Hold, f.Hold+10*time.Second)
	for i := range f.Targets {
		fmt.Fprintf(&b, "  - {name: %s, %s}\n", fleetTarget(i), target(i))
	}
	return []byte(b.String())
}

// fleetTarget is the name of a fleet's i-th target (from 0).
func fleetTarget(i int) string { return fmt.Sprintf("%s-%d", pacingTarget, i+1) }

// runFleet runs loadgen run with args on the fleet's scenario, written
// to tmp, and returns each target's results.
func runFleet(bin, tmp, id string, scenario []byte, targets int, args ...string) ([][]*vegeta.Result, error) {
	scen := filepath.Join(tmp, id+".yaml")
	if err := os.WriteFile(scen, scenario, 0o644); err != nil {
		return nil, err
	}
	args = append([]string{"run", scen, "--out", tmp, "--run-id", id, "--no-report"}, args...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("loadgen run: %w: %s", err, launch.LastLine(string(out)))
	}
	all := make([][]*vegeta.Result, targets)
	for i := range targets {
		name := fleetTarget(i)
		if _, err := runfolder.ReadBin(runfolder.Folder(filepath.Join(tmp, id)).Bin(name),
			func(r *vegeta.Result) { all[i] = append(all[i], r) }); err != nil {
			return nil, fmt.Errorf("target %s: %w", name, err)
		}
	}
	return all, nil
}

// loadgenFleet runs one `loadgen run` with a target per server and
// returns each target's results.
func loadgenFleet(bin, tmp string, servers []*server, f Fleet) ([][]*vegeta.Result, error) {
	const id = "pacing-fleet"
	scen := fleetScenario(id, f, func(i int) string {
		return fmt.Sprintf("url: %q, admin: %q", servers[i].URL, servers[i].AdminURL)
	})
	return runFleet(bin, tmp, id, scen, len(servers))
}

// vegetaFleet starts a vegeta command line per server, all at once, and
// returns each one's results.
func vegetaFleet(bin string, servers []*server, f Fleet) ([][]*vegeta.Result, error) {
	all := make([][]*vegeta.Result, len(servers))
	errs := make(chan error, len(servers))
	for i, s := range servers {
		go func() {
			var err error
			all[i], err = vegetaCLI(bin, s.URL+fleetQuery(f), f.Rate, f.Hits, f.Hold+10*time.Second)
			if err != nil {
				err = fmt.Errorf("server %d (%s): %w", i+1, s.URL, err)
			}
			errs <- err
		}()
	}
	var failed []error
	for range servers {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	return all, errors.Join(failed...)
}

// pooledLateness is one row over every target's hits.
func pooledLateness(driver string, f Fleet, perTarget [][]*vegeta.Result) PacingRow {
	interval := time.Second / time.Duration(f.Rate)
	var pooled []float64
	worst := 0.0
	for _, rs := range perTarget {
		late := latenessMs(interval, rs)
		if len(late) > 0 {
			worst = max(worst, quantile(late, 0.99))
		}
		pooled = append(pooled, late...)
	}
	row := rowOf(driver, f.Rate, pooled)
	row.Targets, row.WorstP99 = f.Targets, worst
	return row
}
