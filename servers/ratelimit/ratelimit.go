// Package ratelimit is net/http behind a token bucket: a request runs when
// the bucket holds a token, which it takes; --token-rate tokens come back
// each second, up to --burst, and the bucket starts full. Without a token
// the answer is 429 at once, or with --rate-wait the request reserves the
// next token and waits for it, unless that would take longer than
// --queue-timeout. golang.org/x/time/rate keeps the bucket, and the
// prediction follows its arithmetic (loadgen/predict/ratelimit.go).
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/lab"
)

// Spec registers the model.
var Spec = lab.Spec{
	Model: catalog.RateLimit,
	New: func(env *lab.Env) (lab.Model, error) {
		c := env.Config
		g := NewGate(c.TokenRate, c.Burst, c.RateWait, c.QueueTimeout, env.Metrics)
		return env.GateModel(g), nil
	},
}

// Gate admits a request per token of its bucket.
type Gate struct {
	bucket  *rate.Limiter
	wait    bool
	timeout time.Duration // the longest wait for a token; 0 = as long as the client waits
	metrics *lab.Metrics
}

// NewGate makes a gate whose bucket holds burst tokens and gains perSecond
// of them each second.
func NewGate(perSecond float64, burst int, wait bool, timeout time.Duration, m *lab.Metrics) *Gate {
	return &Gate{bucket: rate.NewLimiter(rate.Limit(perSecond), burst), wait: wait, timeout: timeout, metrics: m}
}

// Run implements lab.Gate.
func (g *Gate) Run(ctx context.Context, _ lab.Work, work func(slot string)) error {
	now := time.Now()
	if !g.wait {
		if !g.bucket.AllowN(now, 1) {
			return g.refuse("no token left")
		}
		work("")
		return nil
	}
	// Reserve, then give the token back if it comes too late: what
	// rate.Limiter.Wait does, but for the gauge of those that wait.
	r := g.bucket.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if g.timeout > 0 && delay > g.timeout {
		r.CancelAt(now)
		return g.refuse(fmt.Sprintf("the next token comes in %s, beyond --queue-timeout %s", delay, g.timeout))
	}
	if delay > 0 {
		if err := g.await(ctx, r, delay); err != nil {
			return err
		}
	}
	work("")
	return nil
}

// await waits delay for the reserved token, or gives it back if the client
// leaves first.
func (g *Gate) await(ctx context.Context, r *rate.Reservation, delay time.Duration) error {
	g.metrics.Queued.Inc()
	defer g.metrics.Queued.Dec()
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

func (g *Gate) refuse(why string) error {
	return &lab.Rejection{Reason: catalog.ReasonRateLimited, TooMany: true, Detail: why}
}
