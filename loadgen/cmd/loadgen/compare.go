package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/conclab/conclab/loadgen/report"
)

const compareUsage = `usage: loadgen compare RUN_A RUN_B [--charts DIR]

Prints the figures of the targets both runs have, side by side with the
difference B - A, and draws one chart per shared target, DIR/compare-<target>.png
(run A solid, run B dashed). DIR defaults to RUN_B/compare-<name of RUN_A>/.
`

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	charts := fs.String("charts", "", "folder for the charts (default RUN_B/compare-<basename RUN_A>)")
	pos, code, ok := parseArgs(fs, args, compareUsage, stdout, stderr, 2, "RUN_A and RUN_B")
	if !ok {
		return code
	}
	a, b := pos[0], pos[1]
	dir := *charts
	if dir == "" {
		dir = filepath.Join(b, "compare-"+filepath.Base(filepath.Clean(a)))
	}
	if err := report.Compare(a, b, stdout, dir); err != nil {
		fmt.Fprintln(stderr, "loadgen compare:", err)
		if errors.Is(err, report.ErrNotRunFolder) {
			return exitBadInput
		}
		return exitFailed
	}
	return exitOK
}
