package verdict

import (
	"cmp"
	"errors"
	"fmt"
	"time"

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
// report, worked out without starting it: the flags the scenario gives, the
// model's defaults for the others, and the backlog capped by somaxconn.
func ScenarioConfig(s *scenario.Scenario, t scenario.Target, h Host) *adminapi.Config {
	model, _ := catalog.Lookup(t.Model)
	c := &adminapi.Config{Model: t.Model, Somaxconn: h.Somaxconn, NoFile: h.NoFile, FDsAtStart: h.FDsAtStart,
		BacklogRequested: cmp.Or(t.Backlog, s.Server.Backlog), Policy: t.Policy, Order: t.Order}
	if model.Uses(catalog.Limit) {
		c.Limit = ptr(cmp.Or(t.Limit, model.DefaultLimit))
	}
	if model.Uses(catalog.Queue) {
		c.Queue = ptr(catalog.Unbounded)
		if t.Queue != nil {
			c.Queue = ptr(*t.Queue)
		}
	}
	if model.Uses(catalog.QueueTimeout) {
		c.QueueTimeoutS = ptr(time.Duration(t.QueueTimeout).Seconds())
	}
	if model.Uses(catalog.Core) {
		c.Core, c.Max = ptr(t.Core), ptr(cmp.Or(t.Max, t.Core))
	}
	if model.Uses(catalog.PoolKeepAlive) {
		c.PoolKeepAliveS = ptr(cmp.Or(time.Duration(t.PoolKeepAlive), catalog.DefaultPoolKeepAlive).Seconds())
	}
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
	l := predict.Limits{
		Discipline: model.Discipline, Limit: deref(c.Limit, 0), Queue: deref(c.Queue, catalog.Unbounded),
		QueueTimeout: adminapi.Seconds(c.QueueTimeoutS), Backlog: c.Backlog,
		Core: deref(c.Core, 0), Max: deref(c.Max, 0), PoolKeepAlive: adminapi.Seconds(c.PoolKeepAliveS), Policy: c.Policy,
		Order: c.Order, WorkOutlivesClient: model.WorkOutlivesClient,
	}
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

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T, otherwise T) T {
	if p == nil {
		return otherwise
	}
	return *p
}
