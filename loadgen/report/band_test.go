package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"

	"github.com/conclab/conclab/loadgen/predict"
)

func TestTheBandPolygonRunsAlongTheLowEdgeAndBackAlongTheHigh(t *testing.T) {
	band := []predict.BandPoint{
		{T: 0, Lo: predict.Point{Queued: 0}, Hi: predict.Point{Queued: 1}},
		{T: time.Second, Lo: predict.Point{Queued: 2}, Hi: predict.Point{Queued: 6}},
		{T: 2500 * time.Millisecond, Lo: predict.Point{Queued: 1}, Hi: predict.Point{Queued: 4}},
	}
	queued := func(p predict.Point) float64 { return float64(p.Queued) }
	want := plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}, {X: 2.5, Y: 1}, {X: 2.5, Y: 4}, {X: 1, Y: 6}, {X: 0, Y: 1}}
	got := bandPolygon(band, queued)
	if len(got) != len(want) {
		t.Fatalf("polygon %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("point %d: %v, want %v", i, got[i], want[i])
		}
	}
	if p := bandPolygon(band[:1], queued); p != nil {
		t.Errorf("a band of one point spans no area, got %v", p)
	}
}

func TestTheTimelineChartShadesThePredictedBand(t *testing.T) {
	dir := t.TempDir()
	newRangedRun().write(t, dir)
	r, err := loadRun(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	sem := r.targets[0]
	if len(sem.band) != 5 || sem.band[1].Hi.Queued != 6 {
		t.Fatalf("sem-2's band read as %+v, want the 5 points written", sem.band)
	}
	if r.targets[1].band != nil || len(r.targets[1].problems) != 0 {
		t.Errorf("ll-1 has no band file: band %v, problems %q; want neither", r.targets[1].band, r.targets[1].problems)
	}
	shaded, caption := timelineChart(sem)
	if !strings.Contains(caption, "Shaded in each colour: that gauge's predicted range") {
		t.Errorf("caption says nothing of the band: %s", caption)
	}
	sem.band = nil
	plain, caption := timelineChart(sem)
	if strings.Contains(caption, "Shaded") {
		t.Errorf("caption of a chart without a band mentions shading: %s", caption)
	}
	// The band fills an area the lines do not: the shaded chart has many
	// more tinted pixels.
	withBand, without := tintedPixels(t, shaded), tintedPixels(t, plain)
	if withBand < without+10000 {
		t.Errorf("tinted pixels: %d with the band, %d without; want the band to add at least 10000", withBand, without)
	}
}

func TestAnUnreadableBandIsReportedAndTheChartDrawnWithoutIt(t *testing.T) {
	dir := t.TempDir()
	newRangedRun().write(t, dir)
	writeFile(t, filepath.Join(dir, "sem-2.band.csv"), []byte("t_s,what\n1,2\n"))
	path, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := checkReport(t, dir, path)
	contains(t, "report.md", md, "sem-2: sem-2.band.csv is unreadable (", "): no predicted range shaded")
	if _, err := os.Stat(filepath.Join(dir, "charts", "sem-2-timeline.png")); err != nil {
		t.Errorf("no timeline chart without its band: %v", err)
	}
}

// tintedPixels renders c and counts the pixels that are neither white
// nor grey.
func tintedPixels(t *testing.T, c *chart) int {
	t.Helper()
	b, err := c.png()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)-min(r, g, b) > 0x0800 {
				n++
			}
		}
	}
	return n
}
