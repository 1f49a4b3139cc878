package sweep

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/verdict"
)

// FileName is the sweep's summary in its folder.
const FileName = "sweep.json"

// KneeShare is how close to the offered rate goodput must stay: within 5 %.
const KneeShare = 0.95

// Sweep is sweep.json: the scenario at each rate, per target.
type Sweep struct {
	Scenario string    `json:"scenario"`
	Rates    []float64 `json:"rates"`
	// Runs are the run folders, one per rate, in the order of Rates.
	Runs    []string `json:"runs"`
	Targets []Target `json:"targets"`
}

// Target is one target's curves and knee.
type Target struct {
	Name  string `json:"name"`
	Model string `json:"model"`
	Knee  Knee   `json:"knee"`
	// Measured holds a point per swept rate, with the predicted ranges
	// of that run's verdict.
	Measured []Point `json:"measured"`
	// Predicted is the central simulation over a fine grid of rates.
	Predicted []Point `json:"predicted"`
}

// Knee is where goodput stops following the offered rate.
type Knee struct {
	// MeasuredPerS is the highest swept rate up to which every swept
	// rate kept goodput within 5 % of the offered; nil when the lowest
	// did not. MeasuredAbove says that the highest swept rate did, so
	// the knee lies at or above it.
	MeasuredPerS  *float64 `json:"measured_per_s"`
	MeasuredAbove bool     `json:"measured_above,omitempty"`
	// PredictedPerS is the same on the central simulation, to 0.1 %;
	// nil when it lies below the lowest rate. PredictedAbove as
	// MeasuredAbove.
	PredictedPerS  *float64 `json:"predicted_per_s"`
	PredictedAbove bool     `json:"predicted_above,omitempty"`
}

// Point is one offered rate's figures: goodput in ok answers per second,
// the ok requests' latency, and the shares of the requests rejected and
// timed out. The ranges, on measured points, are the run's predicted
// ranges (the 1st to 99th percentile over its replicas).
type Point struct {
	OfferedPerS   float64     `json:"offered_per_s"`
	Run           string      `json:"run,omitempty"`
	GoodputPerS   float64     `json:"goodput_per_s"`
	OKP50S        float64     `json:"ok_p50_s"`
	OKP99S        float64     `json:"ok_p99_s"`
	RejectedShare float64     `json:"rejected_share"`
	TimeoutShare  float64     `json:"timeout_share"`
	Agrees        *bool       `json:"agrees,omitempty"`
	Range         *PointRange `json:"range,omitempty"`
}

// PointRange is a measured point's predicted ranges, [low, high].
type PointRange struct {
	GoodputPerS   [2]float64 `json:"goodput_per_s"`
	OKP50S        [2]float64 `json:"ok_p50_s"`
	OKP99S        [2]float64 `json:"ok_p99_s"`
	RejectedShare [2]float64 `json:"rejected_share"`
	TimeoutShare  [2]float64 `json:"timeout_share"`
}

// PredictedAt is the predicted curve's point at rate, or a zero Point
// when the curve has none there.
func (t Target) PredictedAt(rate float64) Point {
	for _, p := range t.Predicted {
		if p.OfferedPerS == rate {
			return p
		}
	}
	return Point{}
}

// RunOne runs the scenario s (one rate of the sweep) into the folder
// dir/id and returns its summary.
type RunOne func(ctx context.Context, s *scenario.Scenario, dir, id string) (*summary.Summary, error)

// Options are a sweep's inputs.
type Options struct {
	Scenario *scenario.Scenario
	Rates    []float64 // ascending
	Dir      string    // the sweep folder, created if missing
	Run      RunOne
	// Kernel and Host are what the predicted curve assumes, as loadgen
	// predict does.
	Kernel   predict.Kernel
	Host     verdict.Host
	Progress io.Writer // one line per rate; nil for none
}

// RunID is the run folder of one rate: rate-50, rate-12.5.
func RunID(rate float64) string { return "rate-" + strconv.FormatFloat(rate, 'f', -1, 64) }

// Run runs the scenario at every rate, then writes sweep.json. A rate
// whose run fails ends the sweep with the runs so far in the folder.
func Run(ctx context.Context, opt Options) (*Sweep, error) {
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	sw := &Sweep{Scenario: opt.Scenario.Name, Rates: opt.Rates}
	sums := make([]*summary.Summary, 0, len(opt.Rates))
	for i, rate := range opt.Rates {
		s, err := opt.Scenario.AtRate(rate)
		if err != nil {
			return nil, err
		}
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "sweep: rate %g/s (%d of %d): %d requests per target\n", rate, i+1, len(opt.Rates), s.Requests)
		}
		sum, err := opt.Run(ctx, s, opt.Dir, RunID(rate))
		if err != nil {
			return nil, fmt.Errorf("sweep: rate %g/s: %w", rate, err)
		}
		sw.Runs = append(sw.Runs, RunID(rate))
		sums = append(sums, sum)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("sweep: interrupted at rate %g/s", rate)
		}
	}
	for _, t := range opt.Scenario.Targets {
		tg := Target{Name: t.Name, Model: t.Model}
		for i, sum := range sums {
			for j := range sum.Targets {
				if sum.Targets[j].Name == t.Name {
					tg.Measured = append(tg.Measured, measuredPoint(opt.Rates[i], sw.Runs[i], &sum.Targets[j]))
				}
			}
		}
		curve, err := PredictedCurve(opt.Scenario, t, opt.Rates, opt.Kernel, opt.Host)
		if err != nil {
			return nil, fmt.Errorf("sweep: target %s: %w", t.Name, err)
		}
		tg.Predicted = curve
		tg.Knee.MeasuredPerS, tg.Knee.MeasuredAbove = kneeOf(tg.Measured)
		tg.Knee.PredictedPerS, tg.Knee.PredictedAbove, err = PredictedKnee(opt.Scenario, t, curve, opt.Kernel, opt.Host)
		if err != nil {
			return nil, fmt.Errorf("sweep: target %s: %w", t.Name, err)
		}
		sw.Targets = append(sw.Targets, tg)
	}
	return sw, Write(filepath.Join(opt.Dir, FileName), sw)
}

// measuredPoint is what the run at rate measured of one target, with its
// predicted ranges.
func measuredPoint(rate float64, run string, t *summary.Target) Point {
	n := float64(max(t.Sent, 1))
	p := Point{OfferedPerS: rate, Run: run, GoodputPerS: t.GoodputPerS, OKP50S: t.OKLatency.P50, OKP99S: t.OKLatency.P99,
		RejectedShare: float64(outcome.Sum(t.Outcomes, outcome.Rejected...)) / n,
		TimeoutShare:  float64(t.Outcomes[outcome.Timeout]) / n, Agrees: t.Agrees}
	pr := t.Predicted
	if pr == nil || pr.Range == nil {
		return p
	}
	// Goodput is ok over the sending span, which the predicted central
	// value gives: goodput ÷ ok.
	perOK := 0.0
	if pr.OK > 0 {
		perOK = pr.GoodputPerS / float64(pr.OK)
	} else if rate > 0 {
		perOK = rate / n
	}
	share := func(k string) [2]float64 { r := pr.Range[k]; return [2]float64{float64(r[0]) / n, float64(r[1]) / n} }
	ok := pr.Range["ok"]
	p.Range = &PointRange{
		GoodputPerS:   [2]float64{float64(ok[0]) * perOK, float64(ok[1]) * perOK},
		OKP50S:        pr.RangeS["ok_latency_p50"],
		OKP99S:        pr.RangeS["ok_latency_p99"],
		RejectedShare: share("rejected"),
		TimeoutShare:  share("timeout"),
	}
	return p
}

// kneeOf is the highest rate of ascending points up to which every one
// kept goodput within 5 % of its offered rate; nil when the first did
// not, and above when all did.
func kneeOf(points []Point) (knee *float64, above bool) {
	for i, p := range points {
		if p.GoodputPerS < KneeShare*p.OfferedPerS {
			if i == 0 {
				return nil, false
			}
			r := points[i-1].OfferedPerS
			return &r, false
		}
	}
	if len(points) == 0 {
		return nil, false
	}
	r := points[len(points)-1].OfferedPerS
	return &r, true
}
