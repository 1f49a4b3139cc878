package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/conclab/conclab/loadgen/outcome"
)

// Every chart is ChartWidth × ChartHeight at ChartDPI: 768 × 384 pixels.
const (
	ChartWidth  = 8 * vg.Inch
	ChartHeight = 4 * vg.Inch
	ChartDPI    = 96
)

// chart is a plot with its legend drawn outside the data area, on the
// right, so that it never covers a line.
type chart struct {
	p      *plot.Plot
	legend plot.Legend
}

func newChart(title, xLabel, yLabel string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10.5)
		a.Tick.Label.Font = font.From(sans, 9)
		a.Tick.Marker = niceTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font = font.From(sans, 9)
	leg.ThumbnailWidth = vg.Points(22)
	leg.Padding = vg.Points(2)
	return &chart{p: p, legend: leg}
}

// png renders the chart.
func (c *chart) png() (b []byte, err error) {
	defer func() {
		// gonum/plot panics on some degenerate input (a log axis over
		// non-positive values, for one); a chart must never take the
		// report down with it.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("chart: %v", r)
		}
	}()
	img := vgimg.NewWith(vgimg.UseWH(ChartWidth, ChartHeight), vgimg.UseDPI(ChartDPI),
		vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	margin := vg.Points(8)
	var legendW vg.Length
	if hasEntries(c.legend) {
		legendW = c.legend.Rectangle(dc).Size().X + margin
	}
	c.p.Draw(draw.Crop(dc, 0, -legendW-margin/2, 0, -margin/2))
	if legendW > 0 {
		top := margin
		if c.p.Title.Text != "" {
			top += c.p.Title.TextStyle.Rectangle(c.p.Title.Text).Size().Y + c.p.Title.Padding
		}
		lc := draw.Crop(dc, dc.Size().X-legendW, -margin/2, 0, -top)
		c.legend.Draw(lc)
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func hasEntries(l plot.Legend) bool {
	var c draw.Canvas
	return l.Rectangle(c).Size().Y > 0
}

// sans is the bundled Liberation Sans, which gonum/plot registers.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// niceTicks labels a linear axis at about seven round values (1, 2, 2.5
// or 5 times a power of ten), with a minor tick between labels.
type niceTicks struct {
	label   func(float64) string // nil: the shortest decimal
	integer bool                 // counts: no step below 1
}

func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := (max - min) / 7
	if t.integer && raw < 1 {
		raw = 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	dec := 0 // decimals that show the step exactly
	for dec < 10 && math.Abs(step*math.Pow10(dec)-math.Round(step*math.Pow10(dec))) > 1e-6 {
		dec++
	}
	var ticks []plot.Tick
	for i := math.Ceil(min/step*2) / 2; i*step <= max+step*1e-9; i += 0.5 {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		tk := plot.Tick{Value: v}
		if t.integer && step == 1 && i != math.Trunc(i) {
			continue // no minor tick between consecutive counts
		}
		if i == math.Trunc(i) {
			switch {
			case t.label != nil:
				tk.Label = t.label(v)
			case v == 0:
				tk.Label = "0"
			default:
				tk.Label = strconv.FormatFloat(v, 'f', dec, 64)
			}
		}
		ticks = append(ticks, tk)
	}
	return ticks
}

// lineStyle is a solid or dashed line.
func lineStyle(c color.Color, width float64, dashed bool) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: vg.Points(width)}
	if dashed {
		s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return s
}

// addSeries adds ys over xs as lines, broken where a value is NaN
// (unknown). It returns whether anything was drawn.
func addSeries(p *plot.Plot, xs, ys []float64, sty draw.LineStyle) bool {
	drawn := false
	var seg plotter.XYs
	flush := func() {
		switch len(seg) {
		case 0:
		case 1:
			s, err := plotter.NewScatter(seg)
			if err == nil {
				s.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
				p.Add(s)
				drawn = true
			}
		default:
			l, err := plotter.NewLine(seg)
			if err == nil {
				l.LineStyle = sty
				p.Add(l)
				drawn = true
			}
		}
		seg = nil
	}
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) {
			flush()
			continue
		}
		seg = append(seg, plotter.XY{X: xs[i], Y: ys[i]})
	}
	flush()
	return drawn
}

// swatch is a legend thumbnail: a filled square or a line.
type swatch struct {
	fill color.Color
	line *draw.LineStyle
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	if s.line != nil {
		y := c.Center().Y
		c.StrokeLine2(*s.line, c.Min.X, y, c.Max.X, y)
		return
	}
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(s.fill, pts)
}

// faded is c with alpha a, for measured lines under their predicted ones.
func faded(c color.Color, a float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a*255 + 0.5)}
}

func lineSwatch(sty draw.LineStyle) swatch { return swatch{line: &sty} }

// stackedBars is a histogram whose bars are stacked by layer, over bins
// given by their edges; it works on linear and log axes alike.
type stackedBars struct {
	edges  []float64 // len(bins)+1
	layers []barLayer
	base   float64 // the bottom of every bar (0, or below 1 on a log axis)
}

type barLayer struct {
	color  color.Color
	counts []float64
}

func (b *stackedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := 0; i+1 < len(b.edges); i++ {
		x0, x1 := trX(b.edges[i]), trX(b.edges[i+1])
		if x1-x0 > vg.Points(1.5) {
			x1 -= vg.Points(0.5) // a hairline gap between bars
		}
		cum := 0.0
		for _, l := range b.layers {
			n := l.counts[i]
			if n <= 0 {
				continue
			}
			y0, y1 := trY(math.Max(b.base, cum)), trY(cum+n)
			cum += n
			pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
			c.FillPolygon(l.color, c.ClipPolygonXY(pts))
		}
	}
}

func (b *stackedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymax = b.base
	for i := 0; i+1 < len(b.edges); i++ {
		sum := 0.0
		for _, l := range b.layers {
			sum += math.Max(0, l.counts[i])
		}
		ymax = math.Max(ymax, sum)
	}
	return b.edges[0], b.edges[len(b.edges)-1], b.base, ymax
}

// vLines draws thin vertical lines across the data area.
type vLines struct {
	xs  []float64
	sty draw.LineStyle
}

func (v vLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, x := range v.xs {
		if x < p.X.Min || x > p.X.Max {
			continue
		}
		c.StrokeLine2(v.sty, trX(x), c.Min.Y, trX(x), c.Max.Y)
	}
}

// logTicks marks a log axis at powers of ten, and at 2 and 5 times them
// when the axis spans few decades; label formats each labelled value.
type logTicks struct {
	label func(float64) string
}

func (t logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) {
		return nil
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	dense := hi-lo <= 3
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		d := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * d
			tk := plot.Tick{Value: v}
			if m == 1 || (dense && (m == 2 || m == 5)) {
				tk.Label = t.label(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// formatSeconds writes a time for an axis: 0, 250µs, 12ms, 1.5s, 120s.
func formatSeconds(v float64) string { return secondsWith(v, "%.3g") }

// secondsText writes a time for a text or a table with three significant
// digits: 0, 250µs, 12.0ms, 1.50s, 120s.
func secondsText(v float64) string { return secondsWith(v, "") }

func secondsWith(v float64, format string) string {
	a := math.Abs(v)
	unit, scale := "s", 1.0
	switch {
	case v == 0:
		return "0"
	case a < 1e-3:
		unit, scale = "µs", 1e6
	case a < 1:
		unit, scale = "ms", 1e3
	}
	x := v * scale
	if format != "" {
		return fmt.Sprintf(format, x) + unit
	}
	dec := max(0, 2-int(math.Floor(math.Log10(math.Abs(x)))))
	return strconv.FormatFloat(x, 'f', dec, 64) + unit
}

// formatCount labels a count axis.
func formatCount(v float64) string {
	return fmt.Sprintf("%.0f", v)
}

// Colours: one per waiting place, one per outcome.
var (
	colRunning     = color.RGBA{0x1f, 0x77, 0xb4, 0xff} // blue
	colQueued      = color.RGBA{0xff, 0x7f, 0x0e, 0xff} // orange
	colKernel      = color.RGBA{0xd6, 0x27, 0x28, 0xff} // red
	colSynQueue    = color.RGBA{0xe3, 0x77, 0xc2, 0xff} // pink
	colConnections = color.RGBA{0x2c, 0xa0, 0x2c, 0xff} // green
	colClient      = color.RGBA{0x94, 0x67, 0xbd, 0xff} // purple
	colLimit       = color.RGBA{0x55, 0x55, 0x55, 0xff}
	colGuide       = color.RGBA{0x88, 0x88, 0x88, 0xff}
	colRejected    = color.RGBA{0x8c, 0x56, 0x4b, 0xff} // brown
	colTimedOut    = color.RGBA{0x44, 0x44, 0x44, 0xff} // dark grey

	outcomeColors = map[outcome.Outcome]color.Color{
		outcome.OK:        color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
		outcome.HTTP503:   color.RGBA{0xff, 0x7f, 0x0e, 0xff},
		outcome.HTTP429:   color.RGBA{0xbc, 0xbd, 0x22, 0xff},
		outcome.HTTPOther: color.RGBA{0x8c, 0x56, 0x4b, 0xff},
		outcome.Timeout:   color.RGBA{0xd6, 0x27, 0x28, 0xff},
		outcome.Refused:   color.RGBA{0xe3, 0x77, 0xc2, 0xff},
		outcome.Reset:     color.RGBA{0x94, 0x67, 0xbd, 0xff},
		outcome.Other:     color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	}
)
