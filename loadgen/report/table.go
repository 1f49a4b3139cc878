// Package report turns a run folder into what people read: the
// experiment's table on the terminal, and charts.
package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/summary"
)

// WriteTable prints the experiment's table: where the requests of each
// target were at the peak, and how they ended. With a prediction, each
// cell reads "measured (predicted)".
func WriteTable(w io.Writer, s *summary.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "target\tmodel\tsent\trunning\twaiting in app\twaiting in kernel\tSYN-retried\tok\trejected\ttimed out\tother\tp50\tp99\tgoodput/s\tok p99\twasted\tagrees\t\n")
	for _, t := range s.Targets {
		p := t.Predicted
		cell := func(measured float64, predicted func(*summary.Predicted) int) string {
			m := count(measured)
			if p == nil {
				return m
			}
			return fmt.Sprintf("%s (%d)", m, predicted(p))
		}
		other := outcome.Sum(t.Outcomes, outcome.HTTPOther, outcome.Other)
		agrees := "-"
		if t.Agrees != nil {
			agrees = map[bool]string{true: "yes", false: "NO"}[*t.Agrees]
		}
		m := measureCells(&t)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			t.Name, t.Model, t.Sent,
			cell(t.Peak.Inflight, func(p *summary.Predicted) int { return p.Inflight }),
			cell(t.Peak.Queued, func(p *summary.Predicted) int { return p.Queued }),
			cell(t.Peak.AcceptQueue, func(p *summary.Predicted) int { return p.AcceptQueue }),
			cell(float64(t.SynRetried), func(p *summary.Predicted) int { return p.SynRetried }),
			cell(float64(t.Outcomes[outcome.OK]), func(p *summary.Predicted) int { return p.OK }),
			rejected(t.Outcomes), t.Outcomes[outcome.Timeout], other,
			seconds(t.Latency.P50), seconds(t.Latency.P99), m.goodput, m.okP99, m.wasted, agrees)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var notes []string
	if !s.Complete {
		notes = append(notes, "INCOMPLETE: "+s.Interrupted)
	}
	for _, t := range s.Targets {
		for _, d := range t.Disagreements {
			notes = append(notes, t.Name+": "+d)
		}
		for _, n := range t.Notes {
			notes = append(notes, t.Name+": "+n)
		}
	}
	if s.Tolerance != nil {
		notes = append(notes, "agrees: "+s.Tolerance.Note)
	}
	if note := unseenNote(s); note != "" {
		notes = append(notes, note)
	}
	if len(notes) > 0 {
		_, err := io.WriteString(w, "\n"+strings.Join(notes, "\n")+"\n")
		return err
	}
	return nil
}

// measures are a target's goodput, ok p99 and wasted work as the
// table's cells: "measured (predicted)", "-" where unknown. A run folder
// from before the measures existed has none: with ok requests, its
// goodput and ok p99 read 0, which no run measures.
type measures struct{ goodput, okP99, wasted string }

func measureCells(t *summary.Target) measures {
	m := measures{goodput: "-", okP99: "-", wasted: "-"}
	ok := t.Outcomes[outcome.OK]
	if ok == 0 || t.GoodputPerS > 0 {
		m.goodput = fmt.Sprintf("%.1f", t.GoodputPerS)
	}
	if ok > 0 && t.OKLatency.P99 > 0 {
		m.okP99 = seconds(t.OKLatency.P99)
	}
	if t.WastedWorkS != nil {
		m.wasted = seconds(*t.WastedWorkS)
	}
	p := t.Predicted
	if p == nil {
		return m
	}
	if m.goodput != "-" && (p.OK == 0 || p.GoodputPerS > 0) {
		m.goodput += fmt.Sprintf(" (%.1f)", p.GoodputPerS)
	}
	if m.okP99 != "-" && p.OK > 0 && p.OKLatency.P99 > 0 {
		m.okP99 += " (" + seconds(p.OKLatency.P99) + ")"
	}
	if m.wasted != "-" {
		m.wasted += " (" + seconds(p.WastedWorkS) + ")"
	}
	return m
}

func seconds(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return fmt.Sprintf("%.0fms", v*1000)
	default:
		return fmt.Sprintf("%.1fs", v)
	}
}

// unseenNote says why a cell reads "-": no sample showed that figure
// (the server's gauges never answered, or this OS's kernel view lacks the
// accept queue); "" when every figure was measured.
func unseenNote(s *summary.Summary) string {
	for _, t := range s.Targets {
		if math.IsNaN(t.Peak.Inflight) || math.IsNaN(t.Peak.Queued) || math.IsNaN(t.Peak.AcceptQueue) {
			note := `"-": no sample showed the figure, so it is unknown, not 0`
			if v := s.Environment.KernelView; v != "" && !strings.HasPrefix(v, "full") {
				note += " (kernel view " + v + "; docs/macos.md)"
			}
			return note
		}
	}
	return ""
}
