package models_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/workapi"
	"github.com/conclab/conclab/servers/labtest"
)

// deadlineIn is a Conclab-Deadline header d from now.
func deadlineIn(d time.Duration) map[string]string {
	return map[string]string{workapi.DeadlineHeader: time.Now().Add(d).Format(workapi.DeadlineFormat)}
}

// One slot, held by request 0 for 1 s. 1 waits with a deadline 300 ms
// away, 2 with one 10 s away. When the slot frees, 1 could no longer end
// in time: it gets 503 at once, without running, and 2 runs.
func TestADeadlineQueueRefusesAWaiterThatCouldNotEndInTime(t *testing.T) {
	srv := labtest.Start(t, "--model", "deadline", "--limit", "1")
	c := labtest.NewClients(t)
	labtest.HoldOne(t, c, srv, 0, "sleep=1s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	labtest.HoldOneRequest(t, c, srv, 1, labtest.Request{Query: "sleep=10ms", Header: deadlineIn(300 * time.Millisecond)}, 2*time.Second)
	// 1 must wait ahead of 2: sent together, their goroutines can reach
	// the gate in either order, and 2 first would run before 1 is refused.
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": 1})
	labtest.HoldOneRequest(t, c, srv, 2, labtest.Request{Query: "sleep=10ms", Header: deadlineIn(10 * time.Second)}, 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": 2})
	rs := c.Wait(t, settle)
	if rs[0].Status != 200 || rs[1].Status != 503 || rs[2].Status != 200 {
		t.Fatalf("statuses %d, %d, %d; want 200, 503, 200", rs[0].Status, rs[1].Status, rs[2].Status)
	}
	labtest.WaitFor(t, srv, settle, map[string]float64{
		key("conclab_requests_rejected_total", "reason", catalog.ReasonDeadline): 1,
		"conclab_wasted_work_seconds_total":                                      0,
	})
	var freed, next workapi.Reply
	var refusal workapi.Refusal
	for _, a := range []struct {
		body string
		into any
	}{{rs[0].Body, &freed}, {rs[1].Body, &refusal}, {rs[2].Body, &next}} {
		if err := json.Unmarshal([]byte(a.body), a.into); err != nil {
			t.Fatalf("answer %q: %v", a.body, err)
		}
	}
	// The release that freed 0's slot decided on 1, then handed the slot
	// to 2; 1's goroutine wrote its answer after that decision.
	d := refusal.Decided
	if d.IsZero() || d.Before(freed.End) || d.After(next.Start) || d.After(refusal.Refused) {
		t.Errorf("refusal decided at %v; want between the end that freed the slot (%v) and the next start (%v), "+
			"and no later than its answer (%v)", d, freed.End, next.Start, refusal.Refused)
	}
}

// A refusal decided where its answer is written, here a full queue's,
// does not say when it was decided apart from when it was refused: the
// guard that keeps decided to the refusals another goroutine decided.
func TestARefusalDecidedAsItIsWrittenSaysSoOnce(t *testing.T) {
	srv := labtest.Start(t, "--model", "deadline", "--limit", "1", "--queue", "0")
	c := labtest.NewClients(t)
	labtest.HoldOne(t, c, srv, 0, "sleep=1s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	labtest.HoldOneRequest(t, c, srv, 1, labtest.Request{Query: "sleep=10ms", Header: deadlineIn(10 * time.Second)}, 2*time.Second)
	rs := c.Wait(t, settle)
	if rs[1].Status != 503 || strings.Contains(rs[1].Body, `"decided"`) || !strings.Contains(rs[1].Body, `"refused"`) {
		t.Errorf("full queue's answer %d %s; want a 503 with refused and without decided", rs[1].Status, rs[1].Body)
	}
}

// A deadline that cannot be read is a 400 naming the header, on every
// model, and the server goes on.
func TestADeadlineThatCannotBeReadIsA400NamingTheHeader(t *testing.T) {
	for _, model := range []string{"deadline", "fasthttp"} {
		srv := labtest.Start(t, "--model", model)
		c := labtest.HoldRequest(t, srv, 1, labtest.Request{Query: "sleep=0", Header: map[string]string{workapi.DeadlineHeader: "yesterday"}}, 2*time.Second)
		r := c.Wait(t, settle)[0]
		if r.Status != 400 || !strings.Contains(r.Body, workapi.DeadlineHeader) {
			t.Errorf("%s: %d %q, want 400 naming %s", model, r.Status, r.Body, workapi.DeadlineHeader)
		}
		if ok := labtest.Hold(t, srv, 1, "sleep=0", 2*time.Second).Wait(t, settle)[0]; ok.Status != 200 {
			t.Errorf("%s: after it, a request got %d", model, ok.Status)
		}
	}
}
