package models_test

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/labtest"
)

// An adaptive limit of 2 (held there by its max) against 3 requests: 2
// run, the third gets 503 at once, and the gauge shows the limit.
func TestAnAdaptiveLimitRefusesBeyondItsLimit(t *testing.T) {
	for _, l := range catalog.Limiters {
		t.Run(l, func(t *testing.T) {
			srv := labtest.Start(t, "--model", "adaptive", "--limiter", l, "--initial-limit", "2", "--max-limit", "2")
			c := labtest.Hold(t, srv, 3, "sleep=30s", 2*time.Second)
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight": 2,
				"conclab_concurrency_limit": 2,
				key("conclab_requests_rejected_total", "reason", catalog.ReasonConcurrencyLimit): 1,
			})
			c.WaitCount(t, settle, 1, got503)
		})
	}
}
