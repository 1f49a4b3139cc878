package scenario

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// closed is a valid closed scenario with drawn work.
const closed = `name: c
users: 4
iterations: 3
think: 100ms
ramp_up: 2s
seed: 5
sleep: {dist: exponential, mean: 50ms}
max_sleep: 5s
targets:
  - name: a
    model: nethttp
`

var usersErrorCases = []parseErrorCase{
	{"users with rate", strings.Replace(closed, "iterations:", "rate: 5\niterations:", 1),
		"bad.yaml:3:7: rate: cannot be combined with users: the users send as fast as the server answers them"},
	{"users with requests", strings.Replace(closed, "iterations:", "requests: 5\niterations:", 1),
		"bad.yaml:3:11: requests: cannot be combined with users: the users send iterations requests each"},
	{"users with stages", strings.Replace(closed, "iterations:", "stages: [{duration: 1s, rate: 1}]\niterations:", 1),
		"bad.yaml:3:9: stages: cannot be combined with users: the users send as fast as the server answers them"},
	{"users with a Poisson arrival", strings.Replace(closed, "iterations:", "arrival: poisson\niterations:", 1),
		"bad.yaml:3:10: arrival: cannot be combined with users: each user sends when its last answer came"},
	{"think without users", strings.Replace(closed, "users: 4\niterations: 3\n", "requests: 3\nrate: 1\n", 1),
		"bad.yaml:4:8: think: needs users: it describes a closed population of users"},
	{"no users", strings.Replace(closed, "users: 4", "users: 0", 1),
		"bad.yaml:2:8: users: must be >= 1 and <= 1000000, got 0"},
	{"no iterations", strings.Replace(closed, "iterations: 3", "iterations: 0", 1),
		"bad.yaml:3:13: iterations: must be >= 1 and at most 1000000 requests with users (4), got 0"},
	{"too many requests", strings.Replace(closed, "iterations: 3", "iterations: 250001", 1),
		"bad.yaml:3:13: iterations: must be >= 1 and at most 1000000 requests with users (4), got 250001"},
	{"a negative think", strings.Replace(closed, "think: 100ms", "think: -1s", 1),
		"bad.yaml:4:8: think: must be >= 0 and <= 1000h0m0s, got -1s"},
}

func TestUsersErrorsNameTheFieldAndWhereItIs(t *testing.T) {
	if _, err := Parse("bad.yaml", []byte(closed)); err != nil {
		t.Fatalf("the base scenario: %v", err)
	}
	for _, tt := range usersErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestAClosedScenarioSchedulesItsUsersAndTheirWork(t *testing.T) {
	s, err := Parse("c.yaml", []byte(closed))
	if err != nil {
		t.Fatal(err)
	}
	sc := s.Schedule()
	if !sc.Closed() || sc.Len() != 12 || sc.Send != nil {
		t.Fatalf("closed %v, %d requests, sends %v; want closed, 12, none", sc.Closed(), sc.Len(), sc.Send)
	}
	want := []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
	if !reflect.DeepEqual(sc.Users.Starts, want) || sc.Users.Iterations != 3 || sc.Users.Think != 100*time.Millisecond {
		t.Errorf("users %+v; want starts %v, 3 iterations, 100ms of think", sc.Users, want)
	}
	if len(sc.Sleep) != 12 || sc.MostWithin(time.Hour) != 4 {
		t.Errorf("%d sleeps, %d held at most; want 12, 4", len(sc.Sleep), sc.MostWithin(time.Hour))
	}
	if got := s.Traffic(sc); got != "4 users (3 requests each, 100ms of think, started over 2s)" {
		t.Errorf("Traffic = %q", got)
	}
	if _, err := s.AtRate(10); err == nil || err.Error() != "scenario c: its users set the load; a sweep needs requests and rate" {
		t.Errorf("AtRate: %v", err)
	}
}

func TestAClosedScenarioReadsBackFromItsResolvedYAML(t *testing.T) {
	s, err := Parse("c.yaml", []byte(strings.Replace(closed, "iterations: 3\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Iterations != 1 {
		t.Errorf("iterations default to %d, want 1", s.Iterations)
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("c.yaml", out)
	if err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
	if !reflect.DeepEqual(s, back) {
		t.Errorf("read back\n%+v\nwant\n%+v", back, s)
	}
	half, err := s.Scaled(0.5)
	if err != nil || half.Think != Duration(50*time.Millisecond) || half.RampUp != Duration(time.Second) {
		t.Errorf("Scaled(0.5): think %v, ramp_up %v, %v; want 50ms, 1s", half.Think, half.RampUp, err)
	}
}
