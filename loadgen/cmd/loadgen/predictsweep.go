package main

import (
	"fmt"
	"io"

	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/sweep"
	"github.com/conclab/conclab/loadgen/verdict"
)

// predictSweep is `loadgen predict --rates`: what `loadgen sweep` would
// predict, without sending a request: each target's knee and its goodput
// at each rate, on the central simulation.
func predictSweep(s *scenario.Scenario, ratesText string, k predict.Kernel, host verdict.Host, stdout, stderr io.Writer) int {
	rates, err := sweep.Rates(s, ratesText)
	if err != nil {
		fmt.Fprintln(stderr, "loadgen predict:", err)
		return exitBadInput
	}
	sw := &sweep.Sweep{Scenario: s.Name, Rates: rates}
	for _, t := range s.Targets {
		tg := sweep.Target{Name: t.Name, Model: t.Model}
		if !t.External() || t.Like != "" {
			if tg.Predicted, err = sweep.PredictedCurve(s, t, rates, k, host); err == nil {
				tg.Knee.PredictedPerS, tg.Knee.PredictedAbove, err = sweep.PredictedKnee(s, t, tg.Predicted, k, host)
			}
			if err != nil {
				fmt.Fprintf(stderr, "loadgen predict: target %s: %v\n", t.Name, err)
				return exitFailed
			}
		}
		sw.Targets = append(sw.Targets, tg)
	}
	writeKnees(stdout, sw)
	return exitOK
}
