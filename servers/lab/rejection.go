package lab

import (
	"fmt"
	"net/http"
	"time"
)

// Rejection is a request the model refused.
type Rejection struct {
	// Reason is one of catalog.Reasons.
	Reason string
	// Reset asks for the connection to be reset with no response, as when
	// a ThreadPoolExecutor silently discards a task: the client sees
	// "connection reset by peer".
	Reset bool
	// TooMany answers 429 Too Many Requests instead of 503, as a rate
	// limit does.
	TooMany bool
	// Detail is the human message sent with the answer.
	Detail string
	// Decided is when the gate decided to refuse it, where that came
	// before the request's own goroutine ran again: a deadline queue's
	// release decides on its waiters one by one, and each refused one
	// writes its answer only once Go runs it. Zero: the refusal is
	// decided where its answer is written.
	Decided time.Time
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("rejected (%s): %s", r.Reason, r.Detail)
}

// Code is the HTTP status of the rejection; 0 when the connection is reset.
func (r *Rejection) Code() int {
	switch {
	case r.Reset:
		return 0
	case r.TooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusServiceUnavailable
}
