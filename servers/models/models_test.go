package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/promscrape"
	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/labtest"
)

const settle = 10 * time.Second // scheduling margin; the values asserted are exact

func key(name string, labels ...string) string { return promscrape.Key(name, labels...) }

// The routers on net/http wait exactly where net/http waits: every request
// runs at once, nothing queues, the kernel queue stays empty.
func TestUnlimitedModelsRunEverythingAtOnce(t *testing.T) {
	for _, model := range []string{"nethttp", "gin", "echo"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, "--model", model)
			clients := labtest.Hold(t, srv, 50, "sleep=30s", 2*time.Second)
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight":   50,
				"conclab_requests_queued":     0,
				"conclab_connections_open":    50,
				"conclab_accept_queue_length": 0,
			})
			clients.Close()
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight":                  0,
				"conclab_connections_open":                   0,
				key("conclab_requests_total", "code", "499"): 50,
			})
		})
	}
}

func TestRoutersAnswerLikeNetHTTP(t *testing.T) {
	for _, model := range []string{"nethttp", "gin", "echo", "fasthttp"} {
		t.Run(model, func(t *testing.T) {
			srv := labtest.Start(t, "--model", model)
			c := labtest.Hold(t, srv, 1, "sleep=20ms&cpu=10ms", 2*time.Second)
			r := c.Wait(t, 5*time.Second)[0]
			if r.Status != 200 {
				t.Fatalf("status %d, err %v, body %q", r.Status, r.Err, r.Body)
			}
			var reply lab.Reply
			if err := json.Unmarshal([]byte(r.Body), &reply); err != nil {
				t.Fatalf("body %q: %v", r.Body, err)
			}
			if reply.ID != "0" || reply.Model != model || reply.SleptS < 0.020 || reply.CPUS < 0.010 || !reply.End.After(reply.Start) ||
				reply.Accepted.IsZero() || reply.Accepted.After(reply.Arrived) {
				t.Errorf("reply %+v", reply)
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{
				key("conclab_requests_total", "code", "200"): 1,
				"conclab_request_duration_seconds_count":     1,
			})
		})
	}
}

func TestSemaphoreQueuesBeyondItsSlots(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "3")
	labtest.Hold(t, srv, 8, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight":   3,
		"conclab_requests_queued":     5,
		"conclab_connections_open":    8,
		"conclab_accept_queue_length": 0,
	})
}

func got503(r labtest.Result) bool { return r.Status == 503 }

// checkRejected holds n sleeping requests against a labserver started with
// args, and checks that running of them run, queued wait, and rejected get
// a 503 for reason, as counted by the server and seen by the clients.
func checkRejected(t *testing.T, args []string, n int, running, queued, rejected float64, reason string) {
	t.Helper()
	srv := labtest.Start(t, args...)
	c := labtest.Hold(t, srv, n, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight":                              running,
		"conclab_requests_queued":                                queued,
		key("conclab_requests_rejected_total", "reason", reason): rejected,
		key("conclab_requests_total", "code", "503"):             rejected,
	})
	c.WaitCount(t, settle, int(rejected), got503)
}

func TestSemaphoreQueueCapAnswers503(t *testing.T) {
	checkRejected(t, []string{"--model", "semaphore", "--limit", "2", "--queue", "3"}, 9, 2, 3, 4, catalog.ReasonQueueFull)
}

func TestSemaphoreQueueTimeout(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "1", "--queue-timeout", "200ms")
	c := labtest.Hold(t, srv, 4, "sleep=30s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight": 1,
		"conclab_requests_queued":   0,
		key("conclab_requests_rejected_total", "reason", catalog.ReasonQueueTimeout): 3,
		"conclab_queue_wait_seconds_count":                                           0,
	})
	c.WaitCount(t, settle, 3, got503)
}

// LimitListener waits for a slot before accept(2): 2 connections are
// served, backlog+1 = 5 wait in the kernel accept queue, and the kernel
// drops the SYNs of the other 5, whose connects stall. The clients arrive
// one by one: in a burst, SYNs that pass the full-queue check together all
// complete the handshake on the client's side, although the kernel then
// drops their final ACK.
func TestLimitListenerLeavesTheExcessInTheKernel(t *testing.T) {
	srv := labtest.Start(t, "--model", "limitlistener", "--limit", "2", "--backlog", "4")
	if srv.Config.Backlog != 4 {
		t.Fatalf("effective backlog %d, want 4", srv.Config.Backlog)
	}
	c := holdInTurn(t, srv, 12, 2, 5)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight":   2,
		"conclab_connections_open":    2,
		"conclab_accept_queue_length": 5,
		"conclab_accept_queue_limit":  4,
	})
	if stalled := stalledConnects(c); fmt.Sprint(stalled) != "[7 8 9 10 11]" {
		t.Errorf("stalled connects %v, want [7 8 9 10 11]", stalled)
	}
	// The counter covers the whole network namespace, where other test
	// processes may overflow their own listeners: at least our 5.
	if s := labtest.Scrape(t, srv); s["conclab_listen_overflows_total"] < 5 {
		t.Errorf("listen overflows %v, want >= 5", s["conclab_listen_overflows_total"])
	}
}

// A connection limit of 1 accepts the second of two connections only
// when the first one's work has ended: its answer's accepted (the end of
// its wait in the kernel's accept queue) comes after the first's end.
func TestALimitListenersAnswerSaysWhenItsConnectionLeftTheKernel(t *testing.T) {
	srv := labtest.Start(t, "--model", "limitlistener", "--limit", "1")
	c := labtest.NewClients(t)
	labtest.HoldOne(t, c, srv, 0, "sleep=300ms", time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
	labtest.HoldOne(t, c, srv, 1, "sleep=10ms", time.Second)
	var replies [2]lab.Reply
	for i, r := range c.Wait(t, 5*time.Second) {
		if err := json.Unmarshal([]byte(r.Body), &replies[i]); r.Status != 200 || err != nil {
			t.Fatalf("client %d: status %d, body %q", i, r.Status, r.Body)
		}
	}
	first, second := replies[0], replies[1]
	if first.Accepted.IsZero() || first.Accepted.After(first.Arrived) || second.Accepted.Before(first.End) ||
		second.Accepted.After(second.Arrived) {
		t.Errorf("first accepted %v, arrived %v, ended %v; second accepted %v, arrived %v: want the second accepted after the first ended",
			first.Accepted, first.Arrived, first.End, second.Accepted, second.Arrived)
	}
}

// The pool behind --max-connections is Tomcat's connector: 2 workers run,
// the third accepted connection waits in the pool's queue, backlog+1 = 3
// wait in the kernel, and the SYNs of the other 2 are dropped.
func TestPoolBehindMaxConnectionsWaitsInThreePlaces(t *testing.T) {
	srv := labtest.Start(t, "--model", "pool", "--core", "2", "--max-connections", "3", "--backlog", "2")
	c := holdInTurn(t, srv, 8, 3, 3)
	labtest.WaitFor(t, srv, settle, map[string]float64{
		"conclab_requests_inflight":   2,
		"conclab_requests_queued":     1,
		"conclab_connections_open":    3,
		"conclab_accept_queue_length": 3,
	})
	if stalled := stalledConnects(c); fmt.Sprint(stalled) != "[6 7]" {
		t.Errorf("stalled connects %v, want [6 7]", stalled)
	}
}

// holdInTurn connects n clients one by one, each holding a 30 s request:
// the first accepted are taken by the server, the next queued wait in its
// accept queue, and the rest stall. The client's connect returns before
// the server has accepted or queued the connection, so it waits until it
// has before the next connects: a loaded machine cannot then reorder
// which connects stall.
func holdInTurn(t *testing.T, srv *lab.Server, n, accepted, queued int) *labtest.Clients {
	t.Helper()
	c := labtest.NewClients(t)
	for i := range n {
		labtest.HoldOne(t, c, srv, i, "sleep=30s", 400*time.Millisecond)
		switch {
		case i < accepted:
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": float64(i + 1)})
		case i < accepted+queued:
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_accept_queue_length": float64(i - accepted + 1)})
		}
	}
	return c
}

// stalledConnects are the ids of the clients whose connect timed out: their
// SYNs were dropped.
func stalledConnects(c *labtest.Clients) []int {
	var stalled []int
	for id, r := range c.Results() {
		var ne net.Error
		if errors.As(r.Err, &ne) && ne.Timeout() && !r.Connected {
			stalled = append(stalled, id)
		}
	}
	return stalled
}

func TestFasthttpRejectsBeyondConcurrency(t *testing.T) {
	checkRejected(t, []string{"--model", "fasthttp", "--limit", "5"}, 8, 5, 0, 3, catalog.ReasonConcurrencyLimit)
}

// The pool grows to core, then queues, then grows toward max only when the
// queue is full, then applies its policy: ThreadPoolExecutor's rule.
func TestPoolFollowsThreadPoolExecutor(t *testing.T) {
	type step struct{ workers, inflight, queued float64 }
	growth := []step{ // after clients 1..7 arrive one by one
		{1, 1, 0}, {2, 2, 0}, // up to core
		{2, 2, 1}, {2, 2, 2}, {2, 2, 3}, // then the queue fills
		{3, 3, 3}, {4, 4, 3}, // only then toward max
	}
	for _, tc := range []struct {
		policy          string
		inflight, queue float64 // after clients 8 and 9
		rejected        float64
		status503       int
		reset           []int // client ids whose connection is reset
	}{
		{policy: "abort", inflight: 4, queue: 3, rejected: 2, status503: 2},
		{policy: "discard", inflight: 4, queue: 3, rejected: 0, reset: []int{7, 8}},
		{policy: "discard-oldest", inflight: 4, queue: 3, rejected: 0, reset: []int{2, 3}},
		{policy: "caller-runs", inflight: 6, queue: 3, rejected: 0},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, "--model", "pool", "--core", "2", "--max", "4", "--queue", "3", "--policy", tc.policy)
			c := labtest.NewClients(t)
			for i, want := range growth {
				labtest.HoldOne(t, c, srv, i, "sleep=30s", 2*time.Second)
				labtest.WaitFor(t, srv, settle, map[string]float64{
					"conclab_pool_workers":      want.workers,
					"conclab_requests_inflight": want.inflight,
					"conclab_requests_queued":   want.queued,
				})
			}
			for i := 7; i < 9; i++ {
				labtest.HoldOne(t, c, srv, i, "sleep=30s", 2*time.Second)
				time.Sleep(50 * time.Millisecond) // keep 7 before 8
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_pool_workers":      4,
				"conclab_requests_inflight": tc.inflight,
				"conclab_requests_queued":   tc.queue,
				key("conclab_requests_rejected_total", "reason", catalog.ReasonPolicy): tc.rejected + float64(len(tc.reset)),
			})
			deadline := time.Now().Add(settle)
			for {
				rs := c.Results()
				n503 := labtest.Count(rs, got503)
				var reset []int
				for id, r := range rs {
					if errors.Is(r.Err, syscall.ECONNRESET) {
						reset = append(reset, id)
					}
				}
				if n503 == tc.status503 && fmt.Sprint(reset) == fmt.Sprint(nilIfEmpty(tc.reset)) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("503s %d (want %d), reset clients %v (want %v)", n503, tc.status503, reset, tc.reset)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func nilIfEmpty(s []int) []int {
	if len(s) == 0 {
		return nil
	}
	return s
}

// Workers above core leave after --pool-keepalive without work.
func TestPoolShrinksToCoreAfterKeepAlive(t *testing.T) {
	srv := labtest.Start(t, "--model", "pool", "--core", "1", "--max", "3", "--queue", "0", "--pool-keepalive", "300ms")
	c := labtest.Hold(t, srv, 3, "sleep=1s", 2*time.Second)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_pool_workers": 3})
	c.Wait(t, settle)
	labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_pool_workers": 1, "conclab_requests_inflight": 0})
}

// A client that leaves while queued frees its place at once, and one that
// leaves while running frees its slot: nothing leaks.
func TestCancellationFreesQueueAndSlots(t *testing.T) {
	for _, args := range [][]string{
		{"--model", "semaphore", "--limit", "10"},
		{"--model", "pool", "--core", "10", "--max", "10"},
	} {
		t.Run(args[1], func(t *testing.T) {
			srv := labtest.Start(t, args...)
			c := labtest.Hold(t, srv, 500, "sleep=60s", 5*time.Second)
			labtest.WaitFor(t, srv, 30*time.Second, map[string]float64{
				"conclab_requests_inflight": 10,
				"conclab_requests_queued":   490,
			})
			c.Close()
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight": 0,
				"conclab_requests_queued":   0,
				"conclab_connections_open":  0,
			})
			// Every slot is free again: 10 quick requests run at once.
			quick := labtest.Hold(t, srv, 10, "sleep=300ms", 2*time.Second)
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 10, "conclab_requests_queued": 0})
			for _, r := range quick.Wait(t, settle) {
				if r.Status != 200 {
					t.Fatalf("after cancellation: %+v", r)
				}
			}
		})
	}
}

func TestBacklogIsReadBackFromTheKernel(t *testing.T) {
	srv := labtest.Start(t, "--model", "nethttp", "--backlog", "7")
	if srv.Config.Backlog != 7 || srv.Config.BacklogRequested != 7 {
		t.Errorf("backlog %d (requested %d), want 7", srv.Config.Backlog, srv.Config.BacklogRequested)
	}
	max := sysinfo.Somaxconn()
	big := labtest.Start(t, "--model", "nethttp", "--backlog", fmt.Sprint(max+1000))
	if big.Config.Backlog != max {
		t.Errorf("backlog above somaxconn: effective %d, want somaxconn %d", big.Config.Backlog, max)
	}
	if len(big.Warnings) != 1 {
		t.Errorf("warnings %q, want one about somaxconn", big.Warnings)
	}
	labtest.WaitFor(t, big, settle, map[string]float64{"conclab_accept_queue_limit": float64(max)})
}

// /config names the server's network namespace, so that loadgen can tell
// whether the ListenOverflows it reads are shared with the server. A
// labserver started in the test shares the test's namespace.
func TestConfigNamesTheNetworkNamespaceTheServerSharesWithTheTest(t *testing.T) {
	srv := labtest.Start(t, "--model", "nethttp")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := adminapi.Fetch(ctx, http.DefaultClient, "http://"+srv.AdminAddr())
	if err != nil {
		t.Fatal(err)
	}
	want := sysinfo.NetNS()
	if want == "" {
		t.Fatal("the test cannot read its own /proc/self/ns/net")
	}
	if c.NetNS != want {
		t.Errorf("/config netns %q, want the test's %q", c.NetNS, want)
	}
}

func TestBadQueryGets400(t *testing.T) {
	for _, model := range []string{"nethttp", "fasthttp"} {
		srv := labtest.Start(t, "--model", model, "--max-sleep", "10s")
		for _, q := range []string{"sleep=11s", "sleep=-1s", "cpu=1h", "sleep=soon", "sleep=NaN", "sleep=1e300"} {
			c := labtest.Hold(t, srv, 1, q, 2*time.Second)
			r := c.Wait(t, 5*time.Second)[0]
			if r.Status != 400 || len(r.Body) == 0 {
				t.Errorf("%s %s: status %d body %q", model, q, r.Status, r.Body)
			}
		}
	}
}
