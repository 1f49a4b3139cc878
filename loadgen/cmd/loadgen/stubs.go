package main

import (
	"fmt"
	"io"
)

func cmdPredict(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "loadgen predict: not available yet")
	return exitFailed
}

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "loadgen report: not available yet")
	return exitFailed
}

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "loadgen compare: not available yet")
	return exitFailed
}
