package models_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/labtest"
)

// passages fetches every passage srv kept, or fails the test.
func passages(t *testing.T, srv *lab.Server) *adminapi.Passages {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := adminapi.FetchPassages(ctx, http.DefaultClient, "http://"+srv.AdminAddr(), time.Unix(0, 0), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A semaphore of 1: #0 asks for 300 ms, #1 waits behind it, and both clients
// leave after 100 ms. #1 never gets an answer, but the server's passages
// keep it: accepted, at the gate, and gone from the queue when the server
// saw its client leave. Each says when its work began: #0's stops as its
// client leaves, and the slot can reach #1 before the server sees that
// #1's client left too.
func TestThePassagesKeepARequestWhoseClientLeftBeforeItsAnswer(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "1")
	c := labtest.NewClients(t)
	labtest.HoldOne(t, c, srv, 0, "sleep=300ms", time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	labtest.HoldOne(t, c, srv, 1, "sleep=10ms", time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": 1})
	time.Sleep(100 * time.Millisecond)
	c.Close()
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 0, "conclab_requests_queued": 0})
	p := passages(t, srv)
	if len(p.Passages) != 2 || p.Dropped != 0 {
		t.Fatalf("passages %+v, want 2, none dropped", p)
	}
	for _, q := range p.Passages {
		if q.Accepted == 0 || q.Arrived < q.Accepted || q.Left < q.Arrived {
			t.Errorf("passage %+v: want accepted, then arrived, then left", q)
		}
		if q.ID == "0" && (q.Started < q.Arrived || q.Started > q.Left) {
			t.Errorf("passage %+v: want #0's work begun between its arrival and its end", q)
		}
		if q.ID == "1" && time.Duration(q.Left-q.Arrived) < 90*time.Millisecond {
			t.Errorf("#1 left the queue %v after it arrived, want the 100 ms until its client left", time.Duration(q.Left-q.Arrived))
		}
	}
}

// A semaphore of one and two 60 s POSTs: #1's client leaves while it
// waits, then #0's during its work. A POST's connection is watched once
// its body is read, so the model sees each leave: #1 leaves the queue, and
// #0's work stops. Only #0's passage has its work begun, and says where
// (the first turn of the semaphore's only slot) and when it stopped: no
// later than its way through the model ended, which comes after the
// slot's release.
func TestAPassageSaysWhetherAndWhereTheWorkOfAClientThatLeftBegan(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "1")
	post := labtest.Request{Method: http.MethodPost, Query: "sleep=60s", Body: "x=1"}
	running, waiting := labtest.NewClients(t), labtest.NewClients(t)
	labtest.HoldOneRequest(t, running, srv, 0, post, 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	labtest.HoldOneRequest(t, waiting, srv, 1, post, 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": 1})
	waiting.Close()
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": 0})
	running.Close()
	labtest.WaitFor(t, srv, settle, map[string]float64{key("conclab_requests_total", "code", "499"): 2})
	p := passages(t, srv)
	if len(p.Passages) != 2 {
		t.Fatalf("passages %+v, want 2", p.Passages)
	}
	for _, q := range p.Passages {
		began := q.Started != 0 && q.Started >= q.Arrived && q.Started < q.Left
		if (q.ID == "0") != began || (q.ID == "1" && q.Started != 0) {
			t.Errorf("passage %+v: want only #0's work begun, between its arrival and its end", q)
		}
		if where := (q.Slot == "slot-0" && q.Turn == 1); (q.ID == "0") != where || (q.ID == "1" && (q.Slot != "" || q.Turn != 0)) {
			t.Errorf("passage %+v: want #0's on slot-0's first turn, and #1's on none", q)
		}
		if stopped := q.Ended >= q.Started && q.Ended <= q.Left; (q.ID == "0" && !stopped) || (q.ID == "1" && q.Ended != 0) {
			t.Errorf("passage %+v: want #0's work stopped between its start and its end, and #1's never begun", q)
		}
	}
}

// fasthttp frees a connection's worker only once it has written the
// answer and closed the connection: its passage says when.
func TestAFasthttpPassageSaysWhenItsConnectionClosed(t *testing.T) {
	srv := labtest.Start(t, "--model", "fasthttp", "--limit", "2")
	c := labtest.Hold(t, srv, 1, "sleep=10ms", time.Second)
	if r := c.Wait(t, 5*time.Second)[0]; r.Status != 200 {
		t.Fatalf("status %d, body %q", r.Status, r.Body)
	}
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": 0})
	p := passages(t, srv)
	if len(p.Passages) != 1 {
		t.Fatalf("passages %+v, want 1", p)
	}
	if q := p.Passages[0]; q.ID != "0" || q.Accepted == 0 || time.Duration(q.Left-q.Arrived) < 10*time.Millisecond || q.Closed < q.Left {
		t.Errorf("passage %+v: want #0 accepted, 10 ms from arrived to left, closed after", q)
	}
}
