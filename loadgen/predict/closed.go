package predict

import (
	"fmt"
	"time"
)

// A closed input (Input.Users) has no arrivals up front: each user sends
// its next request Think after the one before it ended for its client, so
// the simulation works the sends out as it goes. Its requests keep the
// numbering of workload.Users (iteration, then user), which is also how
// the client numbers them: Work, Spread and the results are indexed the
// same way whichever request reaches the wire first.

// Requests is how many requests the input sends.
func (in Input) Requests() int {
	if in.Users != nil {
		return in.Users.Requests()
	}
	return len(in.Arrivals)
}

// validateUsers checks a closed input's population.
func validateUsers(in Input) error {
	u := in.Users
	switch {
	case in.Arrivals != nil:
		return fmt.Errorf("predict: Arrivals: must be nil with Users, which send their own requests")
	case u.N() == 0:
		return fmt.Errorf("predict: Users.Starts: no user")
	case u.Iterations < 1:
		return fmt.Errorf("predict: Users.Iterations: %d; want at least 1", u.Iterations)
	case u.Think < 0:
		return fmt.Errorf("predict: Users.Think: negative duration %v", u.Think)
	}
	for i, t := range u.Starts {
		if t < 0 || (i > 0 && t < u.Starts[i-1]) {
			return fmt.Errorf("predict: Users.Starts[%d]: %v is negative or before the user before it", i, t)
		}
	}
	return nil
}

// startUsers schedules each user's first send.
func (e *engine) startUsers() {
	e.nextArrival = len(e.out) // no arrival comes from the sorted list
	for u, t := range e.in.Users.Starts {
		e.sendAt(u, t)
	}
}

// sendAt schedules request r's first SYN for when its user is ready, and
// in a replica as much later as the run sent it (sendDelay).
func (e *engine) sendAt(r int, ready time.Duration) {
	if e.sendDelay != nil {
		ready = max(0, ready+e.sendDelay[r])
	}
	e.events.push(event{t: ready, kind: kindArrival, idx: r})
}

// userNext: request r has ended for its client, whose user sends its next
// request after thinking.
func (e *engine) userNext(r int) {
	if next, ok := e.in.Users.Next(r); ok {
		e.sendAt(next, e.now+e.in.Users.Think)
	}
}
