package scenario

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/loadgen/workload"
)

// A closed scenario (users:) replaces the open schedule's requests and
// rate with a population of users, as JMeter's thread groups do: each
// user sends a request, waits for its answer or its timeout, thinks, and
// goes again. The open fields that place requests on the time line
// (requests, rate, arrival, stages, bursts) have no meaning there.

// usersOnly are the fields that only a closed scenario takes.
var usersOnly = []string{"iterations", "think", "ramp_up"}

// openOnly are the fields that a closed scenario cannot take, and why.
var openOnly = []struct{ field, why string }{
	{"requests", "the users send iterations requests each"},
	{"rate", "the users send as fast as the server answers them"},
	{"arrival", "each user sends when its last answer came"},
	{"stages", "the users send as fast as the server answers them"},
	{"bursts", "each user sends when its last answer came"},
}

// checkUsersFields reports a closed field without users, an open field
// with them, or users given as none (which would make the scenario an
// open one without requests).
func checkUsersFields(x *index, s *Scenario) *problem {
	if !x.present("users") {
		for _, f := range usersOnly {
			if x.present(f) {
				return problemf(f, "needs users: it describes a closed population of users")
			}
		}
		return nil
	}
	if s.Users < 1 {
		return problemf("users", "must be >= 1 and <= %d, got %d", maxRequests, s.Users)
	}
	for _, f := range openOnly {
		if x.present(f.field) {
			return problemf(f.field, "cannot be combined with users: %s", f.why)
		}
	}
	return nil
}

// checkUsers validates the population of a closed scenario.
func (s *Scenario) checkUsers() *problem {
	switch {
	case s.Users > maxRequests:
		return problemf("users", "must be >= 1 and <= %d, got %d", maxRequests, s.Users)
	case s.Iterations < 1 || s.Iterations > maxRequests/s.Users:
		return problemf("iterations", "must be >= 1 and at most %d requests with users (%d), got %d",
			maxRequests, s.Users, s.Iterations)
	case s.Think < 0 || s.Think > maxWork:
		return problemf("think", "must be >= 0 and <= %v, got %v", maxWork, s.Think)
	case s.RampUp < 0 || s.RampUp > maxWork:
		return problemf("ramp_up", "must be >= 0 and <= %v, got %v", maxWork, s.RampUp)
	}
	return nil
}

// closedSchedule is a closed scenario's schedule: its users, and the work
// of each of their requests, numbered as workload.Users numbers them.
func (s *Scenario) closedSchedule() (*workload.Schedule, *problem) {
	sc := &workload.Schedule{Users: &workload.Users{
		Starts:     workload.RampUp(s.Users, time.Duration(s.RampUp)),
		Iterations: s.Iterations,
		Think:      time.Duration(s.Think),
	}}
	return sc, s.drawWork(sc)
}

// usersText says what a closed scenario's users do: "20 users (5
// requests each, 100ms of think, started over 10s)".
func (s *Scenario) usersText() string {
	text := fmt.Sprintf("%d users (%d request", s.Users, s.Iterations)
	if s.Iterations > 1 {
		text += "s"
	}
	text += " each"
	if s.Think > 0 {
		text += fmt.Sprintf(", %v of think", s.Think)
	}
	if s.RampUp > 0 {
		text += fmt.Sprintf(", started over %v", s.RampUp)
	}
	return text + ")"
}
