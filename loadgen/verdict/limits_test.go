package verdict_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/conclab/conclab/internal/sysinfo"
	"github.com/conclab/conclab/internal/testbin"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/verdict"
)

// loadgen predict works out a target's limits without starting its
// server; a run reads them from the server's /config. For every model,
// with knobs given and left to their defaults, the two must be the same,
// or the prediction would not be the run's.
func TestScenarioLimitsAreWhatARealLabserverReports(t *testing.T) {
	dir, err := testbin.Build("servers/cmd/labserver")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, err := scenario.Parse("limits.yaml", []byte(`
name: limits
requests: 10
rate: 10
sleep: 1s
server: {backlog: 64}
targets:
  - {name: nethttp, model: nethttp}
  - {name: gin, model: gin, backlog: 100000}
  - {name: echo, model: echo}
  - {name: semaphore, model: semaphore}
  - {name: semaphore-set, model: semaphore, limit: 3, queue: 7, queue_timeout: 2s}
  - {name: limitlistener, model: limitlistener, backlog: 8}
  - {name: pool, model: pool, core: 2}
  - {name: pool-set, model: pool, core: 2, max: 5, queue: 0, policy: discard-oldest, pool_keepalive: 3s}
  - {name: fasthttp, model: fasthttp}
`))
	if err != nil {
		t.Fatal(err)
	}
	host := verdict.Host{Somaxconn: sysinfo.Somaxconn(), NoFile: sysinfo.NoFile(), FDsAtStart: launch.ChildFDsAtStart()}
	for _, target := range s.Targets {
		t.Run(target.Name, func(t *testing.T) {
			l, err := launch.StartLabserver(context.Background(), filepath.Join(dir, "labserver"), launch.LabserverArgs(s, target)...)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Stop()
			reported, err := verdict.LimitsFromConfig(l.Config)
			if err != nil {
				t.Fatal(err)
			}
			worked, err := verdict.ScenarioLimits(s, target, host)
			if err != nil {
				t.Fatal(err)
			}
			if worked != reported {
				t.Errorf("worked out without a server %+v\nreported by the server   %+v", worked, reported)
			}
		})
	}
}
