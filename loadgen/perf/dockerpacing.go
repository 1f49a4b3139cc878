package perf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/engine"
	"github.com/conclab/conclab/loadgen/scenario"
)

// DockerPacing sends f from containers on the Docker engine that
// DOCKER_HOST names, as MultiPacing does natively: first one `loadgen run
// --docker` of a scenario with an embedded nethttp target per server
// (each server a container of image, loadgen in one more), then, with
// o.Vegeta, a vegeta command line per server, beside fresh servers each
// time: all of them in one container, with the budget of loadgen's (its
// CPUs, memory and one cgroup's CPU weight), then each in a container of
// its own with that budget.
//
// What the engine refuses before anything is created (no engine, no
// image, a vegeta that cannot run there) comes back as the
// *engine.BadInput, before either driver has run. ctx ends the vegeta
// containers early (Ctrl-C); loadgen run --docker gets the terminal's
// signal itself.
func DockerPacing(ctx context.Context, o Options, image string, f Fleet) ([]PacingRow, error) {
	var program []byte
	if o.Vegeta != "" {
		var err error
		if program, err = os.ReadFile(o.Vegeta); err != nil {
			return nil, fmt.Errorf("--vegeta: %w", err)
		}
	}
	if err := engine.CheckClients(ctx, image, program); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "conclab-perf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// Run ids of their own: a perf killed before it removed its
	// containers leaves them to the next run's cleanup, not in its way.
	suffix := strconv.FormatUint(rand.Uint64()>>40, 36)
	id := "pacing-fleet-docker-" + suffix
	scen := fleetScenario(id, f, func(int) string { return "model: " + catalog.NetHTTP.Name })

	driver := fmt.Sprintf("loadgen run --docker, %d targets", f.Targets)
	row, err := fleetRow(o, f, driver, func() ([][]*vegeta.Result, error) {
		return runFleet(o.Loadgen, tmp, id, scen, f.Targets, "--docker", "--image", image)
	})
	if err != nil {
		return nil, err
	}
	row.Docker = true
	rows := []PacingRow{row}
	if o.Vegeta == "" {
		return rows, nil
	}
	for _, together := range []bool{true, false} {
		setup := "in one container"
		if !together {
			setup = fmt.Sprintf("in %d containers", f.Targets)
		}
		driver = fmt.Sprintf("vegeta attack (CLI) × %d, %s", f.Targets, setup)
		row, err := fleetRow(o, f, driver, func() ([][]*vegeta.Result, error) {
			return vegetaDockerFleet(ctx, o.Log, program, image, "pacing-fleet-vegeta-"+suffix, scen, f, together)
		})
		if err != nil {
			return rows, err
		}
		row.Docker, row.Setup = true, setup
		rows = append(rows, row)
	}
	return rows, nil
}

// vegetaDockerFleet runs the vegeta command line, program, per server of
// the fleet's scenario, in one container or in one each (together), and
// returns each one's results.
func vegetaDockerFleet(ctx context.Context, log io.Writer, program []byte, image, runID string, scen []byte, f Fleet, together bool) ([][]*vegeta.Result, error) {
	s, err := scenario.Parse("the fleet's scenario", scen)
	if err != nil {
		return nil, err
	}
	timeout := f.Hold + 10*time.Second
	dur := time.Duration(float64(f.Hits) / float64(f.Rate) * float64(time.Second))
	ctx, cancel := context.WithTimeout(ctx, dur+timeout+3*time.Minute)
	defer cancel()
	outputs, err := engine.RunClients(ctx, engine.ClientsOptions{
		Scenario: s, Image: image, Program: program, RunID: runID, Together: together, Stderr: log,
		Args: func(_, input, output string) []string {
			return []string{"attack", "-rate", strconv.Itoa(f.Rate) + "/1s", "-duration", dur.String(),
				"-keepalive=false", "-timeout", timeout.String(), "-targets", input, "-output", output}
		},
		Input: func(url string) []byte { return []byte("GET " + url + fleetQuery(f) + "\n") },
	})
	if err != nil {
		return nil, fmt.Errorf("vegeta in Docker: %w", err)
	}
	all := make([][]*vegeta.Result, len(outputs))
	for i, out := range outputs {
		all[i] = decodeResults(bytes.NewReader(out))
	}
	return all, nil
}
