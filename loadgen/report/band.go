package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/conclab/conclab/loadgen/predict"
)

// bandAlpha is the opacity of a gauge's predicted range: light enough
// that the six gauges' ranges, where they overlap, still show the
// measured lines on top.
const bandAlpha = 0.16

// bandPolygon is the outline of one gauge's predicted range: along its
// low edge forward in time, then back along its high edge. It is nil when
// the band has fewer than two points, which span no area.
func bandPolygon(band []predict.BandPoint, value func(predict.Point) float64) plotter.XYs {
	if len(band) < 2 {
		return nil
	}
	xys := make(plotter.XYs, 0, 2*len(band))
	for _, b := range band {
		xys = append(xys, plotter.XY{X: b.T.Seconds(), Y: value(b.Lo)})
	}
	for i := len(band) - 1; i >= 0; i-- {
		xys = append(xys, plotter.XY{X: band[i].T.Seconds(), Y: value(band[i].Hi)})
	}
	return xys
}

// bandArea fills a polygon, clipped to the data area, without an
// outline: plotter.Polygon would stroke one.
type bandArea struct {
	xys  plotter.XYs
	fill color.Color
}

func (a bandArea) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(a.xys))
	for i, xy := range a.xys {
		pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
	}
	if clipped := c.ClipPolygonXY(pts); len(clipped) > 2 {
		c.FillPolygon(a.fill, clipped)
	}
}

func (a bandArea) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, xy := range a.xys {
		xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
		ymin, ymax = math.Min(ymin, xy.Y), math.Max(ymax, xy.Y)
	}
	return xmin, xmax, ymin, ymax
}

// addBands shades each gauge's predicted range in its colour; it returns
// whether anything was shaded.
func addBands(p *plot.Plot, band []predict.BandPoint) bool {
	shaded := false
	for _, g := range gauges {
		if xys := bandPolygon(band, g.predicted); xys != nil {
			p.Add(bandArea{xys: xys, fill: faded(g.color, bandAlpha)})
			shaded = true
		}
	}
	return shaded
}
