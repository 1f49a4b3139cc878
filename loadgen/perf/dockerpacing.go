package perf

import (
	"bytes"
	"context"
	"fmt"
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
// o.Vegeta, a vegeta command line per server, each in a container of its
// own beside fresh servers. Both drivers get the same containers: the
// lab image, with loadgen's CPUs and memory for each driver's container
// and the lab's for each server's.
func DockerPacing(o Options, image string, f Fleet) ([]PacingRow, error) {
	tmp, err := os.MkdirTemp("", "conclab-perf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	const id = "pacing-fleet-docker"
	scen := fleetScenario(id, f, func(int) string { return "model: " + catalog.NetHTTP.Name })

	var lr [][]*vegeta.Result
	steal, err := stealDuring(func() (err error) {
		lr, err = runFleet(o.Loadgen, tmp, id, scen, f.Targets, "--docker", "--image", image)
		return err
	})
	if err != nil {
		return nil, err
	}
	driver := fmt.Sprintf("loadgen run --docker, %d targets", f.Targets)
	rows := []PacingRow{pooledLateness(driver, f, lr)}
	rows[0].Steal, rows[0].Docker = steal, true
	fmt.Fprintf(o.Log, "pacing: %s at %d/s each: %s\n", driver, f.Rate, rows[0])
	if o.Vegeta == "" {
		return rows, nil
	}
	var vr [][]*vegeta.Result
	steal, err = stealDuring(func() (err error) { vr, err = vegetaDockerFleet(o.Vegeta, image, scen, f); return err })
	if err != nil {
		return rows, err
	}
	driver = fmt.Sprintf("vegeta attack (CLI) × %d, in Docker", f.Targets)
	rows = append(rows, pooledLateness(driver, f, vr))
	rows[1].Steal, rows[1].Docker = steal, true
	fmt.Fprintf(o.Log, "pacing: %s at %d/s each: %s\n", driver, f.Rate, rows[1])
	return rows, nil
}

// vegetaDockerFleet runs the vegeta command line at bin in a container
// per server of the fleet's scenario and returns each one's results.
func vegetaDockerFleet(bin, image string, scen []byte, f Fleet) ([][]*vegeta.Result, error) {
	program, err := os.ReadFile(bin)
	if err != nil {
		return nil, fmt.Errorf("--vegeta: %w", err)
	}
	s, err := scenario.Parse("the fleet's scenario", scen)
	if err != nil {
		return nil, err
	}
	timeout := f.Hold + 10*time.Second
	dur := time.Duration(float64(f.Hits) / float64(f.Rate) * float64(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), dur+timeout+3*time.Minute)
	defer cancel()
	outputs, err := engine.RunClients(ctx, engine.ClientsOptions{
		Scenario: s, Image: image, Program: program, RunID: "pacing-fleet-vegeta",
		Args: func(string) []string {
			return []string{"attack", "-rate", strconv.Itoa(f.Rate) + "/1s", "-duration", dur.String(),
				"-keepalive=false", "-timeout", timeout.String(),
				"-targets", engine.ClientInput, "-output", engine.ClientOutput}
		},
		Input: func(url string) []byte { return []byte("GET " + url + fleetQuery(f) + "\n") },
	})
	if err != nil {
		return nil, fmt.Errorf("vegeta in Docker: %w", err)
	}
	all := make([][]*vegeta.Result, len(outputs))
	for i, out := range outputs {
		dec := vegeta.NewDecoder(bytes.NewReader(out))
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err != nil {
				break
			}
			all[i] = append(all[i], &r)
		}
	}
	return all, nil
}
