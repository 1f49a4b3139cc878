package calibrate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/summary"
)

// thisMachine is the key and nominal schedule the package computes here,
// read independently of it.
func thisMachine(t *testing.T) (key string, nominal []time.Duration, giveUp time.Duration) {
	t.Helper()
	s, err := sysinfo.ReadSynSettings()
	if err != nil {
		t.Skipf("no SYN sysctls: %v", err)
	}
	nominal, giveUp = predict.Kernel{SynRetries: s.Retries, SynLinearTimeouts: s.LinearTimeouts}.SynSchedule()
	return Key(sysinfo.KernelRelease(), s), nominal, giveUp
}

// quickCount is how many retransmissions the nominal schedule puts within
// QuickHorizon.
func quickCount(nominal []time.Duration) int {
	n := 0
	for _, r := range nominal {
		if r <= QuickHorizon {
			n++
		}
	}
	return n
}

// warnings collects the warnings of Options.Warn.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) warn(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, s)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lines)
}

func TestTheQuickProbeSeesTheFirstRetransmissionsLateButNeverEarly(t *testing.T) {
	t.Parallel()
	key, nominal, giveUp := thisMachine(t)
	var steps []Step
	cal, err := Probe(t.Context(), Options{Progress: func(s Step) { steps = append(steps, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", cal)
	want := quickCount(nominal)
	if cal.Measured != want || len(steps) != want {
		t.Fatalf("measured %d, %d progress steps; want %d (the nominal retransmissions within %s)",
			cal.Measured, len(steps), want, QuickHorizon)
	}
	if cal.Source != SourceProbe || cal.Key != key {
		t.Errorf("source %q key %q; want %q and %q", cal.Source, cal.Key, SourceProbe, key)
	}
	if _, err := time.Parse(time.RFC3339, cal.MeasuredAt); err != nil || !strings.HasSuffix(cal.MeasuredAt, "Z") {
		t.Errorf("measured_at %q: want RFC3339 UTC (%v)", cal.MeasuredAt, err)
	}
	if len(cal.RetransmitsS) != len(nominal) || len(cal.RetransmitSpreadS) != len(nominal) {
		t.Fatalf("%d retransmissions, %d spreads; want the nominal %d", len(cal.RetransmitsS), len(cal.RetransmitSpreadS), len(nominal))
	}
	for k := range want {
		nom := nominal[k].Seconds()
		lo, mid, hi := cal.RetransmitSpreadS[k][0], cal.RetransmitsS[k], cal.RetransmitSpreadS[k][1]
		// The timer wheel never fires early, and at most 12.5 % late;
		// 100 ms is for a busy machine polling under -race.
		if lo < nom || lo > mid || mid > hi || hi >= nom*1.125+0.1 {
			t.Errorf("retransmission %d: %.3f ≤ %.3f ≤ %.3f s; want within [%.3f, %.3f) s", k+1, lo, mid, hi, nom, nom*1.125+0.1)
		}
		if steps[k].Retransmit != k+1 || steps[k].Median.Seconds() != mid {
			t.Errorf("progress step %d: %+v, want retransmission %d at %.3f s", k, steps[k], k+1, mid)
		}
	}
	for k := want; k < len(nominal); k++ {
		if lo, mid, hi := cal.RetransmitSpreadS[k][0], cal.RetransmitsS[k], cal.RetransmitSpreadS[k][1]; lo < nominal[k].Seconds() || lo > mid || mid >= hi {
			t.Errorf("extrapolated retransmission %d: %.3f ≤ %.3f < %.3f s; want from %.3f s", k+1, lo, mid, hi, nominal[k].Seconds())
		}
	}
	if cal.GiveUpS < giveUp.Seconds() {
		t.Errorf("give-up %.3f s, before the nominal %s", cal.GiveUpS, giveUp)
	}
	for name, mm := range map[string][2]float64{"accept delay": cal.AcceptDelayS, "sleep overshoot": cal.SleepOvershootS} {
		if mm[0] < 0 || mm[0] > mm[1] || mm[1] > 1 {
			t.Errorf("%s [median, max] %v: want 0 ≤ median ≤ max < 1 s", name, mm)
		}
	}
}

// unmistakable is a calibration of this machine's key that no probe could
// measure: every figure is a thousand seconds or more.
func unmistakable(key string, n int) summary.KernelCalibration {
	cal := summary.KernelCalibration{GiveUpS: 9999, Measured: n, AcceptDelayS: [2]float64{1000, 1001},
		SleepOvershootS: [2]float64{1002, 1003}, MeasuredAt: "2001-02-03T04:05:06Z", Source: SourceProbe, Key: key}
	for k := range n {
		cal.RetransmitsS = append(cal.RetransmitsS, 1000+float64(k))
		cal.RetransmitSpreadS = append(cal.RetransmitSpreadS, [2]float64{1000 + float64(k), 1000.5 + float64(k)})
	}
	return cal
}

func TestLoadUsesAValidCacheFileWithoutProbing(t *testing.T) {
	t.Parallel()
	key, nominal, _ := thisMachine(t)
	opts := Options{CacheDir: t.TempDir()}
	path, err := Store(opts, unmistakable(key, len(nominal)))
	if err != nil {
		t.Fatal(err)
	}
	var w warnings
	opts.Warn = w.warn
	// A cancelled context: a probe could not run, and Load would fall
	// back to the nominal schedule.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cal := Load(ctx, opts)
	want := unmistakable(key, len(nominal))
	// The timer frequency is read from the kernel's configuration, not
	// cached: it is a fact of the kernel, and costs no probe.
	want.Source, want.Why, want.TimerHZ = SourceCache, path, sysinfo.TimerHZ()
	got, _ := json.Marshal(cal)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("Load:\n got %s\nwant %s", got, wantJSON)
	}
	if lines := w.all(); len(lines) != 0 {
		t.Errorf("warnings %q, want none", lines)
	}
}

// loadsAgain checks that Load warned once about a cache file it could not
// use, naming it and saying why, probed, and stored a probe the next Load
// uses.
func loadsAgain(t *testing.T, dir, path, why string) {
	t.Helper()
	var w warnings
	opts := Options{CacheDir: dir, Connects: 2, Warn: w.warn}
	cal := Load(t.Context(), opts)
	if cal.Source != SourceProbe {
		t.Fatalf("source %q (%s), want %q", cal.Source, cal.Why, SourceProbe)
	}
	lines := w.all()
	if len(lines) != 1 || !strings.Contains(lines[0], path) || !strings.Contains(lines[0], why) ||
		!strings.HasSuffix(lines[0], "probing again") || strings.Contains(lines[0], "\n") {
		t.Errorf("warnings %q: want one line naming %s, saying %q and \"probing again\"", lines, path, why)
	}
	again := Load(t.Context(), Options{CacheDir: dir, Warn: w.warn})
	if again.Source != SourceCache || again.Why != path || again.MeasuredAt != cal.MeasuredAt {
		t.Errorf("the next Load: source %q why %q measured_at %q; want the stored probe's %q from %s",
			again.Source, again.Why, again.MeasuredAt, cal.MeasuredAt, path)
	}
	if n := len(w.all()); n != 1 {
		t.Errorf("%d warnings after the next Load, want still 1", n)
	}
}

func TestACorruptCacheFileWarnsOnceAndIsProbedAgain(t *testing.T) {
	t.Parallel()
	key, _, _ := thisMachine(t)
	dir := t.TempDir()
	path := cacheFile(dir, key)
	if err := os.WriteFile(path, []byte(`{"retransmits_s": [1.0, `), 0o644); err != nil {
		t.Fatal(err)
	}
	loadsAgain(t, dir, path, "is corrupt")
}

func TestACacheFileOfAnotherKernelWarnsAndIsProbedAgain(t *testing.T) {
	t.Parallel()
	key, nominal, _ := thisMachine(t)
	dir := t.TempDir()
	path := cacheFile(dir, key)
	foreign, _ := json.Marshal(unmistakable("2.6.32 syn_retries=5 syn_linear_timeouts=0", len(nominal)))
	if err := os.WriteFile(path, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	loadsAgain(t, dir, path, `holds "2.6.32 syn_retries=5 syn_linear_timeouts=0"`)
}

func TestLoadFallsBackToTheNominalScheduleWhenTheProbeCannotRun(t *testing.T) {
	t.Parallel()
	thisMachine(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var w warnings
	cal := Load(ctx, Options{CacheDir: t.TempDir(), Warn: w.warn})
	if cal.Source != SourceNominal || !strings.Contains(cal.Why, "the probe failed") || !strings.Contains(cal.Why, "context canceled") {
		t.Errorf("source %q why %q; want %q saying the probe failed", cal.Source, cal.Why, SourceNominal)
	}
	if lines := w.all(); len(lines) != 0 {
		t.Errorf("warnings %q, want none: a missing cache file is no news", lines)
	}
}

func TestNominalIsTheScheduleThatPredictComputes(t *testing.T) {
	key, nominal, giveUp := thisMachine(t)
	cal := Nominal("asked for")
	if cal.Source != SourceNominal || cal.Why != "asked for" || cal.Key != key || cal.Measured != 0 {
		t.Errorf("source %q why %q key %q measured %d", cal.Source, cal.Why, cal.Key, cal.Measured)
	}
	if len(cal.RetransmitsS) != len(nominal) || cal.GiveUpS != giveUp.Seconds() {
		t.Fatalf("%v, give-up %g; want %v and %s", cal.RetransmitsS, cal.GiveUpS, nominal, giveUp)
	}
	for k, r := range nominal {
		if s := r.Seconds(); cal.RetransmitsS[k] != s || cal.RetransmitSpreadS[k] != [2]float64{s, s} {
			t.Errorf("retransmission %d: %g %v, want %g [%g %g]", k+1, cal.RetransmitsS[k], cal.RetransmitSpreadS[k], s, s, s)
		}
	}
}

func TestTheUnmeasuredRetransmissionsAreScaledByTheLastLatenessAndSpreadByTheTimerWheel(t *testing.T) {
	s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	nominal := []time.Duration{s(1), s(2), s(3), s(4), s(5), s(7), s(11)}
	o := observed{
		seen: [][]time.Duration{
			{s(1.01), s(2.02), s(3.03), s(4.5)}, // a fourth only this one saw
			{s(1.02), s(2.04), s(3.06)},
			{s(1.03), s(2.05), s(3.09)},
		},
		gaveUp: []time.Duration{0, 0, 0},
	}
	var cal summary.KernelCalibration
	o.fill(&cal, nominal, s(19))
	if cal.Measured != 3 {
		t.Fatalf("measured %d, want 3", cal.Measured)
	}
	// The last measured, the 3rd at 3 s: lateness 0.03, 0.06 (median, 2 %),
	// 0.09. The central values scale by 1.02, the spread shifts.
	want := []struct{ mid, lo, hi float64 }{
		{1.02, 1.01, 1.03}, {2.04, 2.02, 2.05}, {3.06, 3.03, 3.09},
		{4.08, 4.03, 4.09 + 0.125*1}, {5.10, 5.03, 5.09 + 0.125*2},
		{7.14, 7.03, 7.09 + 0.125*4}, {11.22, 11.03, 11.09 + 0.125*8},
	}
	for k, w := range want {
		got := [3]float64{cal.RetransmitsS[k], cal.RetransmitSpreadS[k][0], cal.RetransmitSpreadS[k][1]}
		for i, v := range [3]float64{w.mid, w.lo, w.hi} {
			if d := got[i] - v; d > 1e-9 || d < -1e-9 {
				t.Errorf("retransmission %d: median, min, max %v; want %v", k+1, got, w)
				break
			}
		}
	}
	if d := cal.GiveUpS - 19.38; d > 1e-9 || d < -1e-9 {
		t.Errorf("give-up %g, want 19.38: nominal scaled by the last median lateness", cal.GiveUpS)
	}
	o.gaveUp = []time.Duration{s(20), s(21), s(22)}
	o.fill(&cal, nominal, s(19))
	if cal.GiveUpS != 21 {
		t.Errorf("give-up %g, want the measured median 21", cal.GiveUpS)
	}
}

func TestTheCacheFileIsNamedFromTheKeyAlone(t *testing.T) {
	got := cacheFile("/c", "6.18.44-fc-v657 syn_retries=6 syn_linear_timeouts=4")
	if want := "/c/kernel-calibration-6.18.44-fc-v657_syn_retries_6_syn_linear_timeouts_4.json"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := cacheFile("/c", "../../etc/x y"); filepath.Dir(got) != "/c" {
		t.Errorf("a key with slashes: %s, want a file in /c", got)
	}
}

func TestProbeRefusesAConnectCountOutOfRange(t *testing.T) {
	for _, n := range []int{-1, MaxConnects + 1} {
		if _, err := Probe(t.Context(), Options{Connects: n}); err == nil || !strings.Contains(err.Error(), "connects: must be in 1..64") {
			t.Errorf("Connects %d: %v, want an error naming connects", n, err)
		}
	}
}
