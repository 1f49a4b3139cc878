package verdict

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/scenario"
)

// samplerConns is what a labserver holds during a run besides the
// descriptors it had at start and the app connections: the sampler's
// kept-alive admin connection. Another scraper (Prometheus) adds one more.
const samplerConns = 1

// defaultFDsAtStart stands in for fds_at_start where it cannot be known (a
// /config without it, or no /proc): a labserver's own descriptors and the
// two cgroup files the Go runtime keeps open on cgroup v1.
const defaultFDsAtStart = adminapi.MinFDsAtStart + 2

// Host is what a labserver started on this machine would find.
type Host struct {
	Somaxconn  int    // the cap on its listen backlog
	NoFile     uint64 // its open-file limit; 0 for none known
	FDsAtStart int    // the descriptors it would hold before any connection
}

// ScenarioConfig is the /config that a labserver started for t would
// report, worked out without starting it: the knobs the scenario gives
// (resolved by Parse), and the backlog capped by somaxconn.
func ScenarioConfig(s *scenario.Scenario, t scenario.Target, h Host) *adminapi.Config {
	c := &adminapi.Config{Model: t.Model, Somaxconn: h.Somaxconn, NoFile: h.NoFile, FDsAtStart: h.FDsAtStart,
		BacklogRequested: cmp.Or(t.Backlog, s.Server.Backlog), Knobs: t.Settings}
	c.Backlog = c.BacklogRequested
	if c.Backlog == 0 || c.Backlog > h.Somaxconn {
		c.Backlog = h.Somaxconn
	}
	return c
}

// LimitsFromConfig reads a server's limits from its /config.
func LimitsFromConfig(c *adminapi.Config) (predict.Limits, error) {
	if c == nil || c.Model == "" {
		return predict.Limits{}, errors.New("/config has no model")
	}
	model, ok := catalog.Lookup(c.Model)
	if !ok {
		return predict.Limits{}, fmt.Errorf("/config: unknown model %q", c.Model)
	}
	l := predict.Limits{Discipline: model.Discipline, Settings: c.Knobs, Backlog: c.Backlog,
		WorkOutlivesClient: model.WorkOutlivesClient}
	fdsAtStart := cmp.Or(c.FDsAtStart, defaultFDsAtStart)
	if n, reserve := int(c.NoFile), fdsAtStart+samplerConns; n > reserve {
		l.FDLimit = n - reserve
	}
	return l, nil
}

// ScenarioLimits are the limits of a labserver started for t on h, without
// starting it.
func ScenarioLimits(s *scenario.Scenario, t scenario.Target, h Host) (predict.Limits, error) {
	return LimitsFromConfig(ScenarioConfig(s, t, h))
}
