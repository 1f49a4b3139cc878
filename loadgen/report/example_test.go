package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/conclab/conclab/loadgen/report"
)

// Write turns a run folder into report.md, report.html and charts/.
func ExampleWrite() {
	path, err := report.Write("results/seed-20260101T000000Z")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println("open", path)
}

// Compare prints the shared targets of two runs side by side and draws
// their timelines over each other.
func ExampleCompare() {
	a, b := "results/seed-20260101T000000Z", "results/seed-20260102T000000Z"
	charts := filepath.Join(b, "compare-"+filepath.Base(a))
	if err := report.Compare(a, b, os.Stdout, charts); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
