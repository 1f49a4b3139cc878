package adminapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// PathPassages answers every request that reached the model's gate, as
// JSON Passages: what the answers of the requests that got one say of
// them, and the same of the requests whose clients gave up first, which
// got none (docs/contracts.md). SinceParam, in Unix nanoseconds, keeps
// those that reached it at or after then.
const (
	PathPassages = "/passages"
	SinceParam   = "since"
)

// Passage is one request's way through a labserver, on its clock. Times
// are Unix nanoseconds, so that a run's million passages stay small.
type Passage struct {
	ID string `json:"id"`
	// Accepted is when accept(2) returned the connection that carried
	// the request (workapi.Reply.Accepted); 0 when not known.
	Accepted int64 `json:"accepted"`
	// Arrived is when the request reached the model's gate.
	Arrived int64 `json:"arrived"`
	// Started is when its work began; 0 when it never did (refused, or
	// its client left while it waited). With Left, it says which slot
	// holders' clients left during their work, freeing the slot then.
	Started int64 `json:"started,omitempty"`
	// Left is when its way through the model ended: its work ended, the
	// model refused it, or the model saw its client leave.
	Left int64 `json:"left"`
	// Ended is when its work ended, or stopped, as the model timed it
	// before releasing its slot; 0 when it never began. The release
	// comes between Ended and Left: microseconds after Ended mostly, but
	// in burst runs of deadline-4 (2026-12-07) a stopped work's goroutine
	// now and then released its slot 2 to 6 ms after Ended, just before
	// Left.
	Ended int64 `json:"ended,omitempty"`
	// Closed is when the server closed its connection, for a model that
	// holds a place per connection until then (fasthttp's Concurrency
	// frees a worker only after writing the answer and closing); 0 for
	// the others.
	Closed int64 `json:"closed,omitempty"`
	// SlotFreed is when the close that freed the slot its connection
	// took happened, for a model that caps connections (limitlistener)
	// whose every slot was taken before that close: Accepted less
	// SlotFreed is how long the accept loop took to wake, for a
	// connection already in the kernel's queue at the close (for a later
	// one, the accept waited for it as well). 0 otherwise.
	SlotFreed int64 `json:"slot_freed,omitempty"`
	// Slot and Turn are where its work ran and the how-manieth request
	// to start there it was (workapi.Reply.Slot and Turn), for a request
	// whose work began on a named slot; empty and 0 otherwise. A request
	// whose client left during its work gets no answer to say so, and
	// without it the hand-over of its slot, which can be the longest of a
	// run, would go unmeasured (verdict.HandOvers).
	Slot string `json:"slot,omitempty"`
	Turn int    `json:"turn,omitempty"`
}

// Passages is the JSON of PathPassages.
type Passages struct {
	Passages []Passage `json:"passages"`
	// Dropped counts the passages no longer kept: a labserver keeps the
	// newest MaxPassages.
	Dropped int64 `json:"dropped"`
}

// MaxPassages is how many passages a labserver keeps: about 50 MB.
const MaxPassages = 1 << 20

// FetchPassages reads base's passages of the requests that reached the
// gate at or after since, within limit, or ctx.
func FetchPassages(ctx context.Context, client *http.Client, base string, since time.Time, limit time.Duration) (*Passages, error) {
	var p Passages
	path := PathPassages + "?" + SinceParam + "=" + strconv.FormatInt(since.UnixNano(), 10)
	if err := getJSON(ctx, client, base, path, limit, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
