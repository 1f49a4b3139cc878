package models_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/labtest"
)

// One slot or worker: request 0 holds it, and 1, 2 and 3 come one after
// another while it runs, each queued before the next is sent. The order in
// which they start, read from their replies, is the model's --order: fifo
// serves 1, 2, 3; lifo serves the newest first, 3, 2, 1.
func TestOrderDecidesWhichWaiterIsServedNext(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--model", "semaphore", "--limit", "1"}, []string{"0", "1", "2", "3"}},
		{[]string{"--model", "semaphore", "--limit", "1", "--order", "lifo"}, []string{"0", "3", "2", "1"}},
		{[]string{"--model", "pool", "--core", "1", "--order", "fifo"}, []string{"0", "1", "2", "3"}},
		{[]string{"--model", "pool", "--core", "1", "--order", "lifo"}, []string{"0", "3", "2", "1"}},
	} {
		t.Run(tc.args[1]+" "+tc.args[len(tc.args)-1], func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, tc.args...)
			c := labtest.NewClients(t)
			labtest.HoldOne(t, c, srv, 0, "sleep=1s", 2*time.Second)
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_inflight": 1})
			for id := 1; id <= 3; id++ {
				labtest.HoldOne(t, c, srv, id, "sleep=10ms", 2*time.Second)
				labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_requests_queued": float64(id)})
			}
			if got := serviceOrder(t, c.Wait(t, settle)); !slices.Equal(got, tc.want) {
				t.Errorf("served %v, want %v", got, tc.want)
			}
		})
	}
}

// serviceOrder lists the request ids by the time their work started.
func serviceOrder(t *testing.T, rs []labtest.Result) []string {
	t.Helper()
	replies := make([]lab.Reply, len(rs))
	for i, r := range rs {
		if r.Status != 200 {
			t.Fatalf("request %d: status %d, err %v", i, r.Status, r.Err)
		}
		if err := json.Unmarshal([]byte(r.Body), &replies[i]); err != nil {
			t.Fatalf("request %d: body %q: %v", i, r.Body, err)
		}
		if replies[i].ID != strconv.Itoa(i) {
			t.Fatalf("request %d answered as %q", i, replies[i].ID)
		}
	}
	sort.SliceStable(replies, func(a, b int) bool { return replies[a].Start.Before(replies[b].Start) })
	ids := make([]string, len(replies))
	for i, r := range replies {
		ids[i] = r.ID
	}
	return ids
}

// With --processes 2, each request waits in one of two gates of its own
// slots, picked at random: 3 requests held against 1 slot each are all
// running or waiting, at most 2 running, and twenty short ones are served
// by both processes (all twenty by one would happen once in 500,000 runs).
func TestSemaphoreProcessesEachHaveTheirOwnSlots(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "1", "--processes", "2", "--order", "lifo")
	labtest.Hold(t, srv, 3, "sleep=2s", 2*time.Second)
	deadline := time.Now().Add(settle)
	for {
		m := labtest.Scrape(t, srv)
		in, queued := m["conclab_requests_inflight"], m["conclab_requests_queued"]
		if in+queued == 3 {
			if in < 1 || in > 2 {
				t.Errorf("%v running, want 1 or 2", in)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v running and %v waiting, want 3 in all", in, queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := labtest.Hold(t, srv, 20, "sleep=1ms", 2*time.Second)
	seen := map[string]bool{}
	for i, r := range c.Wait(t, settle+5*time.Second) {
		var reply lab.Reply
		if err := json.Unmarshal([]byte(r.Body), &reply); err != nil || r.Status != 200 {
			t.Fatalf("request %d: %d %q", i, r.Status, r.Body)
		}
		seen[reply.Slot[:2]] = true
	}
	if !seen["p0"] || !seen["p1"] {
		t.Errorf("slots %v, want both processes", seen)
	}
}

// Each slot counts the requests that start on it: three requests through
// one slot have turns 1, 2 and 3 in the order they started, so loadgen can
// tell a hand-over from a gap where an answer was lost.
func TestEachSlotCountsItsTurns(t *testing.T) {
	srv := labtest.Start(t, "--model", "semaphore", "--limit", "1")
	c := labtest.Hold(t, srv, 3, "sleep=20ms", 2*time.Second)
	var replies []lab.Reply
	for i, r := range c.Wait(t, settle) {
		var reply lab.Reply
		if err := json.Unmarshal([]byte(r.Body), &reply); err != nil || r.Status != 200 {
			t.Fatalf("request %d: %d %q", i, r.Status, r.Body)
		}
		replies = append(replies, reply)
	}
	sort.Slice(replies, func(a, b int) bool { return replies[a].Start.Before(replies[b].Start) })
	for i, r := range replies {
		if r.Slot != "slot-0" || r.Turn != i+1 {
			t.Errorf("request started %d-th: slot %q turn %d, want slot-0 turn %d", i+1, r.Slot, r.Turn, i+1)
		}
	}
}
