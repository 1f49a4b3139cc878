package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeRun(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	summary := `{"run_id": "r1", "scenario": "quick", "scale": 1, "complete": true,
		"started": "2026-01-02T03:04:05Z", "wall_s": 10, "targets": [{"name": "nethttp", "model": "nethttp"}]}`
	timeline := "t_s,inflight\n0.000,1\n9.000,2\n"
	for name, body := range map[string]string{"summary.json": summary, "nethttp.timeline.csv": timeline} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	dir := writeRun(t, filepath.Join(t.TempDir(), "r1"))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		args []string
		code int
		want string // in the OpenMetrics output
	}{
		// now: the 10 s run ends 5 s before now.
		{[]string{dir}, 0, `conclab_run_inflight{run_id="r1",target="nethttp"} 2 1777636794.000`},
		{[]string{"--at", "started", dir}, 0, `conclab_run_inflight{run_id="r1",target="nethttp"} 1 1767323045.000`},
		{[]string{dir, "--at", "2026-03-01T00:00:00Z"}, 0, `conclab_run_inflight{run_id="r1",target="nethttp"} 1 1772323200.000`},
		{[]string{"--at", "yesterday", dir}, 2, ""},
		{[]string{}, 2, ""},
		{[]string{filepath.Join(dir, "nope")}, 1, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr, now)
		if code != c.code {
			t.Errorf("backfill %q: exit %d, want %d (%s)", c.args, code, c.code, stderr.String())
		}
		if c.want != "" && !strings.Contains(stdout.String(), c.want) {
			t.Errorf("backfill %q: output lacks %q:\n%s", c.args, c.want, stdout.String())
		}
	}

	out := filepath.Join(t.TempDir(), "runs.om")
	var stderr bytes.Buffer
	if code := run([]string{"-o", out, dir}, &bytes.Buffer{}, &stderr, now); code != 0 {
		t.Fatalf("-o: exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasSuffix(string(b), "# EOF\n") {
		t.Errorf("-o %s: %v %q", out, err, b)
	}
	if !strings.Contains(stderr.String(), "run_id r1 (1 targets") {
		t.Errorf("stderr %q does not name the run", stderr.String())
	}
}
