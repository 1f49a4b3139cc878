package lab

import (
	"cmp"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
)

// Passages keeps each request's way through the server (adminapi.Passage)
// for loadgen to fetch after a run: a request whose client gave up before
// its answer gets no answer to say when it reached the gate, and without
// that the verdict cannot replay where any request waited. It keeps the
// newest adminapi.MaxPassages: a server of a compose stack outlives many
// runs, which ask for theirs with since.
type Passages struct {
	mu      sync.Mutex
	kept    []adminapi.Passage // a ring once full
	next    int                // where the next goes, once full
	dropped int64
	limit   int // how many it keeps; 0: adminapi.MaxPassages
}

// Add keeps the passage of request w, whose way through the model its
// reply times, and which ended at left.
func (p *Passages) Add(w Work, reply Reply, left time.Time) {
	p.Keep(Passage(w, reply, left))
}

// Passage is the passage of request w, whose way through the model its
// reply times (when it reached the gate and when its work began), and
// which ended at left.
func Passage(w Work, reply Reply, left time.Time) adminapi.Passage {
	q := adminapi.Passage{ID: w.ID, Arrived: reply.Arrived.UnixNano(), Left: left.UnixNano(), Slot: reply.Slot, Turn: reply.Turn}
	if !reply.Start.IsZero() {
		q.Started = reply.Start.UnixNano()
	}
	if !reply.End.IsZero() {
		q.Ended = reply.End.UnixNano()
	}
	if !w.Accepted.IsZero() {
		q.Accepted = w.Accepted.UnixNano()
	}
	if !w.SlotFreed.IsZero() {
		q.SlotFreed = w.SlotFreed.UnixNano()
	}
	return q
}

// Keep keeps q, in place of the oldest past adminapi.MaxPassages, which
// it counts dropped.
func (p *Passages) Keep(q adminapi.Passage) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.kept) < cmp.Or(p.limit, adminapi.MaxPassages) {
		p.kept = append(p.kept, q)
		return
	}
	p.kept[p.next] = q
	p.next = (p.next + 1) % len(p.kept)
	p.dropped++
}

// since is what PathPassages answers: the passages kept that reached the
// gate at or after since (Unix nanoseconds), oldest first.
func (p *Passages) since(since int64) adminapi.Passages {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := adminapi.Passages{Passages: []adminapi.Passage{}, Dropped: p.dropped}
	for i := range p.kept {
		if q := p.kept[(p.next+i)%len(p.kept)]; q.Arrived >= since {
			out.Passages = append(out.Passages, q)
		}
	}
	return out
}
