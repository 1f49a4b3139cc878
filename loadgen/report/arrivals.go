package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/workload"
)

// colArrivals is the arrival rate's line on the timeline.
var colArrivals = color.RGBA{0x55, 0x55, 0x55, 0xff}

// arrivalRate is the schedule's sends per second in bins of width bin:
// the midpoint of each bin and its rate.
func arrivalRate(sc *workload.Schedule, bin float64) (xs, rates []float64) {
	if sc == nil || sc.Len() == 0 || !(bin > 0) {
		return nil, nil
	}
	n := int(sc.LastSend().Seconds()/bin) + 1
	counts := make([]float64, n)
	for _, t := range sc.Send {
		counts[min(int(t.Seconds()/bin), n-1)]++
	}
	for i, c := range counts {
		xs = append(xs, (float64(i)+0.5)*bin)
		rates = append(rates, c/bin)
	}
	return xs, rates
}

// rateAxis labels the arrival rate, drawn scaled by scale onto the
// requests axis, along the right edge of the data area: the timeline's
// second axis.
type rateAxis struct {
	scale float64
	ticks []plot.Tick
	style text.Style
}

func (a rateAxis) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	sty := a.style
	sty.XAlign, sty.YAlign = text.XRight, text.YCenter
	line := lineStyle(colArrivals, 0.8, false)
	for _, t := range a.ticks {
		if t.Label == "" {
			continue
		}
		y := trY(t.Value * a.scale)
		c.StrokeLine2(line, c.Max.X-vg.Points(4), y, c.Max.X, y)
		c.FillText(sty, vg.Point{X: c.Max.X - vg.Points(6), Y: y}, t.Label+"/s")
	}
}

// addArrivalRate draws the schedule's arrival rate on the timeline, scaled
// so that its peak reaches the top of the gauges, with its own labels on
// the right, and returns what the caption says of it; "" when there is no
// schedule.
func addArrivalRate(c *chart, sc *workload.Schedule, bin float64) string {
	xs, rates := arrivalRate(sc, bin)
	return addRate(c, xs, rates, "arrival rate", "the schedule's arrival rate, requests sent per second in "+secondsText(bin)+" bins")
}

// sendRate is the sends per second between consecutive samples of a
// timeline: closed users send as the server lets them, so their rate is
// known only as measured. The midpoint of each gap and its rate.
func sendRate(rows []sample.Row) (xs, rates []float64) {
	for i := 1; i < len(rows); i++ {
		dt := (rows[i].T - rows[i-1].T).Seconds()
		sent := rows[i].ClientSent - rows[i-1].ClientSent
		if dt <= 0 || math.IsNaN(sent) {
			continue
		}
		xs = append(xs, (rows[i].T+rows[i-1].T).Seconds()/2)
		rates = append(rates, sent/dt)
	}
	return xs, rates
}

// addSendRate draws closed users' measured send rate on the timeline, as
// addArrivalRate draws an open schedule's.
func addSendRate(c *chart, rows []sample.Row) string {
	xs, rates := sendRate(rows)
	return addRate(c, xs, rates, "send rate", "the users' send rate as sampled, requests sent per second between samples")
}

// addRate draws rates on the timeline, scaled so that their peak reaches
// the top of the gauges, with their own labels on the right, and returns
// what the caption says of them; name is their legend's, what the
// caption's; "" when there are none.
func addRate(c *chart, xs, rates []float64, name, what string) string {
	peak := maxOf(rates)
	if len(xs) == 0 || !(peak > 0) {
		return ""
	}
	top := math.Max(c.p.Y.Max, 1)
	scale := top / peak
	ys := make([]float64, len(rates))
	for i, r := range rates {
		ys[i] = r * scale
	}
	sty := lineStyle(colArrivals, 1, false)
	sty.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
	if !addSeries(c.p, xs, ys, sty) {
		return ""
	}
	c.p.Add(rateAxis{scale: scale, ticks: niceTicks{}.Ticks(0, peak), style: c.p.Y.Tick.Label})
	c.legend.Add(name+" (right)", lineSwatch(sty))
	return fmt.Sprintf(" The dotted grey line is %s, on its own scale, labelled along the right edge (peak %.3g/s).", what, peak)
}
