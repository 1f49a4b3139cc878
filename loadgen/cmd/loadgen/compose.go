package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/compose"
)

const composeUsage = `usage: loadgen compose SCENARIO.yaml [--scale F] [-o FILE]

Writes the scenario's Docker stack as a compose file: one lab service per
embedded target, named after it and configured as it says (the labserver's
flags, somaxconn for its backlog, CPUs for its gomaxprocs), the loadgen
service that runs the scenario against them, and the observe profile
(Prometheus and Grafana). The servers' durations (a pool's keep-alive, a
queue timeout, the max sleep) are the scenario's at --scale: run it at the
same scale. docker-compose.yml is this for scenarios/seed.yaml at 0.02 (make
compose). Exit codes: 0 written, 1 failed, 2 bad input.
`

func cmdCompose(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	out := fs.String("o", "", "write the file here, atomically (default: stdout)")
	sf := scenarioFlags{}
	fs.Float64Var(&sf.scale, "scale", 1, "the scale the stack's runs use: the servers' durations are scaled by F")
	pos, code, ok := parseArgs(fs, args, composeUsage, stdout, stderr, 1, "one SCENARIO.yaml")
	if !ok {
		return code
	}
	s, err := sf.load(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "loadgen compose:", err)
		return exitBadInput
	}
	if err := compose.Check(s); err != nil {
		fmt.Fprintln(stderr, "loadgen compose:", err)
		return exitBadInput
	}
	fill := func(w io.Writer) error { return compose.Write(w, s, pos[0], sf.scale) }
	if *out == "" {
		err = fill(stdout)
	} else {
		err = atomicfile.Write(*out, fill)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen compose:", err)
		return exitFailed
	}
	return exitOK
}
