// Package progress shows each target's state while a run goes on: bars on
// a terminal, a few lines every five seconds elsewhere (CI logs, pipes),
// with the time left until the run's expected end.
package progress

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/sample"
)

// Target is what the display shows of one target.
type Target struct {
	Name     string
	Counters *attack.Counters
	Last     func() sample.Row // the newest sample of its gauges
}

// Display is a running progress display.
type Display struct {
	stopOnce sync.Once
	done     chan struct{}
	finished chan struct{}

	mu   sync.Mutex
	warn io.Writer // where Warn writes: above the bars, or between the lines; nil for none
}

// Run is one run as the display sees it.
type Run struct {
	Requests int           // per target
	Started  time.Time     // the schedule's start
	Expected time.Duration // from Started to the expected end
	Targets  []Target
}

// Start draws r on w until Stop; a nil w draws nothing.
func Start(w io.Writer, tty bool, r Run) *Display {
	d := &Display{done: make(chan struct{}), finished: make(chan struct{})}
	switch {
	case w == nil:
		close(d.finished)
	case tty:
		d.warn = d.bars(w, r)
	default:
		d.warn = w
		go d.lines(w, r)
	}
	return d
}

// Warn shows line at once, above the bars on a terminal, so that a
// problem in a long run is seen when it happens, not at its end.
func (d *Display) Warn(line string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.warn != nil {
		_, _ = io.WriteString(d.warn, line+"\n")
	}
}

// Stop ends the display and waits until it has drawn its last.
func (d *Display) Stop() {
	d.stopOnce.Do(func() { close(d.done) })
	<-d.finished
}

func (r Run) eta() string {
	left := r.Expected - time.Since(r.Started)
	if left <= 0 {
		return "ETA now"
	}
	return "ETA " + left.Round(time.Second).String()
}

// bars draws a bar per target, and returns the writer that prints lines
// above them.
func (d *Display) bars(w io.Writer, r Run) io.Writer {
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(250*time.Millisecond))
	width := 0
	for _, t := range r.Targets {
		width = max(width, len(t.Name))
	}
	for _, t := range r.Targets {
		bar := p.New(int64(r.Requests), mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name(t.Name, decor.WC{W: width + 1, C: decor.DindentRight})),
			mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return t.status(r.Requests) + "  " + r.eta() })))
		go func() {
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-d.done:
					bar.SetCurrent(t.Counters.Done.Load())
					bar.Abort(false)
					return
				case <-tick.C:
					bar.SetCurrent(t.Counters.Done.Load())
				}
			}
		}()
	}
	go func() { <-d.done; p.Wait(); close(d.finished) }()
	return p
}

// lines writes every target's status every five seconds.
func (d *Display) lines(w io.Writer, r Run) {
	defer close(d.finished)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-d.done:
			return
		case <-tick.C:
			d.mu.Lock()
			var b strings.Builder
			fmt.Fprintf(&b, "[%s] %s\n", time.Since(r.Started).Round(time.Second), r.eta())
			for _, t := range r.Targets {
				fmt.Fprintf(&b, "  %-20s %s\n", t.Name, t.status(r.Requests))
			}
			_, _ = io.WriteString(w, b.String())
			d.mu.Unlock()
		}
	}
}

// status is one target's live line: client counters and the server gauges
// of the last sample.
func (t Target) status(requests int) string {
	c := t.Counters
	row := t.Last()
	g := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("sent %d/%d  inflight %s  queued %s  acceptq %s  ok %d  err %d",
		c.Sent.Load(), requests, g(row.Inflight), g(row.Queued), g(row.AcceptQueue), c.OK.Load(), c.Errors.Load())
}
