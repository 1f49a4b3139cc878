package workload

import "time"

// Users is a closed population, as JMeter's thread groups are: user u
// sends its first request at Starts[u], then waits for that request's
// answer (or its give-up), thinks for Think, and sends the next, until it
// has sent Iterations requests. Unlike an open schedule, when a request is
// sent depends on how fast the server answered the one before it, so the
// send instants are not known up front; the work of every request is.
//
// Requests are numbered by iteration, then user: request i is user
// i mod N's iteration i / N, whichever of them goes first on the wire.
type Users struct {
	Starts     []time.Duration // one per user, ascending
	Iterations int             // requests per user, at least 1
	Think      time.Duration   // between an answer and the user's next send
}

// N is the number of users.
func (u *Users) N() int { return len(u.Starts) }

// Requests is how many requests the users send in all.
func (u *Users) Requests() int { return len(u.Starts) * u.Iterations }

// User is the user that sends request i.
func (u *Users) User(i int) int { return i % len(u.Starts) }

// Next is the request that request i's user sends after it, and false
// after its last iteration.
func (u *Users) Next(i int) (int, bool) {
	next := i + len(u.Starts)
	return next, next < u.Requests()
}

// RampUp starts n users evenly over rampUp, as JMeter does: user u at
// u·rampUp/n, the first at 0.
func RampUp(n int, rampUp time.Duration) []time.Duration {
	starts := make([]time.Duration, n)
	for u := range starts {
		starts[u] = time.Duration(float64(rampUp) * float64(u) / float64(n))
	}
	return starts
}
