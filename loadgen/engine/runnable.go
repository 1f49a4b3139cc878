package engine

import (
	"fmt"

	labcontainer "github.com/conclab/conclab/loadgen/container"
	"github.com/conclab/conclab/loadgen/scenario"
)

// Runnable refuses, with a *BadInput, a scenario that a container cannot
// run: an external target (its server is not the lab image's), a values
// file (it is on this machine, not the engine's), or admin: none.
func Runnable(s *scenario.Scenario) error {
	if s.Sleep.ReadsFile() || s.CPU.ReadsFile() {
		return &BadInput{"--docker: the scenario draws its work from a values file, which the engine's containers cannot read; run it natively"}
	}
	for _, t := range s.Targets {
		if t.External() {
			return &BadInput{fmt.Sprintf("--docker: target %s is external (url:): only embedded targets run as containers", t.Name)}
		}
		if err := labcontainer.Runnable(t); err != nil {
			return &BadInput{"--docker: " + err.Error()}
		}
	}
	return nil
}
