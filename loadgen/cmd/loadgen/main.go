// Command loadgen replays a scenario against conclab's test servers (or any
// server) and records where every request waited.
//
//	loadgen run SCENARIO.yaml [--scale F] [--out DIR] [--only a,b] [--check]
//	loadgen predict SCENARIO.yaml [--scale F]
//	loadgen sweep SCENARIO.yaml --rates LIST
//	loadgen report RUN_DIR [--check]
//	loadgen judge RUN_DIR... [--only a,b] [--check]
//	loadgen compare RUN_DIR RUN_DIR
//	loadgen calibrate [--quick] [--cache-dir DIR]
//	loadgen compose SCENARIO.yaml [--scale F] [-o FILE]
package main

import (
	"fmt"
	"io"
	"log"
	"os"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1
	exitBadInput    = 2
	exitCheckFailed = 3 // --check: a target disagrees with its prediction, or has no verdict
	exitInterrupted = 130
)

const usage = `usage:
  loadgen run SCENARIO.yaml [--scale F] [--out DIR] [--only a,b] [--run-id ID] [--metrics ADDR] [--labserver PATH] [--services] [--docker [--image IMG]] [--shards K] [--workers swarm:N|remote:N] [--no-report] [--check]
  loadgen predict SCENARIO.yaml [--scale F] [--only a,b] [--series DIR] [--rates LIST]
  loadgen sweep SCENARIO.yaml --rates LIST [--scale F] [--only a,b] [--out DIR] [--replicas N] [--labserver PATH] [--no-report]
  loadgen report RUN_DIR [--check]
  loadgen judge RUN_DIR... [--only a,b] [--check]
  loadgen compare RUN_DIR RUN_DIR [--charts DIR]
  loadgen perf [--vegeta PATH] [--held 1000,10000]
  loadgen calibrate [--quick] [--cache-dir DIR] [--connects K]
  loadgen compose SCENARIO.yaml [--scale F] [-o FILE]
  loadgen worker --scenario FILE --url URL --start NS --out FILE ...   (one shard of an attack)
  loadgen worker --hub URL [--slot K]   (a share of every attack of a run --workers)

loadgen CMD --help describes CMD and its flags.

Exit codes: 0 done, 1 failed, 2 bad input, 3 --check failed (a target
disagrees with its prediction or has no verdict), 130 interrupted.
`

func main() {
	// net/http's client logs through the standard logger, for example
	// when fasthttp answers a rejected connection before the request is
	// sent. Outcomes are classified from the errors instead.
	log.SetOutput(io.Discard)
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadInput
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "predict":
		return cmdPredict(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "judge":
		return cmdJudge(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "perf":
		return cmdPerf(args[1:], stdout, stderr)
	case "calibrate":
		return cmdCalibrate(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "compose":
		return cmdCompose(args[1:], stdout, stderr)
	case "worker":
		return cmdWorker(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "loadgen: unknown command %q\n%s", args[0], usage)
	return exitBadInput
}
