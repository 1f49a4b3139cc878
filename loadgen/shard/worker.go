package shard

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/scenario"
)

// DefaultStatusEvery is how often a worker reports its counters, unless
// told otherwise.
const DefaultStatusEvery = 250 * time.Millisecond

// WorkerOptions are one shard's attack, as `loadgen worker` receives them.
type WorkerOptions struct {
	// Attack is the shard's attack. Its schedule, timeouts and keep-alive
	// come from Scenario.
	Attack attack.Options
	// Scenario is the scenario file whose schedule is split: a run's
	// resolved scenario.yaml, scale applied.
	Scenario string
	Start    time.Time // when hit 0 of the whole schedule is due
	Out      string    // the shard's .bin
	// StatusEvery is how often the worker reports its counters: the
	// run's samples of a sharded target's client in-flight requests are
	// as old as that, at most. 0: DefaultStatusEvery.
	StatusEvery time.Duration
}

// Flags registers the worker's command line on fs, into o, with o's
// values as the defaults.
func (o *WorkerOptions) Flags(fs *flag.FlagSet) {
	a := &o.Attack
	fs.StringVar(&a.Name, "name", a.Name, "target name")
	fs.StringVar(&a.URL, "url", a.URL, "target URL")
	fs.StringVar(&o.Scenario, "scenario", o.Scenario, "the scenario whose schedule is split (a run's scenario.yaml)")
	fs.IntVar(&a.Shard, "shard", a.Shard, "this shard")
	fs.IntVar(&a.Shards, "shards", a.Shards, "shards in all")
	fs.DurationVar(&a.Offset, "offset", a.Offset, "delay of the whole schedule")
	fs.Var((*unixNanos)(&o.Start), "start", "unix nanoseconds when hit 0 is due")
	fs.StringVar(&o.Out, "out", o.Out, "the shard's .bin")
	fs.DurationVar(&o.StatusEvery, "status-every", o.StatusEvery, "how often to report the counters (0: 250ms)")
}

// Args is the command line of `loadgen worker` that runs o.
func (o WorkerOptions) Args() []string {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	o.Flags(fs)
	args := []string{"worker"}
	fs.VisitAll(func(f *flag.Flag) { args = append(args, "--"+f.Name+"="+f.Value.String()) })
	return args
}

// unixNanos is a time on the command line, as nanoseconds since 1970.
type unixNanos time.Time

func (t *unixNanos) String() string {
	if t == nil || time.Time(*t).IsZero() {
		return ""
	}
	return strconv.FormatInt(time.Time(*t).UnixNano(), 10)
}

func (t *unixNanos) Set(s string) error {
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("not a count of nanoseconds")
	}
	*t = unixNanos(time.Unix(0, ns))
	return nil
}

// status is the line a worker prints every StatusEvery, and once at the
// end.
type status struct {
	Sent     int64 `json:"sent"`
	Done     int64 `json:"done"`
	Inflight int64 `json:"inflight"`
	OK       int64 `json:"ok"`
	Errors   int64 `json:"errors"`
	Final    bool  `json:"final,omitempty"`
}

// RunWorker is `loadgen worker`: wait for the start, attack one shard,
// write its .bin, report counters on out as JSON lines.
func RunWorker(ctx context.Context, o WorkerOptions, out io.Writer) error {
	s, err := scenario.Load(o.Scenario)
	if err != nil {
		return err
	}
	o.Attack.Schedule, o.Attack.KeepAlive = s.Schedule(), s.KeepAlive
	o.Attack.Timeout, o.Attack.ConnectTimeout = time.Duration(s.Timeout), time.Duration(s.ConnectTimeout)
	bin, err := runfolder.CreateBin(o.Out)
	if err != nil {
		return err
	}
	a, err := attack.New(ctx, o.Attack, func(h attack.Hit) {
		bin.Write(h.Result)
	})
	if err != nil {
		bin.Abort()
		return err
	}
	select {
	case <-time.After(time.Until(o.Start)):
	case <-ctx.Done():
	}
	report := func(final bool) {
		c := &a.Counters
		b, _ := json.Marshal(status{Sent: c.Sent.Load(), Done: c.Done.Load(), Inflight: c.Inflight.Load(),
			OK: c.OK.Load(), Errors: c.Errors.Load(), Final: final})
		_, _ = out.Write(append(b, '\n'))
	}
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Go(func() {
		every := cmp.Or(o.StatusEvery, DefaultStatusEvery)
		// Every worker reports at the same instants, half a period after
		// whole periods from the start, where a one-target run samples:
		// a sample then sums reports all read at one instant, not one
		// worker's newest beside another's from a period before, a count
		// that never existed at once. Reports on the sampling instants
		// made TestAShapedScheduleReachesTheServerRequestByRequest see
		// 11 in flight where no replica had more than 10, in 2 of 8 runs
		// under the race detector; half a period off, 0 of 16.
		select {
		case <-time.After(every / 2):
		case <-stop:
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				report(false)
			}
		}
	})
	if ctx.Err() == nil {
		restoreGC := attack.PauseGC()
		a.Run(ctx)
		restoreGC()
	}
	close(stop)
	ticker.Wait()
	err = bin.Close()
	report(true)
	return err
}
