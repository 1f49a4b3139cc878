package container

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/scenario"
)

// StackServices are the stack's own containers, whose names no target
// may take: they are host names on the stack's network.
var StackServices = []string{"loadgen", "config", "prometheus", "grafana"}

// Runnable refuses a target that cannot run as a container of a stack:
// one named like a container of the stack's own, or, embedded, with
// admin: none, which is measured from the kernel side, which sees only
// loadgen's own network namespace.
func Runnable(t scenario.Target) error {
	if slices.Contains(StackServices, t.Name) {
		return fmt.Errorf("target %s: the name is the stack's own service; rename the target", t.Name)
	}
	if !t.External() && t.AdminIgnored() {
		return fmt.Errorf("target %s: admin: none measures the server from loadgen's network namespace, and a container has its own", t.Name)
	}
	return nil
}

// Check reports how the server's /config c differs from the embedded target
// t, whose requests ask for at most maxAsk of sleep or of CPU each: another
// model, another knob, another backlog or gomaxprocs, or a max-sleep below
// maxAsk. nil when the server is the target's.
func Check(t scenario.Target, c *adminapi.Config, maxAsk time.Duration) error {
	if c.Model != t.Model {
		return fmt.Errorf("the server runs model %s, the scenario asks for %s", c.Model, t.Model)
	}
	model, _ := catalog.Lookup(t.Model)
	var differ []string
	for _, k := range model.Knobs {
		if got, want := k.Format(&c.Knobs), k.Format(&t.Settings); got != want {
			differ = append(differ, fmt.Sprintf("%s %s (the scenario: %s)", k.Field, got, want))
		}
	}
	if t.Backlog > 0 && c.BacklogRequested != t.Backlog {
		differ = append(differ, fmt.Sprintf("backlog %d (the scenario: %d)", c.BacklogRequested, t.Backlog))
	}
	if t.GOMAXPROCS > 0 && c.GOMAXPROCS != t.GOMAXPROCS {
		differ = append(differ, fmt.Sprintf("gomaxprocs %d (the scenario: %d)", c.GOMAXPROCS, t.GOMAXPROCS))
	}
	if maxSleep := adminapi.Seconds(&c.MaxSleepS); maxAsk > maxSleep {
		differ = append(differ, fmt.Sprintf("max sleep %v, below the %v a request asks for", maxSleep, maxAsk))
	}
	if len(differ) > 0 {
		return fmt.Errorf("the server's %s differs: %s", t.Model, strings.Join(differ, ", "))
	}
	return nil
}
