package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/runfolder"
)

const reportUsage = `usage: loadgen report RUN_DIR

Writes RUN_DIR/report.md, RUN_DIR/report.html (self-contained: open it
offline) and the charts in RUN_DIR/charts/, prints the table and the path
of report.html.
`

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
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
	if s, err := runfolder.Folder(dir).ReadSummary(); err == nil {
		_ = report.WriteTable(stdout, s)
		fmt.Fprintln(stdout)
	} else {
		fmt.Fprintln(stdout, "no table: summary.json is missing or unreadable; the report says what the folder holds")
	}
	fmt.Fprintf(stdout, "report: %s\n", path)
	return exitOK
}
