package backfill

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/testbin"
)

// writeRun makes a small run folder like loadgen's.
func writeRun(t *testing.T, dir, runID string) string {
	t.Helper()
	run := filepath.Join(dir, runID)
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"summary.json": `{"run_id": "` + runID + `", "scenario": "quick", "scale": 0.5, "complete": true,
  "started": "2026-01-02T03:04:05Z", "wall_s": 3.5, "environment": {"somaxconn": 4096},
  "targets": [
    {"name": "limitlistener-5", "model": "limitlistener", "sent": 60,
     "outcomes": {"ok": 10, "timeout": 50, "http_503": 0},
     "latency_s": {"p50": 4.9, "p90": 5, "p99": 5.01, "max": 5.2}, "connect_s": {"p50": 0.001, "p99": 3, "max": 3.1},
     "ok_latency_s": {"p50": 2.0, "p90": 3.9, "p99": 3.9, "max": 3.9}, "goodput_per_s": 8.3, "wasted_work_s": 0.5,
     "syn_retried": 46, "predicted": {"inflight": 5, "queued": 0, "accept_queue": 9, "ok": 10, "syn_retried": 46, "outcomes": {"ok": 10},
       "goodput_per_s": 8.3, "wasted_work_s": 0.4},
     "agrees": true},
    {"name": "say \"hi\"", "model": "nethttp", "sent": 2, "outcomes": {"ok": 2}}
  ]}`,
		"limitlistener-5.timeline.csv": "t_s,inflight,queued,accept_queue,accept_limit,wasted_work_s,future_col,scraped_s\n" +
			"0.003,0,0,1,8,0,7,0.004\n1.005,5,,9,8,0.25,7,1.007\n2.004,5,0,9,8,0.5,,2.005\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(run, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return run
}

func TestWriteKeepsRealTime(t *testing.T) {
	r, err := Load(writeRun(t, t.TempDir(), "quick-1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Span(); got != 3500*time.Millisecond {
		t.Errorf("span %v, want wall_s 3.5s", got)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []*Run{r}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// started 2026-01-02T03:04:05Z is 1767323045.
	for _, want := range []string{
		"# TYPE conclab_run_inflight gauge\n",
		`conclab_run_inflight{run_id="quick-1",target="limitlistener-5"} 0 1767323045.003` + "\n",
		`conclab_run_inflight{run_id="quick-1",target="limitlistener-5"} 5 1767323047.004` + "\n",
		`conclab_run_accept_queue{run_id="quick-1",target="limitlistener-5"} 9 1767323046.005` + "\n",
		// A column this package does not know is kept.
		`conclab_run_future_col{run_id="quick-1",target="limitlistener-5"} 7 1767323046.005` + "\n",
		// Summary figures hold at every sample time.
		`conclab_run_outcomes{run_id="quick-1",target="limitlistener-5",outcome="timeout"} 50 1767323047.004` + "\n",
		`conclab_run_latency_seconds{run_id="quick-1",target="limitlistener-5",quantile="0.99"} 5.01 1767323045.003` + "\n",
		`conclab_run_connect_seconds{run_id="quick-1",target="limitlistener-5",quantile="1"} 3.1 1767323045.003` + "\n",
		`conclab_run_predicted{run_id="quick-1",target="limitlistener-5",what="accept_queue"} 9 1767323045.003` + "\n",
		`conclab_run_predicted{run_id="quick-1",target="limitlistener-5",what="wasted_work_s"} 0.4 1767323045.003` + "\n",
		`conclab_run_ok_latency_seconds{run_id="quick-1",target="limitlistener-5",quantile="0.5"} 2 1767323045.003` + "\n",
		`conclab_run_goodput{run_id="quick-1",target="limitlistener-5"} 8.3 1767323045.003` + "\n",
		`conclab_run_wasted_work_seconds{run_id="quick-1",target="limitlistener-5"} 0.25 1767323046.005` + "\n",
		`conclab_run_syn_retried{run_id="quick-1",target="limitlistener-5"} 46 1767323045.003` + "\n",
		`conclab_run_agrees{run_id="quick-1",target="limitlistener-5"} 1 1767323045.003` + "\n",
		`conclab_run_target_info{run_id="quick-1",target="limitlistener-5",model="limitlistener",scenario="quick",scale="0.5",started="2026-01-02T03:04:05Z",complete="true"} 1 1767323045.003` + "\n",
		// A target without a timeline: the run's start and end; labels escaped.
		`conclab_run_sent{run_id="quick-1",target="say \"hi\""} 2 1767323045.000` + "\n",
		`conclab_run_sent{run_id="quick-1",target="say \"hi\""} 2 1767323048.500` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// When a scrape answered is an instant, not a gauge.
	if strings.Contains(out, "scraped") {
		t.Error("scraped_s became a series")
	}
	// Empty cells are no samples.
	if strings.Contains(out, `conclab_run_queued{run_id="quick-1",target="limitlistener-5"} 0 1767323046.005`) ||
		strings.Contains(out, "NaN") {
		t.Error("an empty cell became a sample")
	}
	if !strings.HasSuffix(out, "# EOF\n") {
		t.Error("no # EOF at the end")
	}
	// Each family once, all of its lines together.
	seen := map[string]bool{}
	last := ""
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		if name != last && seen[name] {
			t.Errorf("family %s is split", name)
		}
		seen[name], last = true, name
	}
}

func TestWriteAlignsRuns(t *testing.T) {
	dir := t.TempDir()
	a, err := Load(writeRun(t, dir, "run-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(writeRun(t, dir, "run-b"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // 1772323200
	var buf bytes.Buffer
	if err := Write(&buf, []*Run{a, b}, at); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`conclab_run_inflight{run_id="run-a",target="limitlistener-5"} 5 1772323201.005`,
		`conclab_run_inflight{run_id="run-b",target="limitlistener-5"} 5 1772323201.005`,
		// The real start stays known.
		`started="2026-01-02T03:04:05Z"`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if err := Write(&bytes.Buffer{}, []*Run{a, a}, at); err == nil || !strings.Contains(err.Error(), "run_id run-a") {
		t.Errorf("the same run twice: err %v, want a duplicate run_id error", err)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct{ file, body, want string }{
		{"limitlistener-5.timeline.csv", "inflight\n1\n", "no t_s column"},
		{"limitlistener-5.timeline.csv", "t_s,inflight\n1,2\n1,3\n", "does not come after"},
		{"limitlistener-5.timeline.csv", "t_s,inflight\n1,x\n", "inflight"},
		{"summary.json", `{"run_id": "x", "targets": [{"name": "a"}]}`, `no "started"`},
		{"summary.json", `{"run_id": "x", "started": "2026-01-02T03:04:05Z", "targets": []}`, "no targets"},
		{"summary.json", `{`, "summary.json"},
	} {
		run := writeRun(t, t.TempDir(), "bad")
		if err := os.WriteFile(filepath.Join(run, c.file), []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(run); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err %v, want %q", c.file, c.body, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing folder loaded")
	}
}

// TestPromtoolImports: promtool (Debian's prometheus package) accepts the
// output; deploy/promtest does the full round trip.
func TestPromtoolImports(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testbin.Missing(t, "promtool not installed (Debian package prometheus)")
	}
	dir := t.TempDir()
	a, err := Load(writeRun(t, dir, "run-a"))
	if err != nil {
		t.Fatal(err)
	}
	om := filepath.Join(dir, "runs.om")
	f, err := os.Create(om)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, []*Run{a}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", om, filepath.Join(dir, "tsdb")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
}
