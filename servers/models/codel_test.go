package models_test

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/labtest"
)

// One slot, held by request 0 for 2 s. 1 and 2 join the queue at once,
// while it drains by the policy's clock: each may wait the 10 s
// queue-timeout. After 0.7 s the queue has stood longer than the 0.5 s
// interval: 3 may wait only the 100 ms target, and gets 503 long before
// the slot frees; and the freed slot goes to the newest waiter, 2, before 1.
func TestCodelTurnsLIFOWithShortWaitsOnceItsQueueStands(t *testing.T) {
	srv := labtest.Start(t, "--model", "codel", "--limit", "1", "--queue-timeout", "10s",
		"--codel-interval", "500ms", "--codel-target", "100ms")
	c := labtest.NewClients(t)
	labtest.HoldOne(t, c, srv, 0, "sleep=2s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	for id := 1; id <= 2; id++ {
		labtest.HoldOne(t, c, srv, id, "sleep=10ms", 2*time.Second)
		labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": float64(id)})
	}
	time.Sleep(700 * time.Millisecond)
	labtest.HoldOne(t, c, srv, 3, "sleep=10ms", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		key("conclab_requests_rejected_total", "reason", catalog.ReasonQueueTimeout): 1,
		"conclab_requests_inflight": 1, // 0 still runs: 3 left within its target
	})
	rs := c.Wait(t, settle)
	if rs[3].Status != 503 {
		t.Errorf("request 3: status %d, want 503", rs[3].Status)
	}
	if got := serviceOrder(t, rs[:3]); !slices.Equal(got, []string{"0", "2", "1"}) {
		t.Errorf("served %v, want 0, then the newest waiter 2, then 1", got)
	}
}
