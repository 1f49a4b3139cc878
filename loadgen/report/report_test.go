package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/runfolder"
)

const wantW, wantH = 768, 384 // ChartWidth × ChartHeight at ChartDPI

// checkReport checks what every report must be: report.html self-contained
// with one embedded PNG per chart file, every chart a readable PNG of the
// chart size, report.md linking each chart. It returns report.md and
// report.html.
func checkReport(t *testing.T, dir, path string) (md, page string) {
	t.Helper()
	if want := filepath.Join(dir, runfolder.ReportHTML); path != want {
		t.Errorf("Write returned %q, want %q", path, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, runfolder.ReportHTML))
	if err != nil {
		t.Fatal(err)
	}
	page = string(b)
	if m := regexp.MustCompile(`(?i)https?://`).FindString(page); m != "" {
		t.Errorf("report.html refers to %q; it must fetch nothing", m)
	}
	for _, bad := range []string{"<script", "<link", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	b, err = os.ReadFile(filepath.Join(dir, runfolder.ReportMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	md = string(b)

	files, _ := filepath.Glob(filepath.Join(dir, runfolder.ChartsDir, "*.png"))
	if n := strings.Count(page, "data:image/png;base64,"); n != len(files) {
		t.Errorf("report.html embeds %d PNGs; charts/ holds %d", n, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkPNG(t, filepath.Base(f), b)
		if len(b) > 150<<10 {
			t.Errorf("%s: %d bytes, want at most 150 KB", filepath.Base(f), len(b))
		}
		if link := "(" + runfolder.ChartsDir + "/" + filepath.Base(f) + ")"; !strings.Contains(md, link) {
			t.Errorf("report.md has no link %s", link)
		}
		if !strings.Contains(page, base64.StdEncoding.EncodeToString(b)) {
			t.Errorf("report.html does not embed %s as it is on disk", filepath.Base(f))
		}
	}
	for _, m := range regexp.MustCompile(`data:image/png;base64,([A-Za-z0-9+/=]+)`).FindAllStringSubmatch(page, -1) {
		b, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatalf("embedded image: %v", err)
		}
		checkPNG(t, "embedded image", b)
	}
	return md, page
}

func checkPNG(t *testing.T, name string, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if s := img.Bounds().Size(); s.X != wantW || s.Y != wantH {
		t.Errorf("%s: %d×%d, want %d×%d", name, s.X, s.Y, wantW, wantH)
	}
}

func chartNames(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, runfolder.ChartsDir, "*.png"))
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	sort.Strings(names)
	return names
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	run := newFakeRun()
	run.write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)

	want := []string{"ll-1-connect.png", "ll-1-latency.png", "ll-1-timeline.png", "overview.png",
		"sem-2-connect.png", "sem-2-latency.png", "sem-2-timeline.png"}
	if got := chartNames(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("charts %v, want %v", got, want)
	}

	contains(t, "report.md", md,
		"# conclab run fake-20260101T000000Z",
		"scenario fake at scale 0.5",
		"A synthetic run for tests.",
		"| target | agrees | model | sent | running | waiting in app | waiting in kernel | SYN-retried | ok | rejected | timed out | other | p50 | p99 | goodput/s | ok p99 | wasted |\n",
		"| sem-2 | **NO** | semaphore | 10 | 2 (2) | 8 (3) | 0 (0) | 0 (0) | 4 (4) | 1 (0) | 5 (6) | 0 | 1.0s | 3.0s | 2.0 (2.0) | 1.0s (1.0s) | 1.5s (1.2s) |\n",
		"Agreement: within 5% or 2 requests.",
		"## sem-2 (semaphore)", "## ll-1 (limitlistener)",
		"- peak waiting in app: measured 8, predicted 3 (+5, allowed ±2)",
		"Agrees with the prediction within the tolerance.",
		"kernel 6.18.0", "tcp_syn_retries 6, tcp_syn_linear_timeouts 4",
		"the summary counts 3 SYN-retried (connect ≥ 0.9 s, the server's accept not sooner)",
		"The thin grey line is the listener's accept-queue limit",
	)
	if cols := tableHeader(t, page, "main"); len(cols) < 3 || !slices.Contains(cols[:3], "agrees") {
		t.Errorf("report.html's main table starts %q: want agrees within its first three columns", cols)
	}
	for _, w := range []string{"sem-2", "ll-1", "peak waiting in app: measured 8, predicted 3 (+5, allowed ±2)",
		`<td class="no c">NO</td>`} {
		if !strings.Contains(page, w) {
			t.Errorf("report.html lacks %q", w)
		}
	}
	if strings.Contains(md, "What is missing") {
		t.Errorf("a complete run's report lists missing things:\n%s", md)
	}
}

func TestWriteInterrupted(t *testing.T) {
	dir := t.TempDir()
	run := newFakeRun()
	run.sum.Complete = false
	run.sum.Interrupted = "interrupted after 2.5s: requests still in flight were ended and count as other"
	run.write(t, dir)
	// A first report, then the run folder loses files: the second report
	// must drop the charts it can no longer draw.
	if _, err := Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ll-1.bin", "ll-1.predicted.csv", "sem-2.timeline.csv"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	// sem-2's .bin was never closed, and ends in the middle of a result.
	bin, err := os.ReadFile(filepath.Join(dir, "sem-2.bin"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sem-2.bin.partial"), bin[:len(bin)-20])
	os.Remove(filepath.Join(dir, "sem-2.bin"))

	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, page := checkReport(t, dir, path)
	want := []string{"ll-1-timeline.png", "overview.png", "sem-2-connect.png", "sem-2-latency.png", "sem-2-timeline.png"}
	if got := chartNames(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("charts %v, want %v", got, want)
	}
	for _, w := range []string{
		"INCOMPLETE: interrupted after 2.5s",
		"## What is missing",
		"ll-1: ll-1.bin is missing: no latency or connect-time charts",
		"ll-1: ll-1.predicted.csv is missing: no predicted lines",
		"sem-2: sem-2.timeline.csv is missing: no measured timeline",
		"sem-2.bin is missing; read sem-2.bin.partial, which the run did not close",
		"sem-2.bin.partial ends early",
		"The measured timeline is missing: only the prediction is drawn.",
		"The predicted series is missing: only the measurement is drawn.",
		"No latency chart: there is no ll-1.bin.",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q", w)
		}
		if !strings.Contains(page, strings.ReplaceAll(w, "## ", "")) {
			t.Errorf("report.html lacks %q", w)
		}
	}
}

func TestWriteWithoutSummary(t *testing.T) {
	dir := t.TempDir()
	newFakeRun().write(t, dir)
	os.Remove(filepath.Join(dir, "summary.json"))
	os.Remove(filepath.Join(dir, "ll-1.timeline.csv"))
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := checkReport(t, dir, path)
	contains(t, "report.md", md,
		"# conclab run "+filepath.Base(dir),
		"summary.json is missing (the run did not finish writing it)",
		"No table: summary.json is missing",
		"## sem-2 (semaphore)",
		"This target is not in summary.json",
	)
	if _, err := os.Stat(filepath.Join(dir, runfolder.ChartsDir, OverviewPNG)); err == nil {
		t.Error("overview.png drawn without a summary")
	}
}

func TestWriteDegenerate(t *testing.T) {
	// Input the charts could trip over: no results at all, latencies of
	// zero, one sample, unknown server gauges, a single predicted point.
	dir := t.TempDir()
	run := newFakeRun()
	run.targets[0].results = nil
	run.targets[0].timeline = timeline([5]float64{nan, nan, nan, nan, 0})
	run.targets[0].predicted = [][7]float64{{0, 0, 0, 0, 0, 0, 0}}
	run.targets[1].results = []vegetaResult{failed(0, 0, "EOF"), okResult(1, 0, 0)}
	run.targets[1].timeline = nil
	run.write(t, dir)
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := checkReport(t, dir, path)
	contains(t, "report.md", md, "No latency chart: sem-2.bin holds no results.")
}

func TestWriteNotARunFolder(t *testing.T) {
	empty := t.TempDir()
	file := filepath.Join(empty, "file")
	writeFile(t, file, []byte("x"))
	for _, dir := range []string{filepath.Join(empty, "nope"), empty, file} {
		_, err := Write(dir)
		if !errors.Is(err, ErrNotRunFolder) {
			t.Errorf("Write(%s): %v, want ErrNotRunFolder", dir, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, dir+": ") || strings.Contains(msg, "\n") {
			t.Errorf("Write(%s): %q: want one line starting with the folder", dir, msg)
		}
	}
}

func TestEscapeNeutralisesAddresses(t *testing.T) {
	got := esc(`<a> & "Get http://x/": HTTPS://y and xhttp://z`)
	want := `&lt;a&gt; &amp; &#34;Get http&#58;//x/&#34;: HTTPS&#58;//y and xhttp&#58;//z`
	if got != want {
		t.Errorf("esc:\n got %s\nwant %s", got, want)
	}
}

func TestNiceTicks(t *testing.T) {
	var labels []string
	for _, tk := range (niceTicks{}).Ticks(0, 0.7) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0 0.1 0.2 0.3 0.4 0.5 0.6 0.7" {
		t.Errorf("ticks over [0, 0.7]: %s", got)
	}
	labels = nil
	for _, tk := range (niceTicks{integer: true}).Ticks(0, 2) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "0 1 2" {
		t.Errorf("count ticks over [0, 2]: %q", got)
	}
}

func TestSecondsText(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.00025: "250µs", 0.012: "12.0ms", 1.5: "1.50s", 16: "16.0s", 120: "120s", -0.25: "-250ms"} {
		if got := secondsText(v); got != want {
			t.Errorf("secondsText(%g) = %q, want %q", v, got, want)
		}
	}
}

// contains fails the test for every want that doc, the file named, lacks.
func contains(t *testing.T, name, doc string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(doc, w) {
			t.Errorf("%s lacks %q", name, w)
		}
	}
}

// tableHeader is the column names of the HTML table of the class given.
func tableHeader(t *testing.T, page, class string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<table class="`+class+`">`)
	if !ok {
		t.Fatalf("report.html has no table of class %s", class)
	}
	head, _, _ := strings.Cut(rest, "</thead>")
	var cols []string
	for _, m := range regexp.MustCompile(`<th[^>]*>([^<]*)</th>`).FindAllStringSubmatch(head, -1) {
		cols = append(cols, m[1])
	}
	return cols
}
