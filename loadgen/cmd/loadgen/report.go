package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/runfolder"
)

const reportUsage = `usage: loadgen report RUN_DIR [--check]

Writes RUN_DIR/report.md, RUN_DIR/report.html (self-contained: open it
offline) and the charts in RUN_DIR/charts/, prints the table and the path
of report.html. With --check, it then exits 3 when a target of the run
disagrees with its prediction or has no verdict, naming each on stderr.
`

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	check := fs.Bool("check", false, checkFlagUsage)
	pos, code, ok := parseArgs(fs, args, reportUsage, stdout, stderr, 1, "one RUN_DIR")
	if !ok {
		return code
	}
	dir := pos[0]
	path, err := report.Write(dir)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen report:", err)
		if errors.Is(err, report.ErrNotRunFolder) {
			return exitBadInput
		}
		return exitFailed
	}
	s, serr := runfolder.Folder(dir).ReadSummary()
	if serr == nil {
		_ = report.WriteTable(stdout, s)
		fmt.Fprintln(stdout)
	} else {
		fmt.Fprintln(stdout, "no table: summary.json is missing or unreadable; the report says what the folder holds")
	}
	fmt.Fprintf(stdout, "report: %s\n", path)
	switch {
	case !*check:
		return exitOK
	case serr != nil:
		fmt.Fprintln(stderr, "check: nothing could be checked:", serr)
		return exitCheckFailed
	}
	return checkExit(s, stderr)
}
