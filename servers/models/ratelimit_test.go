package models_test

import (
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/labtest"
)

func got429(r labtest.Result) bool { return r.Status == 429 }

// A bucket of 3 that gains a token every 10 s, against 8 requests held at
// once: 3 run, and 5 get 429 at once.
func TestRateLimitAnswers429BeyondItsBucket(t *testing.T) {
	srv := labtest.Start(t, "--model", "ratelimit", "--token-rate", "0.1", "--burst", "3")
	c := labtest.Hold(t, srv, 8, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight": 3,
		"conclab_requests_queued":   0,
		key("conclab_requests_rejected_total", "reason", catalog.ReasonRateLimited): 5,
		key("conclab_requests_total", "code", "429"):                                5,
	})
	c.WaitCount(t, settle, 5, got429)
}

// With --rate-wait and a 15 s queue timeout, against 6 requests held at
// once: 2 take the bucket, the third waits for the token due in 10 s, and
// the other three, whose tokens would come 20 s and more later, get 429.
func TestRateLimitWithWaitHoldsTheRequestsWhoseTokenComesInTime(t *testing.T) {
	srv := labtest.Start(t, "--model", "ratelimit", "--token-rate", "0.1", "--burst", "2",
		"--rate-wait", "--queue-timeout", "15s")
	c := labtest.Hold(t, srv, 6, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight": 2,
		"conclab_requests_queued":   1,
		key("conclab_requests_rejected_total", "reason", catalog.ReasonRateLimited): 3,
	})
	c.WaitCount(t, settle, 3, got429)
}
