package runner

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/promscrape"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/verdict"
)

// passagesWithin bounds the fetch of a target's passages after its run:
// a million of them are about 100 MB of JSON.
const passagesWithin = 30 * time.Second

// completeFromPassages gives the requests whose answer did not say when
// they reached the model's gate (their clients gave up first) that
// instant, and their connection's accept, from the passages the target's
// labserver kept (adminapi.PathPassages), and every request how long its
// server held its place after its work, until the close (fasthttp's), and
// when the close that freed its connection's slot happened
// (limitlistener's), and, for each request whose client gave up, when its
// way through the model ended and, if its work had begun, when it did.
// Without them the verdict cannot replay any request's measured way to
// the gate, since it would replay
// the answered requests' alone. Only a labserver on loadgen's host shares
// its clock; any other target is left as it is. since is the run's start:
// a server of a compose stack keeps earlier runs' passages too. It returns
// a note when the passages could not be had.
func (t *target) completeFromPassages(ctx context.Context, since time.Time) string {
	if t.adminURL == "" || t.spec.External() {
		return ""
	}
	t.awaitIdle(ctx)
	p, err := adminapi.FetchPassages(ctx, launch.AdminClient, t.adminURL, since, passagesWithin)
	if err != nil {
		return fmt.Sprintf("the server's passages (%s): %v: the requests its answers do not time have no way to the gate, and the replicas draw every request's", adminapi.PathPassages, err)
	}
	byID := make(map[string]adminapi.Passage, len(p.Passages))
	for _, q := range p.Passages {
		byID[q.ID] = q
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.hits {
		h := &t.hits[i]
		q, ok := byID[strconv.Itoa(h.seq)]
		if !ok {
			continue
		}
		if q.Closed != 0 && q.Closed > q.Left {
			h.closeHold = time.Duration(q.Closed - q.Left)
		}
		if d := time.Unix(0, q.SlotFreed).Sub(h.sent); q.SlotFreed != 0 && d > 0 {
			h.slotFreed = d
		}
		if d := time.Unix(0, q.Left).Sub(h.sent); h.outcome == outcome.Timeout && q.Left != 0 && d > 0 {
			h.left = d
			if s := time.Unix(0, q.Started).Sub(h.sent); q.Started != 0 && s > 0 {
				h.startedLeft = s
				h.stopped = stoppedWork(q)
			}
		}
		if h.toGate > 0 {
			continue
		}
		if d := time.Unix(0, q.Arrived).Sub(h.sent); d > 0 {
			h.toGate = d
		}
		if d := time.Unix(0, q.Accepted).Sub(h.sent); q.Accepted != 0 && d > 0 {
			h.toAccept = d
		}
	}
	if p.Dropped > 0 {
		return fmt.Sprintf("the server kept %d passages and dropped %d (%s keeps at most %d)", len(p.Passages), p.Dropped, adminapi.PathPassages, adminapi.MaxPassages)
	}
	return ""
}

// idleWithin bounds the wait for a target's server to finish what it
// still holds after its clients are done: a request whose client gave
// up gets its passage when the server lets it go, which fasthttp does
// only when its work ends.
const idleWithin = 3 * time.Second

// awaitIdle waits, within idleWithin, until the target's server runs and
// queues nothing, as its /metrics say.
func (t *target) awaitIdle(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, idleWithin)
	defer cancel()
	for {
		s, err := promscrape.Scrape(ctx, launch.AdminClient, t.adminURL+adminapi.PathMetrics)
		if err == nil && s["conclab_requests_inflight"] == 0 && s["conclab_requests_queued"] == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stoppedWork is the work of passage q, whose client left during it, as
// the server timed it: its End is when the model stopped it, zero where
// the passage did not say (an older labserver).
func stoppedWork(q adminapi.Passage) *verdict.Served {
	w := &verdict.Served{Slot: q.Slot, Turn: q.Turn, Arrived: time.Unix(0, q.Arrived), Start: time.Unix(0, q.Started)}
	if q.Accepted != 0 {
		w.Accepted = time.Unix(0, q.Accepted)
	}
	if q.Ended != 0 {
		w.End = time.Unix(0, q.Ended)
	}
	return w
}
