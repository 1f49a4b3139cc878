package runfolder

import (
	"io"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/predict"
)

// SeriesHeader is the first line of <target>.predicted.csv.
var SeriesHeader = []string{"t_s", "inflight", "queued", "accept_queue", "connections", "client_inflight", "syn_pending",
	"syn_queue"}

// WriteSeries writes a predicted time series.
func WriteSeries(w io.Writer, pts []predict.Point) error {
	table := make([][]float64, len(pts))
	for i, p := range pts {
		table[i] = []float64{p.T.Seconds(), float64(p.Inflight), float64(p.Queued), float64(p.AcceptQueue),
			float64(p.Connections), float64(p.ClientInflight), float64(p.SynPending),
			float64(p.SynQueue)}
	}
	return writeTable(w, SeriesHeader, table)
}

// ReadSeries reads a series written by WriteSeries.
func ReadSeries(r io.Reader) ([]predict.Point, error) {
	table, err := readTable(r, SeriesHeader, "predicted series")
	if err != nil {
		return nil, err
	}
	pts := make([]predict.Point, len(table))
	for i, v := range table {
		pts[i] = predict.Point{T: seconds(v[0]), Inflight: countOrZero(v[1]), Queued: countOrZero(v[2]), AcceptQueue: countOrZero(v[3]),
			Connections: countOrZero(v[4]), ClientInflight: countOrZero(v[5]), SynPending: countOrZero(v[6]), SynQueue: countOrZero(v[7])}
	}
	return pts, nil
}

// WriteSeries writes the target's predicted series atomically.
func (f Folder) WriteSeries(target string, pts []predict.Point) error {
	return atomicfile.Write(f.Predicted(target), func(w io.Writer) error { return WriteSeries(w, pts) })
}
