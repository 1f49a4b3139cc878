package runner

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/conclab/conclab/loadgen/scenario"
)

// progress shows each target's state while a run goes on: bars on a
// terminal, a line every few seconds elsewhere (CI logs, pipes).
type progress struct {
	stopOnce sync.Once
	done     chan struct{}
	finished chan struct{}
	bars     *mpb.Progress
}

func newProgress(w io.Writer, tty bool, s *scenario.Scenario, targets []*target, started time.Time) *progress {
	p := &progress{done: make(chan struct{}), finished: make(chan struct{})}
	if w == nil {
		close(p.finished)
		return p
	}
	// Expected end: the prediction's, or else the last send plus the
	// handler's work.
	expected := s.Duration() + time.Duration(s.Sleep) + time.Duration(s.CPU)
	if end := predictedEnd(targets); end > 0 {
		expected = end
	}
	eta := func() string {
		left := expected - time.Since(started)
		if left <= 0 {
			return "ETA now"
		}
		return "ETA " + left.Round(time.Second).String()
	}
	if tty {
		p.bars = mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(250*time.Millisecond))
		width := 0
		for _, t := range targets {
			width = max(width, len(t.spec.Name))
		}
		for _, t := range targets {
			bar := p.bars.New(int64(s.Requests), mpb.BarStyle(),
				mpb.PrependDecorators(decor.Name(t.spec.Name, decor.WC{W: width + 1, C: decor.DindentRight})),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return t.status(s.Requests) + "  " + eta() })))
			go func() {
				tick := time.NewTicker(250 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-p.done:
						bar.SetCurrent(t.counters.Done.Load())
						bar.Abort(false)
						return
					case <-tick.C:
						bar.SetCurrent(t.counters.Done.Load())
					}
				}
			}()
		}
		go func() { <-p.done; p.bars.Wait(); close(p.finished) }()
		return p
	}
	go func() {
		defer close(p.finished)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
				var b strings.Builder
				fmt.Fprintf(&b, "[%s] %s\n", time.Since(started).Round(time.Second), eta())
				for _, t := range targets {
					fmt.Fprintf(&b, "  %-20s %s\n", t.spec.Name, t.status(s.Requests))
				}
				_, _ = io.WriteString(w, b.String())
			}
		}
	}()
	return p
}

// status is one target's live line: client counters and the server gauges
// of the last sample.
func (t *target) status(requests int) string {
	c := t.counters
	r := t.sampler.Last()
	g := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("sent %d/%d  inflight %s  queued %s  acceptq %s  ok %d  err %d",
		c.Sent.Load(), requests, g(r.Inflight), g(r.Queued), g(r.AcceptQueue), c.OK.Load(), c.Errors.Load())
}

func (p *progress) stop() {
	p.stopOnce.Do(func() { close(p.done) })
	<-p.finished
}

// predictedEnd is when the last request of any target is predicted to end.
func predictedEnd(targets []*target) time.Duration {
	var end time.Duration
	for _, t := range targets {
		if t.predicted != nil && t.predicted.End > end {
			end = t.predicted.End
		}
	}
	return end
}
