package scenario

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

const scenariosDir = "../../scenarios"

// shipped returns the paths of the scenario files in the repository.
func shipped(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(scenariosDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no scenarios in %s", scenariosDir)
	}
	return paths
}

func mustLoad(t testing.TB, name string) *Scenario {
	t.Helper()
	s, err := Load(filepath.Join(scenariosDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadShipped(t *testing.T) {
	for _, path := range shipped(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimSuffix(filepath.Base(path), ".yaml"); s.Name != want {
				t.Errorf("name = %q, want the file's name %q", s.Name, want)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	check := func(t *testing.T, s *Scenario) {
		t.Helper()
		out, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("resolved.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal()) = %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("Parse(Marshal()) differs\n got: %+v\nwant: %+v\nYAML:\n%s", back, s, out)
		}
	}
	for _, path := range shipped(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			check(t, s)
			scaled, err := s.Scaled(0.02)
			if err != nil {
				t.Fatal(err)
			}
			check(t, scaled)
		})
	}
	extra := []struct{ name, in string }{
		{"external targets and server defaults", `name: ext
description: "tricky: text\nwith \"quotes\", a # and a trailing newline\n"
requests: 1
rate: 0.1
sleep: 1.5
cpu: 250ms
connect_timeout: 3s
keepalive: true
server: {gomaxprocs: 2, access_log: true, backlog: 64}
targets:
  - {name: remote, url: "http://10.0.0.1:8080/", admin: "http://10.0.0.1:9090"}
  - {name: remote-2, url: "http://h:1/x?y=1"}
  - {name: sem, model: semaphore, queue: 0, queue_timeout: 2s, gomaxprocs: 1}
  - {name: pool, model: pool, core: 2, max: 4, pool_keepalive: 30s, policy: discard-oldest, queue: -1}
`},
		{"kernel-side targets: commands, watches, admin none, like", `name: kern
requests: 3
rate: 2
sleep: 4s
targets:
  - {name: cmd, command: "python3 app.py --port {port}", like: semaphore, limit: 40}
  - {name: cmd-url, url: "http://127.0.0.1:{port}/x", command: "exec srv -p {port}", process: srv, service: 0}
  - {name: fixed, url: "http://127.0.0.1:8000/", command: "srv", pid: 42, like: pool, core: 10, queue: -1}
  - {name: plain, url: "http://127.0.0.1:8001/", admin: none, service: 3s, like: limitlistener}
  - {name: sem, model: semaphore, limit: 3, admin: none}
  - {name: ext-admin, url: "http://127.0.0.1:8002/", admin: "http://127.0.0.1:9002"}
`},
		{"names that look like other YAML", `name: "null"
requests: 5
rate: 3
targets:
  - {name: "true", model: gin}
  - {name: "1e3", model: echo}
  - {name: "0x10", model: nethttp}
  - {name: "-", model: fasthttp}
`},
	}
	for _, tt := range extra {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("extra.yaml", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			check(t, s)
		})
	}
}

// TestParseQuick is the golden check: quick.yaml resolved.
func TestParseQuick(t *testing.T) {
	got := mustLoad(t, "quick.yaml")
	want := &Scenario{
		Name:        "quick",
		Description: "Short test scenario, 60 requests at 50/s sleeping 2 s.",
		Requests:    60,
		Rate:        50,
		Arrival:     ArrivalConstant,
		Sleep:       FixedWork(2 * time.Second),
		Timeout:     Duration(4500 * time.Millisecond),
		MaxSleep:    Duration(4 * time.Second), // 2*(sleep+cpu)
		Targets: []Target{
			{Name: "nethttp", Model: "nethttp"},
			{Name: "semaphore-5", Model: "semaphore", Settings: catalog.Settings{Limit: 5, Queue: catalog.Unbounded, Order: "fifo",
				Processes: 1}},
			{Name: "limitlistener-5", Model: "limitlistener", Settings: catalog.Settings{Limit: 5}, Backlog: 8},
			{Name: "pool-3", Model: "pool", Settings: catalog.Settings{Core: 3, Max: 3, Queue: 10, Policy: "abort", Order: "fifo",
				PoolKeepAlive: catalog.DefaultPoolKeepAlive}},
			{Name: "fasthttp-5", Model: "fasthttp", Settings: catalog.Settings{Limit: 5}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("quick.yaml\n got: %+v\nwant: %+v", got, want)
	}
	if got, want := got.Schedule().MeanGap(), 20*time.Millisecond; got != want {
		t.Errorf("MeanGap() = %v, want %v", got, want)
	}
	if got, want := got.Schedule().LastSend(), 1180*time.Millisecond; got != want {
		t.Errorf("LastSend() = %v, want %v", got, want)
	}
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		name                   string
		extra                  string
		timeout, maxSleep      time.Duration
		targetBacklog, targetP int
	}{
		{"no work", "", time.Minute, time.Second, 0, 0},
		{"short sleep", "sleep: 2s\n", 62 * time.Second, 4 * time.Second, 0, 0},
		{"long sleep: a quarter of the work", "sleep: 800s\n", 1000 * time.Second, 1600 * time.Second, 0, 0},
		{"sleep and cpu", "sleep: 200s\ncpu: 200s\n", 500 * time.Second, 800 * time.Second, 0, 0},
		{"explicit", "sleep: 2s\ntimeout: 3s\nmax_sleep: 2s\n", 3 * time.Second, 2 * time.Second, 0, 0},
		{"server defaults", "server: {backlog: 16, gomaxprocs: 3}\n", time.Minute, time.Second, 16, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid + "  - {name: pool, model: pool, core: 4}\n  - {name: own, model: gin, backlog: 5, gomaxprocs: 7}\n  - {name: ext, url: 'http://h:1/'}\n" + tt.extra
			s, err := Parse("t.yaml", []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Duration(s.Timeout); got != tt.timeout {
				t.Errorf("Timeout = %v, want %v", got, tt.timeout)
			}
			if got := time.Duration(s.MaxSleep); got != tt.maxSleep {
				t.Errorf("MaxSleep = %v, want %v", got, tt.maxSleep)
			}
			a, pool, own, ext := s.Targets[0], s.Targets[1], s.Targets[2], s.Targets[3]
			if a.Backlog != tt.targetBacklog || a.GOMAXPROCS != tt.targetP {
				t.Errorf("target a: backlog %d gomaxprocs %d, want %d %d", a.Backlog, a.GOMAXPROCS, tt.targetBacklog, tt.targetP)
			}
			if pool.Max != 4 || pool.Policy != "abort" || pool.Queue != catalog.Unbounded {
				t.Errorf("pool: max %d policy %q queue %v, want 4, abort, -1", pool.Max, pool.Policy, pool.Queue)
			}
			if own.Backlog != 5 || own.GOMAXPROCS != 7 {
				t.Errorf("own: backlog %d gomaxprocs %d, want its own 5 and 7", own.Backlog, own.GOMAXPROCS)
			}
			if !ext.External() || ext.Backlog != 0 || ext.GOMAXPROCS != 0 {
				t.Errorf("ext: %+v, want external with no server defaults", ext)
			}
		})
	}
}

func TestScaledSeed(t *testing.T) {
	seed := mustLoad(t, "seed.yaml")
	orig := *seed
	got, err := seed.Scaled(0.02)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want time.Duration
	}{
		{"Interval", got.Schedule().MeanGap(), 10 * time.Millisecond},
		{"Sleep", time.Duration(got.Sleep.Fixed), 16 * time.Second},
		{"CPU", time.Duration(got.CPU.Fixed), 0},
		{"Timeout", time.Duration(got.Timeout), 18 * time.Second},
		{"MaxSleep", time.Duration(got.MaxSleep), 32 * time.Second},
		{"Duration", got.Schedule().LastSend(), 9990 * time.Millisecond},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if math.Abs(got.Rate-100) > 1e-9 || got.Requests != 1000 {
		t.Errorf("Rate %v Requests %d, want 100 and 1000", got.Rate, got.Requests)
	}
	// The only target time of the seed is pool-bounded's keep-alive, at
	// its default of a minute: scaled like every other time.
	for i, tg := range got.Targets {
		want := seed.Targets[i]
		want.PoolKeepAlive /= 50
		if !reflect.DeepEqual(tg, want) {
			t.Errorf("target %s: %+v, want %+v", tg.Name, tg, want)
		}
	}
	if !reflect.DeepEqual(*seed, orig) || seed.Schedule().MeanGap() != 500*time.Millisecond {
		t.Errorf("Scaled modified the original")
	}
	// Rate × Sleep, the number of requests held at once, is unchanged.
	if a, b := seed.Rate*time.Duration(seed.Sleep.Fixed).Seconds(), got.Rate*time.Duration(got.Sleep.Fixed).Seconds(); math.Abs(a-b) > 1e-6 {
		t.Errorf("rate×sleep changed: %v → %v", a, b)
	}
}

func TestScaledTargetTimes(t *testing.T) {
	s, err := Parse("t.yaml", []byte("connect_timeout: 10s\n"+valid+`  - {name: s, model: semaphore, limit: 2, queue: 5, queue_timeout: 30s}
  - {name: p, model: pool, core: 1, pool_keepalive: 60s}
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Scaled(0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got.ConnectTimeout != Duration(5*time.Second) || got.Targets[1].QueueTimeout != 15*time.Second ||
		got.Targets[2].PoolKeepAlive != 30*time.Second || got.Rate != 2 {
		t.Errorf("Scaled(0.5) = %+v", got)
	}
}

func TestScaledOne(t *testing.T) {
	for _, path := range shipped(t) {
		s, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Scaled(1)
		if err != nil {
			t.Fatal(err)
		}
		if got == s || !reflect.DeepEqual(got, s) {
			t.Errorf("%s: Scaled(1) is not an equal copy", path)
		}
	}
}

func TestScaledErrors(t *testing.T) {
	quick := mustLoad(t, "quick.yaml")
	tests := []struct {
		f    float64
		want string
	}{
		{0, "--scale: must be > 0, got 0"},
		{-0.5, "--scale: must be > 0, got -0.5"},
		{math.NaN(), "--scale: must be > 0, got NaN"},
		{math.Inf(1), "--scale: must be > 0, got +Inf"},
		{math.Inf(-1), "--scale: must be > 0, got -Inf"},
		{1e300, "--scale 1e+300: sleep: out of range once scaled"},
		{1e-12, "--scale 1e-12: rate: must be <= 1e+09 (one request per nanosecond), got 5e+13"},
	}
	for _, tt := range tests {
		got, err := quick.Scaled(tt.f)
		if err == nil {
			t.Errorf("Scaled(%v) = %+v, want error %q", tt.f, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Scaled(%v) error = %q, want %q", tt.f, err, tt.want)
		}
	}
}

func TestSelect(t *testing.T) {
	quick := mustLoad(t, "quick.yaml")
	got, err := quick.Select([]string{"pool-3", " nethttp", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 2 || got.Targets[0].Name != "nethttp" || got.Targets[1].Name != "pool-3" {
		t.Errorf("Select kept %+v, want nethttp and pool-3 in scenario order", got.Targets)
	}
	if len(quick.Targets) != 5 {
		t.Errorf("Select modified the original")
	}
	got.Targets[1].Queue = 99
	if quick.Targets[3].Queue != 10 {
		t.Errorf("Select shares its targets with the original")
	}

	all, err := quick.Select(nil)
	if err != nil || !reflect.DeepEqual(all, quick) {
		t.Errorf("Select(nil) = %v, %v; want an equal copy", all, err)
	}

	_, err = quick.Select([]string{"nethttp", "nope"})
	want := `--only: unknown target "nope"; valid targets: nethttp, semaphore-5, limitlistener-5, pool-3, fasthttp-5`
	if err == nil || err.Error() != want {
		t.Errorf("Select(nope) error = %v, want %q", err, want)
	}
	_, err = quick.Select([]string{"a", "b"})
	if err == nil || !strings.HasPrefix(err.Error(), `--only: unknown targets "a", "b"; valid targets: `) {
		t.Errorf("Select(a, b) error = %v", err)
	}
}

func TestIntervalAndDuration(t *testing.T) {
	tests := []struct {
		file               string
		interval, duration time.Duration
	}{
		{"seed.yaml", 500 * time.Millisecond, 499500 * time.Millisecond},
		{"quick.yaml", 20 * time.Millisecond, 1180 * time.Millisecond},
		{"burst10k.yaml", 3000003 * time.Nanosecond, 9999 * 3000003 * time.Nanosecond},
		{"cpu.yaml", 250 * time.Millisecond, 9750 * time.Millisecond},
	}
	for _, tt := range tests {
		s := mustLoad(t, tt.file)
		if got := s.Schedule().MeanGap(); got != tt.interval {
			t.Errorf("%s: MeanGap() = %v, want %v", tt.file, got, tt.interval)
		}
		if got := s.Schedule().LastSend(); got != tt.duration {
			t.Errorf("%s: LastSend() = %v, want %v", tt.file, got, tt.duration)
		}
	}
	one := &Scenario{Requests: 1, Rate: 5, Arrival: ArrivalConstant}
	if one.Schedule().LastSend() != 0 || one.Schedule().MeanGap() != 200*time.Millisecond {
		t.Errorf("one request is sent at once, and spans one interval")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) error = %v, want it to name the path", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(valid+"rate: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	if want := bad + ":7:1: rate: duplicate key (first set at line 3, column 1)"; err == nil || err.Error() != want {
		t.Errorf("Load(bad) error = %v, want %q", err, want)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "file too large") {
		t.Errorf("Load(big) error = %v, want file too large", err)
	}
}

func TestExternal(t *testing.T) {
	if (Target{Model: "gin"}).External() || !(Target{URL: "http://h:1/"}).External() {
		t.Error("External() must be true exactly when URL is set")
	}
}

func TestEveryKnobIsATargetFieldOfTheSameYAMLName(t *testing.T) {
	for _, k := range catalog.Knobs {
		f, ok := yamlField(reflect.TypeFor[Target](), k.Field)
		if !ok || f.Name != k.Name {
			t.Errorf("knob %s: the target's field of that yaml name is %q, want %s", k.Field, f.Name, k.Name)
		}
	}
}
