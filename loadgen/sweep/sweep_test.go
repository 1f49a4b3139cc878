package sweep

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

var kernel = predict.Kernel{SynRetries: 6, SynLinearTimeouts: 4, InitialRTO: time.Second}

var host = verdict.Host{Somaxconn: 4096}

// knees: requests of 95 ms, sent one interval apart for 20 s, with no
// queue: a semaphore of 6 slots serves at most 6/0.095 = 63.2 a second, a
// pool of 4 workers 42.1, a connection limit of 2 21.1 (its backlog of 2
// fills, and the 1 s timeout ends the SYN retries).
const knees = `
name: knees
requests: 400
rate: 20
sleep: 95ms
timeout: 1s
targets:
  - {name: semaphore-6, model: semaphore, limit: 6, queue: 0}
  - {name: pool-4, model: pool, core: 4, max: 4, queue: 0, policy: abort}
  - {name: limitlistener-2, model: limitlistener, limit: 2, backlog: 2}
`

func TestEachKneeIsTheModelsCapacity(t *testing.T) {
	s, err := scenario.Parse("knees.yaml", []byte(knees))
	if err != nil {
		t.Fatal(err)
	}
	rates, err := ParseRates("10:80:10")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		capacity, highest float64 // the knee's bounds, per second
		gridKnee          float64
	}{
		// Up to L/S every request finds a free slot: goodput is the
		// offered rate. Just past it, with arrivals one interval apart,
		// L are served and the next one finds every slot busy, and so
		// on: goodput falls at once to L/(L+1) of the offered rate,
		// under 95 %. The knee is the capacity itself.
		{6 / 0.095, 6 / 0.095, 60},
		{4 / 0.095, 4 / 0.095, 40},
		// The kernel's accept queue (backlog 2 + 1) takes the excess
		// until it is full; then the dropped SYNs time out at 1 s. Over
		// the 20 s of sends the server serves L/S a second, and at the
		// end the queue and the slots' last works: at most
		// (L/S + (3+L)/20 s) ÷ 0.95 offered keeps 95 %.
		{2 / 0.095, (2/0.095 + 5.0/20) / KneeShare, 20},
	} {
		tg := s.Targets[i]
		curve, err := PredictedCurve(s, tg, rates, kernel, host)
		if err != nil {
			t.Fatal(err)
		}
		knee, above, err := PredictedKnee(s, tg, curve, kernel, host)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := c.capacity*(1-kneeTolerance), c.highest*(1+kneeTolerance)
		if knee == nil || above || *knee < lo || *knee > hi {
			t.Errorf("%s: predicted knee %s (above %v), want %.2f to %.2f", tg.Name, show(knee), above, lo, hi)
		}
		// On the swept rates, the highest one under the capacity.
		var points []Point
		for _, r := range rates {
			p, err := predictAt(s, tg, r, kernel, host)
			if err != nil {
				t.Fatal(err)
			}
			points = append(points, p)
		}
		if k, _ := kneeOf(points); k == nil || *k != c.gridKnee {
			t.Errorf("%s: knee on 10, 20, … 80/s: %s, want %v", tg.Name, show(k), c.gridKnee)
		}
	}
}

func TestRatesAreAListOrARange(t *testing.T) {
	for text, want := range map[string][]float64{
		"50,100,200":   {50, 100, 200},
		"200, 50,50":   {50, 200},
		"10:50:20":     {10, 30, 50},
		"0.5:1.5:0.25": {0.5, 0.75, 1, 1.25, 1.5},
	} {
		got, err := ParseRates(text)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v, %v; want %v", text, got, err, want)
		}
	}
	for text, want := range map[string]string{
		"":         `--rates: "" is not a number`,
		"10,x":     `--rates: "x" is not a number`,
		"0,10":     "--rates: every rate must be > 0, got 0",
		"10:5:1":   `--rates: a range needs TO >= FROM and STEP > 0, got "10:5:1"`,
		"1:2":      `--rates: a range is FROM:TO:STEP, got "1:2"`,
		"1:1000:1": `--rates: "1:1000:1" is 1000 rates, more than 50`,
	} {
		if _, err := ParseRates(text); err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %s", text, err, want)
		}
	}
}

func TestASweepWritesAPointPerRateAndReadsBack(t *testing.T) {
	s, err := scenario.Parse("knees.yaml", []byte(knees))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A stand-in for loadgen run: every target answers what its central
	// prediction says, so that the measured knee is the grid's.
	fake := func(_ context.Context, at *scenario.Scenario, _, _ string) (*summary.Summary, error) {
		sum := &summary.Summary{Scenario: at.Name}
		for _, tg := range at.Targets {
			p, err := predictAt(s, tg, at.Rate, kernel, host)
			if err != nil {
				return nil, err
			}
			sum.Targets = append(sum.Targets, summary.Target{Name: tg.Name, Sent: at.Requests, GoodputPerS: p.GoodputPerS})
		}
		return sum, nil
	}
	sw, err := Run(context.Background(), Options{Scenario: s, Rates: []float64{20, 40, 60, 80}, Dir: dir, Run: fake,
		Kernel: kernel, Host: host})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Read(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Runs, []string{"rate-20", "rate-40", "rate-60", "rate-80"}) || len(back.Targets) != 3 {
		t.Fatalf("runs %v, %d targets", back.Runs, len(back.Targets))
	}
	for i, want := range []float64{60, 40, 20} {
		k := sw.Targets[i].Knee
		if k.MeasuredPerS == nil || *k.MeasuredPerS != want || math.Abs(*back.Targets[i].Knee.MeasuredPerS-want) > 0 {
			t.Errorf("%s: measured knee %v, want %v", sw.Targets[i].Name, k.MeasuredPerS, want)
		}
		if n := len(sw.Targets[i].Predicted); n != 28 { // 4 swept rates and 24 between
			t.Errorf("%s: %d predicted points, want 28", sw.Targets[i].Name, n)
		}
	}
}

// show is a knee for a message.
func show(k *float64) string {
	if k == nil {
		return "none"
	}
	return strconv.FormatFloat(*k, 'f', 2, 64)
}

func TestARangeOfRatesThatIsNotANumberIsRefused(t *testing.T) {
	for _, text := range []string{"nan:10:1", "1:nan:1", "1:10:nan", "1:inf:1"} {
		if _, err := ParseRates(text); err == nil || err.Error() != `--rates: FROM, TO and STEP must be numbers, got "`+text+`"` {
			t.Errorf("%q: error %v", text, err)
		}
	}
}
