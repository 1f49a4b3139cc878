package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/conclab/conclab/internal/flagerr"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
)

// scenarioFlags are the flags shared by run and predict.
type scenarioFlags struct {
	scale    float64
	only     string
	replicas int
	path     string // the scenario's path as given, once parsed
}

func (f *scenarioFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&f.scale, "scale", 1, "multiply every scenario time by F (rate × sleep stays the same)")
	fs.StringVar(&f.only, "only", "", "comma-separated target names to run")
	fs.IntVar(&f.replicas, "replicas", predict.DefaultReplicas, "perturbed simulations that each predicted range comes from")
}

// parseInterleaved parses flags given before or after the positional
// arguments, as `loadgen run seed.yaml --scale 0.02` expects.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagerr.OneLine(err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// load reads, selects and scales the scenario.
func (f *scenarioFlags) load(path string) (*scenario.Scenario, error) {
	if f.scale <= 0 || math.IsNaN(f.scale) || math.IsInf(f.scale, 0) {
		return nil, fmt.Errorf("--scale: must be > 0, got %s", strconv.FormatFloat(f.scale, 'g', -1, 64))
	}
	s, err := loadScenario(path)
	if err != nil {
		return nil, err
	}
	if f.only != "" {
		if s, err = s.Select(strings.Split(f.only, ",")); err != nil {
			return nil, err
		}
	}
	return s.Scaled(f.scale)
}

// stdinPath is the scenario path that reads stdin, and stdinName the file
// name its errors give.
const (
	stdinPath = "-"
	stdinName = "stdin"
)

// loadScenario reads the scenario at path, or from stdin when path is "-"
// (as make bench-docker hands one to a container).
func loadScenario(path string) (*scenario.Scenario, error) {
	if path != stdinPath {
		return scenario.Load(path)
	}
	return scenario.Read(stdinName, os.Stdin)
}

// parseCommand parses the arguments of `loadgen NAME`, where NAME is fs's
// name. It answers --help on stdout with the synopsis and every flag, and
// bad flags on stderr with one line. ok is false when the command is done,
// with code as its exit code.
func parseCommand(fs *flag.FlagSet, args []string, synopsis string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	pos, err := parseInterleaved(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, synopsis)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(stdout, "\nflags (before or after the arguments):")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return nil, exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "loadgen %s: %v\n", fs.Name(), err)
		return nil, exitBadInput, false
	}
	return pos, exitOK, true
}

// parseArgs is parseCommand for a command that takes exactly n arguments,
// described by what ("one SCENARIO.yaml"); a wrong count is bad input.
func parseArgs(fs *flag.FlagSet, args []string, synopsis string, stdout, stderr io.Writer, n int, what string) (pos []string, code int, ok bool) {
	pos, code, ok = parseCommand(fs, args, synopsis, stdout, stderr)
	if ok && len(pos) != n {
		fmt.Fprintf(stderr, "loadgen %s: want %s, got %d\n", fs.Name(), what, len(pos))
		return nil, exitBadInput, false
	}
	return pos, code, ok
}

// parseScenario parses the arguments of a command that takes one
// SCENARIO.yaml (run, predict) and loads it, selected and scaled as the
// flags say; ok is false when the command is done, with code as its exit
// code.
func (f *scenarioFlags) parseScenario(fs *flag.FlagSet, args []string, synopsis string, stdout, stderr io.Writer) (s *scenario.Scenario, code int, ok bool) {
	pos, code, ok := parseArgs(fs, args, synopsis, stdout, stderr, 1, "one SCENARIO.yaml")
	if !ok {
		return nil, code, false
	}
	if f.replicas < 1 {
		fmt.Fprintf(stderr, "loadgen %s: --replicas: must be >= 1, got %d\n", fs.Name(), f.replicas)
		return nil, exitBadInput, false
	}
	f.path = pos[0]
	s, err := f.load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "loadgen %s: %v\n", fs.Name(), err)
		return nil, exitBadInput, false
	}
	return s, exitOK, true
}
