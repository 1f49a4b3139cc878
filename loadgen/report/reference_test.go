package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// copyReference copies a reference run folder's summary, scenario and
// series, as a loadgen from before ranges, bands and the calibration wrote
// them (testdata/before-ranges holds them as committed on 2026-11-25),
// into a temporary folder.
func copyReference(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", "before-ranges", name)
	files, err := filepath.Glob(filepath.Join(src, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("reference folder %s: %v", src, err)
	}
	dir := t.TempDir()
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasSuffix(base, ".csv") && base != "summary.json" && base != "scenario.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, base), b)
	}
	return dir
}

func TestAReferenceFolderFromBeforeRangesStillRenders(t *testing.T) {
	dir := copyReference(t, "fd-ceiling2")
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"| nethttp | **NO** | nethttp | 25,000 | 19,988 (19,988) | 0 (0) | 4,097 (4,097) | 915 (915) | 24,273 (24,085) | 0 (0) | 727 (915) | 0 |",
		"Each figure reads measured (predicted). ",
		"- timed out: measured 727, predicted 915 (-188, allowed ±46)",
		"![nethttp timeline](charts/nethttp-timeline.png)",
		"nethttp.bin is missing: no latency or connect-time charts",
	)
	if cols := tableHeader(t, page, "main"); len(cols) < 3 || cols[1] != "agrees" {
		t.Errorf("main table starts %q", cols)
	}
	for _, absent := range []string{"predicted range", "ListenOverflows", "Kernel calibration", "band.csv", "Shaded"} {
		if strings.Contains(md, absent) {
			t.Errorf("a reference folder's report.md mentions %q", absent)
		}
	}
}

func TestCompareStillReadsReferenceFolders(t *testing.T) {
	a, b := copyReference(t, "fd-19k"), copyReference(t, "fd-ceiling2")
	var out bytes.Buffer
	if err := Compare(a, b, &out, filepath.Join(t.TempDir(), "charts")); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*nethttp\s+nethttp\s+timed out\s+0\s+727\s+\+727\s*$`).MatchString(out.String()) ||
		!strings.Contains(out.String(), "compare-nethttp.png") {
		t.Errorf("compare output lacks nethttp's timed out row or its chart:\n%s", out.String())
	}
}
