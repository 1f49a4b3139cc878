package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/report"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/sweep"
	"github.com/conclab/conclab/loadgen/verdict"
)

// predictSweep is `loadgen predict --rates`: what `loadgen sweep` would
// predict, without sending a request: each target's knee and its goodput
// at each rate, on the central simulation.
func predictSweep(s *scenario.Scenario, ratesText string, k predict.Kernel, host verdict.Host, stdout, stderr io.Writer) int {
	rates, err := sweep.ParseRates(ratesText)
	for _, r := range rates {
		if err == nil {
			_, err = s.AtRate(r)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen predict:", err)
		return exitBadInput
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "target\tpredicted knee/s\t")
	for _, r := range rates {
		fmt.Fprintf(tw, "goodput at %g/s\t", r)
	}
	fmt.Fprintln(tw)
	for _, t := range s.Targets {
		if t.External() && t.Like == "" {
			fmt.Fprintf(tw, "%s\t-\t\n", t.Name)
			continue
		}
		curve, err := sweep.PredictedCurve(s, t, rates, k, host)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		knee, above, err := sweep.PredictedKnee(s, t, curve, k, host)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
			return exitFailed
		}
		tg := sweep.Target{Predicted: curve, Knee: sweep.Knee{PredictedPerS: knee, PredictedAbove: above}}
		fmt.Fprintf(tw, "%s\t%s\t", t.Name, report.PredictedKneeText(tg.Knee, rates[0]))
		for _, r := range rates {
			fmt.Fprintf(tw, "%.1f\t", tg.PredictedAt(r).GoodputPerS)
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	return exitOK
}
