package container

import (
	"slices"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/loadgen/scenario"
)

func parse(t *testing.T, doc string) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestATargetRunsWithItsFlagsAndASomaxconnThatLetsItsBacklogThrough(t *testing.T) {
	s := parse(t, `name: x
requests: 10
rate: 1
sleep: 1s
targets:
  - {name: small, model: limitlistener, limit: 5, backlog: 8}
  - {name: big, model: limitlistener, limit: 5, backlog: 10000, gomaxprocs: 2}
`)
	small, big := Of(s, s.Targets[0]), Of(s, s.Targets[1])
	want := []string{"/bin/labserver", "--model=limitlistener", "--limit=5", "--backlog=8", "--max-sleep=2s",
		"--listen=:8080", "--admin=:9080"}
	if !slices.Equal(small.Command, want) || small.Somaxconn != 4096 || small.CPUs != 0 {
		t.Errorf("small: %+v, want command %q, somaxconn 4096, the stack's CPUs", small, want)
	}
	if big.Somaxconn != 10000 || big.CPUs != 2 || !slices.Contains(big.Command, "--gomaxprocs=2") {
		t.Errorf("big: %+v, want somaxconn 10000 (its backlog), 2 CPUs and --gomaxprocs=2", big)
	}
	if AppURL("small") != "http://small:8080/" || AdminURL("small") != "http://small:9080" {
		t.Errorf("urls: %s %s", AppURL("small"), AdminURL("small"))
	}
}

func TestAServerOtherThanTheTargetIsNamedByWhatDiffers(t *testing.T) {
	s := parse(t, `name: x
requests: 10
rate: 1
sleep: 1s
targets:
  - {name: sem, model: semaphore, limit: 40, queue: 200, backlog: 128, gomaxprocs: 2}
`)
	tg := s.Targets[0]
	same := func() *adminapi.Config {
		return &adminapi.Config{Model: "semaphore", Knobs: tg.Settings, BacklogRequested: 128, GOMAXPROCS: 2, MaxSleepS: 2}
	}
	for _, tc := range []struct {
		name   string
		change func(*adminapi.Config)
		maxAsk time.Duration
		want   string
	}{
		{"the same server", func(*adminapi.Config) {}, 2 * time.Second, ""},
		{"another model", func(c *adminapi.Config) { c.Model = "pool" }, time.Second,
			"the server runs model pool, the scenario asks for semaphore"},
		{"two knobs", func(c *adminapi.Config) { c.Knobs.Limit, c.Knobs.Queue = 20, -1 }, time.Second,
			"the server's semaphore differs: limit 20 (the scenario: 40), queue -1 (the scenario: 200)"},
		{"backlog and gomaxprocs", func(c *adminapi.Config) { c.BacklogRequested, c.GOMAXPROCS = 4096, 1 }, time.Second,
			"the server's semaphore differs: backlog 4096 (the scenario: 128), gomaxprocs 1 (the scenario: 2)"},
		{"work above its max sleep", func(*adminapi.Config) {}, 3 * time.Second,
			"the server's semaphore differs: max sleep 2s, below the 3s a request asks for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := same()
			tc.change(c)
			got := ""
			if err := Check(tg, c, tc.maxAsk); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Check: %q, want %q", got, tc.want)
			}
		})
	}
}

func TestATargetMeasuredFromTheKernelSideCannotRunInAContainer(t *testing.T) {
	s := parse(t, `name: x
requests: 10
rate: 1
targets:
  - {name: a, model: nethttp, admin: none}
  - {name: b, model: nethttp}
  - {name: c, url: "http://example.test/", admin: none}
`)
	if err := Runnable(s.Targets[0]); err == nil {
		t.Error("admin: none on an embedded target: no error")
	}
	if err := Runnable(s.Targets[1]); err != nil {
		t.Errorf("a plain embedded target: %v", err)
	}
	if err := Runnable(s.Targets[2]); err != nil {
		t.Errorf("an external target is not run in a container: %v", err)
	}
}

func TestLoadgenInItsContainerRunsAPPerTargetAndAtLeastOnePerCPU(t *testing.T) {
	for _, c := range []struct {
		cpus    int
		targets int
		want    int
	}{
		{cpus: 2, targets: 9, want: 9}, // make bench's nine targets
		{cpus: 2, targets: 7, want: 7},
		{cpus: 2, targets: 1, want: 2},
		{cpus: 1, targets: 1, want: 1}, // an engine with one CPU
	} {
		if got := LoadgenProcs(c.cpus, c.targets); got != c.want {
			t.Errorf("%d CPUs, %d targets: GOMAXPROCS %d, want %d", c.cpus, c.targets, got, c.want)
		}
	}
}
