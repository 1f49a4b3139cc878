// Package workapi is the app address's contract: the JSON answer of a
// request that did its work, and of one the model refused, which labserver
// writes and loadgen reads to learn when each request reached the model's
// gate, and how long each handler ran and where (docs/contracts.md).
package workapi

import "time"

// Reply is the JSON body of a finished request: enough for a client to see
// where its request waited without reading the server's logs.
type Reply struct {
	ID    string `json:"id"`
	Model string `json:"model"`
	Slot  string `json:"slot,omitempty"`
	// Turn counts the requests that have started on Slot, this one
	// included: two answers of one slot with consecutive turns are one
	// hand-over of it, with no request between them whose answer the
	// client may have missed.
	Turn    int     `json:"turn,omitempty"`
	QueuedS float64 `json:"queued_s"`
	SleptS  float64 `json:"slept_s"`
	CPUS    float64 `json:"cpu_s"`
	// Accepted is when accept(2) returned the connection that carried
	// the request: the end of its wait in the kernel's accept queue.
	// From Accepted to Arrived the server read the request (and, with
	// a slow client, waited for it).
	Accepted time.Time `json:"accepted,omitzero"`
	// Arrived is when the request reached the model's gate, after its
	// accept and the read of its request.
	Arrived time.Time `json:"arrived"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// Refusal is the JSON body of a request the model refused with an answer
// (a 503 or a 429).
type Refusal struct {
	Error  string `json:"error"`
	Reason string `json:"reason"` // one of catalog.Reasons
	ID     string `json:"id"`
	// Accepted is as in Reply. Arrived is when the request reached the
	// model's gate, and Refused when its answer was written: at once, or
	// after a wait.
	Accepted time.Time `json:"accepted,omitzero"`
	Arrived  time.Time `json:"arrived"`
	Refused  time.Time `json:"refused"`
	// Decided is when the model's gate decided to refuse it, where
	// another goroutine than the refused one decided (lab.Rejection's
	// Decided); absent where the refused goroutine decides as it writes
	// its answer.
	Decided time.Time `json:"decided,omitzero"`
}
