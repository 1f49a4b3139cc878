package scenario

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Skip is a target left out of a run, and why.
type Skip struct{ Target, Reason string }

// Runnable returns a copy of s without the targets whose Requires are
// missing on this machine, and a Skip for each of them, in the scenario's
// order. A target is left out for its first missing requirement.
func (s *Scenario) Runnable() (*Scenario, []Skip) {
	c := s.clone()
	c.Targets = c.Targets[:0]
	var skips []Skip
	for _, t := range s.Targets {
		if reason := missingRequirement(t.Requires); reason != "" {
			skips = append(skips, Skip{Target: t.Name, Reason: reason})
			continue
		}
		c.Targets = append(c.Targets, t)
	}
	return c, skips
}

// missingRequirement says which of requires is missing, or "" when none is.
func missingRequirement(requires []string) string {
	for _, r := range requires {
		r = strings.TrimSpace(r)
		if filepath.IsAbs(r) {
			if _, err := os.Stat(r); err != nil {
				return "needs " + r + ", which is missing"
			}
			continue
		}
		if _, err := exec.LookPath(r); err != nil {
			return "needs the command " + r + ", which is not on $PATH"
		}
	}
	return ""
}
