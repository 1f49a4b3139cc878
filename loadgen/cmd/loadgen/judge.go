package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/conclab/conclab/loadgen/rejudge"
	"github.com/conclab/conclab/loadgen/report"
)

const judgeUsage = `usage: loadgen judge RUN_DIR [--only a,b] [--check]

Judges a finished run again with this build's prediction, from what the
run recorded of each target (<target>.record.json.gz), and prints the
table and each disagreement. It writes nothing: the folder keeps the
verdicts the run made. A target without a record (a run by an older
loadgen) is named and left out.
`

func cmdJudge(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("judge", flag.ContinueOnError)
	only := fset.String("only", "", "comma-separated target names to judge")
	check := fset.Bool("check", false, checkFlagUsage)
	pos, code, ok := parseArgs(fset, args, judgeUsage, stdout, stderr, 1, "one RUN_DIR")
	if !ok {
		return code
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	sum, skipped, err := rejudge.Folder(pos[0], names)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen judge:", err)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, rejudge.ErrBadInput) {
			return exitBadInput
		}
		return exitFailed
	}
	if len(sum.Targets) > 0 {
		_ = report.WriteTable(stdout, sum)
		fmt.Fprintln(stdout)
	}
	for _, t := range sum.Targets {
		for _, d := range t.Disagreements {
			fmt.Fprintf(stdout, "%s: %s\n", t.Name, d)
		}
	}
	for _, s := range skipped {
		fmt.Fprintf(stdout, "%s: not judged again: %s\n", s.Target, s.Why)
	}
	if !*check {
		return exitOK
	}
	return checkExit(sum, stderr)
}
