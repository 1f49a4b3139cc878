// Package adaptive is net/http behind a concurrency limit that learns, as
// Netflix's concurrency-limits does: a request runs if fewer than the
// limit run, else it gets 503 at once; after each request, the limit
// learns from its round trip (internal/limiter: AIMD or Gradient2). The
// current limit is the gauge conclab_concurrency_limit.
package adaptive

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/limiter"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.Adaptive,
	New: func(env *lab.Env) (lab.Model, error) {
		c := env.Config
		g, err := NewGate(limiter.New(c.Limiter, c.InitialLimit, c.MinLimit, c.MaxLimit), env.Metrics)
		if err != nil {
			return nil, err
		}
		return env.GateModel(g), nil
	},
}

// Gate admits requests below its limiter's limit.
type Gate struct {
	mu       sync.Mutex
	limit    limiter.Limiter
	inflight int
	gauge    prometheus.Gauge
}

// NewGate makes a gate on l, and registers the limit's gauge with m.
func NewGate(l limiter.Limiter, m *lab.Metrics) (*Gate, error) {
	g := &Gate{limit: l, gauge: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "conclab_concurrency_limit", Help: "The adaptive model's current concurrency limit."})}
	if err := m.Registry.Register(g.gauge); err != nil {
		return nil, fmt.Errorf("adaptive: %w", err)
	}
	g.gauge.Set(float64(l.Limit()))
	return g, nil
}

// Run implements lab.Gate.
func (g *Gate) Run(ctx context.Context, _ lab.Work, work func(slot string)) error {
	g.mu.Lock()
	if limit := g.limit.Limit(); g.inflight >= limit {
		g.mu.Unlock()
		return &lab.Rejection{Reason: catalog.ReasonConcurrencyLimit,
			Detail: fmt.Sprintf("%d requests running, the limit", limit)}
	}
	g.inflight++
	inflight := g.inflight
	g.mu.Unlock()
	start := time.Now()
	work("")
	rtt := time.Since(start)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	// A client that left before the end drops the request.
	g.limit.Update(rtt, inflight, ctx.Err() != nil)
	g.gauge.Set(float64(g.limit.Limit()))
	return nil
}
