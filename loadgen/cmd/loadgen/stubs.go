package main

import (
	"fmt"
	"io"
)

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "loadgen report: not available yet")
	return exitFailed
}

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "loadgen compare: not available yet")
	return exitFailed
}
