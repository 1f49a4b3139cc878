package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	newFakeRun().write(t, a)

	rb := newFakeRun()
	rb.sum.RunID = "fake-20260102T000000Z"
	sem := &rb.targets[0].sum
	sem.Peak.Queued = 5
	sem.Outcomes["ok"], sem.Outcomes["timeout"] = 6, 3
	sem.Latency.P50, sem.Latency.P99 = 1.25, 3.5
	nh := rb.targets[1]
	nh.sum.Name, nh.sum.Model = "nh", "nethttp"
	rb.targets[1] = nh
	rb.write(t, b)

	charts := filepath.Join(t.TempDir(), "charts")
	var out bytes.Buffer
	if err := Compare(a, b, &out, charts); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	rows := map[string][3]string{}
	re := regexp.MustCompile(`(?m)^\s*sem-2\s+semaphore\s+(\S.*?)\s+(\S+)\s+(\S+)\s+(\S+)\s*$`)
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		rows[m[1]] = [3]string{m[2], m[3], m[4]}
	}
	want := map[string][3]string{
		"peak running":      {"2", "2", "+0"},
		"waiting in app":    {"8", "5", "-3"},
		"waiting in kernel": {"0", "0", "+0"},
		"SYN-retried":       {"0", "0", "+0"},
		"ok":                {"4", "6", "+2"},
		"rejected":          {"1", "1", "+0"},
		"timed out":         {"5", "3", "-2"},
		"p50":               {"1.00s", "1.25s", "+250ms"},
		"p99":               {"3.00s", "3.50s", "+500ms"},
	}
	for fig, w := range want {
		if got := rows[fig]; got != w {
			t.Errorf("sem-2 %s: A, B, delta = %q, want %q", fig, got, w)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("sem-2 has %d rows, want %d:\n%s", len(rows), len(want), text)
	}
	for _, w := range []string{"only in A: ll-1\n", "only in B: nh\n", "A: " + a + " (run fake-20260101T000000Z, scenario fake, scale 0.5, complete)",
		"compare-sem-2.png"} {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "ll-1  ") || strings.Contains(text, "nh  ") {
		t.Errorf("a target of only one run is in the table:\n%s", text)
	}
	files, _ := filepath.Glob(filepath.Join(charts, "*.png"))
	if len(files) != 1 || filepath.Base(files[0]) != "compare-sem-2.png" {
		t.Fatalf("charts %v, want compare-sem-2.png only", files)
	}
	png, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, "compare-sem-2.png", png)
}

func TestCompareBadInput(t *testing.T) {
	a := t.TempDir()
	newFakeRun().write(t, a)
	noSummary := t.TempDir()
	newFakeRun().write(t, noSummary)
	os.Remove(filepath.Join(noSummary, "summary.json"))
	for _, b := range []string{filepath.Join(a, "missing"), noSummary} {
		var out bytes.Buffer
		err := Compare(a, b, &out, "")
		if !errors.Is(err, ErrNotRunFolder) || !strings.HasPrefix(err.Error(), b+": ") {
			t.Errorf("Compare(a, %s): %v, want ErrNotRunFolder naming the folder", b, err)
		}
	}
}

func TestCompareDifferentScales(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	newFakeRun().write(t, a)
	rb := newFakeRun()
	rb.sum.Scale = 1
	rb.write(t, b)
	var out bytes.Buffer
	if err := Compare(a, b, &out, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "note: the runs have different scales (0.5 and 1)") {
		t.Errorf("no note on the scales:\n%s", out.String())
	}
}
