// Package workapi is the app address's contract: the JSON answer of a
// request that did its work, which labserver writes and loadgen reads to
// learn how long each handler ran and where (docs/contracts.md).
package workapi

import "time"

// Reply is the JSON body of a finished request: enough for a client to see
// where its request waited without reading the server's logs.
type Reply struct {
	ID      string    `json:"id"`
	Model   string    `json:"model"`
	Slot    string    `json:"slot,omitempty"`
	QueuedS float64   `json:"queued_s"`
	SleptS  float64   `json:"slept_s"`
	CPUS    float64   `json:"cpu_s"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}
