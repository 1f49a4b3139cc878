package lab

import (
	"sync"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
)

// Passages keeps each request's way through the server (adminapi.Passage)
// for loadgen to fetch after a run: a request whose client gave up before
// its answer gets no answer to say when it reached the gate, and without
// that the verdict cannot replay where any request waited.
type Passages struct {
	mu      sync.Mutex
	kept    []adminapi.Passage
	dropped int64
}

// Add keeps the passage of request w, which reached the gate at arrived,
// and whose way through the model ended at left.
func (p *Passages) Add(w Work, arrived, left time.Time) {
	p.Keep(Passage(w, arrived, left))
}

// Passage is the passage of request w, which reached the gate at arrived,
// and whose way through the model ended at left.
func Passage(w Work, arrived, left time.Time) adminapi.Passage {
	var acc int64
	if !w.Accepted.IsZero() {
		acc = w.Accepted.UnixNano()
	}
	return adminapi.Passage{ID: w.ID, Accepted: acc, Arrived: arrived.UnixNano(), Left: left.UnixNano()}
}

// Keep keeps q, or counts it dropped past adminapi.MaxPassages.
func (p *Passages) Keep(q adminapi.Passage) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.kept) >= adminapi.MaxPassages {
		p.dropped++
		return
	}
	p.kept = append(p.kept, q)
}

// snapshot is what PathPassages answers.
func (p *Passages) snapshot() adminapi.Passages {
	p.mu.Lock()
	defer p.mu.Unlock()
	return adminapi.Passages{Passages: append([]adminapi.Passage{}, p.kept...), Dropped: p.dropped}
}
