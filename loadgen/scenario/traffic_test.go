package scenario

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// staged is a valid scenario with stages, a burst and drawn work.
const staged = `name: t
stages:
  - {duration: 10s, rate: 5}
  - {duration: 10s, target: 20}
bursts:
  - {at: 5s, requests: 30}
arrival: poisson
seed: 11
sleep: {dist: mix, of: [{weight: 95, sleep: 10ms}, {weight: 5, sleep: {dist: lognormal, median: 1s, p99: 2s}}]}
cpu: {dist: exponential, mean: 1ms}
max_sleep: 30s
targets:
  - name: a
    model: nethttp
`

var trafficErrorCases = []parseErrorCase{
	{"stages with requests", strings.Replace(staged, "arrival:", "requests: 5\narrival:", 1),
		"bad.yaml:7:11: requests: cannot be combined with stages: the stages set the rate, and so the requests"},
	{"stages with rate", strings.Replace(staged, "arrival:", "rate: 5\narrival:", 1),
		"bad.yaml:7:7: rate: cannot be combined with stages: the stages set the rate, and so the requests"},
	{"stages that add up to no requests", strings.NewReplacer("  - {duration: 10s, rate: 5}\n  - {duration: 10s, target: 20}\n",
		"  - {duration: 10s, target: 0}\n", "bursts:\n  - {at: 5s, requests: 30}\n", "").Replace(staged),
		"bad.yaml:3:3: stages: add up to no requests: every stage's rate is 0"},
	{"a zero rate in a step", strings.Replace(staged, "rate: 5}", "rate: 0}", 1),
		"bad.yaml:3:27: stages[0].rate: must be > 0 and <= 1e+09 (requests per second), got 0"},
	{"a negative rate in a step", strings.Replace(staged, "rate: 5}", "rate: -2}", 1),
		"bad.yaml:3:27: stages[0].rate: must be > 0 and <= 1e+09 (requests per second), got -2"},
	{"a negative ramp target", strings.Replace(staged, "target: 20}", "target: -1}", 1),
		"bad.yaml:4:29: stages[1].target: must be >= 0 and <= 1e+09 (requests per second), got -1"},
	{"a stage with rate and target", strings.Replace(staged, "rate: 5}", "rate: 5, target: 6}", 1),
		"bad.yaml:3:38: stages[0].target: cannot be combined with rate: a stage is a step (rate) or a ramp (target)"},
	{"a stage of no time", strings.Replace(staged, "{duration: 10s, rate: 5}", "{duration: 0s, rate: 5}", 1),
		"bad.yaml:3:16: stages[0].duration: must be > 0 and <= 1000h0m0s, got 0s"},
	{"a burst of none", strings.Replace(staged, "requests: 30", "requests: 0", 1),
		"bad.yaml:6:24: bursts[0].requests: must be >= 1 and <= 1000000, got 0"},
	{"an unknown arrival", strings.Replace(staged, "arrival: poisson", "arrival: bursty", 1),
		`bad.yaml:7:10: arrival: unknown arrival process "bursty"; valid: constant, poisson`},
	{"a p99 below the median", strings.Replace(staged, "median: 1s, p99: 2s", "median: 1s, p99: 500ms", 1),
		"bad.yaml:9:106: sleep.of[1].sleep.p99: must be above the median (1s) and <= 1000h0m0s, got 500ms; a work with no spread is a plain duration"},
	{"a weight of 0", strings.Replace(staged, "weight: 95", "weight: 0", 1),
		"bad.yaml:9:34: sleep.of[0].weight: must be > 0 and <= 1e+09, got 0"},
	{"a negative weight", strings.Replace(staged, "weight: 95", "weight: -1", 1),
		"bad.yaml:9:34: sleep.of[0].weight: must be > 0 and <= 1e+09, got -1"},
	{"an empty mix", strings.Replace(staged, "of: [{weight: 95, sleep: 10ms}, {weight: 5, sleep: {dist: lognormal, median: 1s, p99: 2s}}]", "of: []", 1),
		"bad.yaml:9:24: sleep.of: must list at least one part, {weight: W, sleep: WORK}"},
	{"a cpu part in a sleep mix", strings.Replace(staged, "{weight: 95, sleep: 10ms}", "{weight: 95, cpu: 10ms}", 1),
		"bad.yaml:9:43: sleep.of[0].cpu: not in a sleep mix: give the part's work as sleep"},
	{"an unknown distribution", strings.Replace(staged, "dist: exponential", "dist: pareto", 1),
		`bad.yaml:10:13: cpu.dist: unknown distribution "pareto"; valid: exponential, lognormal, mix (or file: for a values file)`},
	{"a key the distribution does not take", strings.Replace(staged, "mean: 1ms", "mean: 1ms, p99: 2ms", 1),
		"bad.yaml:10:42: cpu.p99: not used by dist: exponential"},
	{"a mapping with neither dist nor file", strings.Replace(staged, "cpu: {dist: exponential, mean: 1ms}", "cpu: {scale: 2}", 1),
		"bad.yaml:10:6: cpu: a mapping must name a distribution (dist: exponential, lognormal or mix) or a values file (file:)"},
	{"a lognormal whose mean overflows", strings.Replace(staged, "median: 1s, p99: 2s", "median: 1ns, p99: 1000h", 1),
		"bad.yaml:9:107: sleep.of[1].sleep.p99: too far above the median (1ns): the mean would be 8.41e+38 hours, more than 1000h0m0s"},
	{"an exponential of mean 0", strings.Replace(staged, "mean: 1ms", "mean: 0s", 1),
		"bad.yaml:10:32: cpu.mean: must be > 0 and <= 1000h0m0s, got 0s"},
	{"a draw above max_sleep", strings.Replace(staged, "max_sleep: 30s", "max_sleep: 1s", 1),
		"bad.yaml:9:8: sleep: request 19 draws 1.167286814s, above max_sleep (1s): raise max_sleep or narrow the distribution"},
}

func TestTrafficErrorsNameTheFieldAndWhereItIs(t *testing.T) {
	if _, err := Parse("bad.yaml", []byte(staged)); err != nil {
		t.Fatalf("the base scenario: %v", err)
	}
	for _, tt := range trafficErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestAValuesFileHoldsDurationsOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.txt", "# ms\n10ms\n\n0.02 # seconds\n30ms\n")
	write("bad.txt", "10ms\nsoon\n")
	write("empty.txt", "# nothing\n")
	doc := func(file string) []byte {
		return []byte(strings.Replace(valid, "rate: 1\n", "rate: 1\nsleep: {file: "+file+"}\n", 1))
	}
	s, err := Parse(filepath.Join(dir, "s.yaml"), doc("good.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}; !slices.Equal(s.Sleep.values, want) ||
		s.Sleep.File != filepath.Join(dir, "good.txt") {
		t.Errorf("values %v from %s, want %v from good.txt", s.Sleep.values, s.Sleep.File, want)
	}
	for _, sl := range s.Schedule().Sleep {
		if sl != 10*time.Millisecond && sl != 20*time.Millisecond && sl != 30*time.Millisecond {
			t.Errorf("drew %v, not one of the file's values", sl)
		}
	}
	for file, want := range map[string]string{
		"bad.txt":     `:4:15: sleep.file: bad.txt:2: must be a duration >= 0 like "12ms", or a number of seconds, got "soon"`,
		"empty.txt":   ":4:15: sleep.file: empty.txt: holds no durations",
		"missing.txt": ":4:15: sleep.file: open " + filepath.Join(dir, "missing.txt") + ": no such file or directory",
		"/dev/zero":   ":4:15: sleep.file: zero: not a regular file",
	} {
		if _, err := Parse(filepath.Join(dir, "s.yaml"), doc(file)); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("%s: error %v, want one ending %q", file, err, want)
		}
	}
}

func TestTheSeedOfARandomScenarioIsWrittenAndReadsBack(t *testing.T) {
	noSeed := strings.Replace(staged, "seed: 11\n", "", 1)
	s, err := Parse("s.yaml", []byte(noSeed))
	if err != nil {
		t.Fatal(err)
	}
	if s.Seed == 0 {
		t.Fatal("a random scenario without a seed got none")
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("s.yaml", out)
	if err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	if !reflect.DeepEqual(s, back) || !reflect.DeepEqual(s.Schedule(), back.Schedule()) {
		t.Errorf("the resolved scenario reads back otherwise:\n%s", out)
	}
	// A steady scenario has no seed to write.
	if steady := mustParse(t, valid); steady.Random() || steady.Seed != 0 {
		t.Errorf("a steady scenario is random, or has seed %d", steady.Seed)
	}
}

func TestAStagedScenarioScalesItsTimesAndKeepsItsCounts(t *testing.T) {
	s := mustParse(t, staged)
	c, err := s.Scaled(0.5)
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Schedule(), c.Schedule()
	if a.Len() != b.Len() || b.Span != a.Span/2 {
		t.Errorf("scaled: %d requests over %v; want %d over %v", b.Len(), b.Span, a.Len(), a.Span/2)
	}
	for i := range a.Send {
		if d := b.Send[i] - a.Send[i]/2; d < -1 || d > 1 {
			t.Fatalf("request %d sent at %v once scaled, want %v", i, b.Send[i], a.Send[i]/2)
		}
	}
	if c.Bursts[0].At != Duration(2500*time.Millisecond) {
		t.Errorf("the burst is at %v once scaled, want 2.5s", c.Bursts[0].At)
	}
}

func mustParse(t *testing.T, doc string) *Scenario {
	t.Helper()
	s, err := Parse("s.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStagesOfTooManyRequestsStopAtTheLimit(t *testing.T) {
	doc := strings.Replace(staged, "{duration: 10s, rate: 5}", "{duration: 100h, rate: 1e9}", 1)
	_, err := Parse("bad.yaml", []byte(doc))
	if want := "bad.yaml:3:3: stages: add up to more than 1000000 requests, bursts included"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestTheReportSaysWhatTheScheduleSends(t *testing.T) {
	s := mustParse(t, staged)
	// The stages expect 50 + (5+20)/2·10 = 175 arrivals; seed 11 draws 170.
	if got, want := s.Traffic(s.Schedule()), "170 requests in 2 Poisson stages over 20s, plus a burst of 30 at 5s"; got != want {
		t.Errorf("traffic %q, want %q", got, want)
	}
	// The mean: 95 % of 10 ms, and 5 % of a lognormal of median 1 s and
	// σ = ln 2/2.326, whose mean is 1 s·e^(σ²/2) = 1.0454 s.
	if got, want := s.WorkText(), "10ms (95 %) or lognormal, median 1s, p99 2s (5 %) (mean 61.769427ms) of sleep and exponential, mean 1ms of CPU"; got != want {
		t.Errorf("work %q, want %q", got, want)
	}
	steady := mustParse(t, valid)
	if got, want := steady.Traffic(steady.Schedule()), "10 requests at 1/s (one every 1s)"; got != want {
		t.Errorf("traffic %q, want %q", got, want)
	}
}

func TestAtRateKeepsTheSendingSpan(t *testing.T) {
	s := mustParse(t, valid) // 10 requests at 1/s
	c, err := s.AtRate(2.5)
	if err != nil {
		t.Fatal(err)
	}
	if c.Requests != 25 || c.Rate != 2.5 || c.Schedule().Span != s.Schedule().Span || s.Requests != 10 {
		t.Errorf("at 2.5/s: %d requests over %v; want 25 over %v, the original untouched", c.Requests, c.Schedule().Span, s.Schedule().Span)
	}
	if _, err := mustParse(t, staged).AtRate(10); err == nil || err.Error() != "scenario t: its stages set the rate; a sweep needs requests and rate" {
		t.Errorf("a staged scenario: %v", err)
	}
}

func TestAValuesFileInAMixIsNamedByItsPath(t *testing.T) {
	doc := strings.Replace(valid, "rate: 1\n", "rate: 1\ncpu: {dist: mix, of: [{weight: 1, cpu: {file: nope.txt}}]}\n", 1)
	_, err := Parse(filepath.Join(t.TempDir(), "s.yaml"), []byte(doc))
	if err == nil || !strings.Contains(err.Error(), ": cpu.of[0].cpu.file: open ") {
		t.Errorf("error %v, want one at cpu.of[0].cpu.file", err)
	}
	zero := strings.Replace(valid, "rate: 1\n", "rate: 1\nsleep: {file: "+filepath.Join(t.TempDir(), "v.txt")+", scale: 0}\n", 1)
	if _, err := Parse("s.yaml", []byte(zero)); err == nil || !strings.Contains(err.Error(), "sleep.scale: must be > 0, got 0") {
		t.Errorf("scale 0: error %v", err)
	}
}
