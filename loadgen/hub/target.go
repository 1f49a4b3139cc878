package hub

import (
	"context"
	"fmt"
	"time"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/shard"
)

// Target is one target's schedule as the hub's workers send it: the
// runner's view of it, as of shard.Attack's.
type Target struct {
	// Counters are the sum of every worker's for this target.
	Counters attack.Counters

	hub   *Hub
	index int
	opt   attack.Options // Shards is the hub's workers
}

// sum makes t's counters the sum of the slots' counts of target i as of
// tick at.
func (t *Target) sum(slots []*slot, i int, at int64) {
	var c Counts
	for _, s := range slots {
		if counts := s.countsAt(at); i < len(counts) {
			c.Sent += counts[i].Sent
			c.Done += counts[i].Done
			c.Inflight += counts[i].Inflight
			c.OK += counts[i].OK
			c.Errors += counts[i].Errors
		}
	}
	t.Counters.Sent.Store(c.Sent)
	t.Counters.Done.Store(c.Done)
	t.Counters.Inflight.Store(c.Inflight)
	t.Counters.OK.Store(c.OK)
	t.Counters.Errors.Store(c.Errors)
}

// Run waits until every worker has sent its share and reported back, or
// ctx is done. The first target's Run tells the workers the start.
func (t *Target) Run(ctx context.Context, start time.Time) {
	if ctx.Err() == nil {
		t.hub.Begin(start)
	}
	t.hub.wait(ctx)
}

// Merge writes the workers' results as the target's one .bin, calling
// each with every result's record in schedule order, for a schedule that
// began at began.
func (t *Target) Merge(began time.Time, each func(attack.Hit)) error {
	var files []string
	for j := range t.hub.slots {
		files = append(files, t.hub.opt.Folder.Shard(t.opt.Name, j))
	}
	return shard.Merge(t.hub.opt.Folder, t.opt, files, began, each)
}

// Lost is how many of the target's requests have no result because their
// worker was lost, and a note for each such worker that says why.
func (t *Target) Lost() (int, []string) {
	h := t.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	lost := 0
	var notes []string
	for _, s := range h.slots {
		if s.lost == "" {
			continue
		}
		opt := t.opt
		opt.Shard = s.n - 1
		share := opt.ShardHits()
		got, sent := 0, int64(0)
		if t.index < len(s.received) {
			got, sent = s.received[t.index], s.counts[t.index].Sent
		}
		missing := share - got
		if missing == 0 {
			continue
		}
		lost += missing
		unheard := min(int64(missing), max(0, sent-int64(got)))
		notes = append(notes, fmt.Sprintf("worker %d of %d %s: %d of its %d requests have no result "+
			"(as of its last counters, %d never sent and %d sent but not heard back)",
			s.n, len(h.slots), s.lost, missing, share, int64(missing)-unheard, unheard))
	}
	return lost, notes
}
