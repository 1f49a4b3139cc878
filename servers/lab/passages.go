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

// add keeps one passage, or counts it dropped past adminapi.MaxPassages.
func (p *Passages) add(id string, accepted, arrived, left time.Time) {
	if p == nil {
		return
	}
	var acc int64
	if !accepted.IsZero() {
		acc = accepted.UnixNano()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.kept) >= adminapi.MaxPassages {
		p.dropped++
		return
	}
	p.kept = append(p.kept, adminapi.Passage{ID: id, Accepted: acc, Arrived: arrived.UnixNano(), Left: left.UnixNano()})
}

// snapshot is what PathPassages answers.
func (p *Passages) snapshot() adminapi.Passages {
	p.mu.Lock()
	defer p.mu.Unlock()
	return adminapi.Passages{Passages: append([]adminapi.Passage{}, p.kept...), Dropped: p.dropped}
}
