package runner

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
)

// SeriesHeader is the first line of <target>.predicted.csv.
var SeriesHeader = []string{"t_s", "inflight", "queued", "accept_queue", "connections", "client_inflight", "syn_pending"}

// WriteSeries writes the predicted time series.
func WriteSeries(w io.Writer, pts []predict.Point) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SeriesHeader); err != nil {
		return err
	}
	for _, p := range pts {
		rec := []string{strconv.FormatFloat(p.T.Seconds(), 'f', 3, 64),
			strconv.Itoa(p.Inflight), strconv.Itoa(p.Queued), strconv.Itoa(p.AcceptQueue),
			strconv.Itoa(p.Connections), strconv.Itoa(p.ClientInflight), strconv.Itoa(p.SynPending)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadSeries reads a <target>.predicted.csv.
func ReadSeries(r io.Reader) ([]predict.Point, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) != len(SeriesHeader) {
		return nil, fmt.Errorf("predicted series: want header %v", SeriesHeader)
	}
	pts := make([]predict.Point, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		var v [7]float64
		for j, c := range rec {
			if v[j], err = strconv.ParseFloat(c, 64); err != nil {
				return nil, fmt.Errorf("predicted series line %d: %v", i+2, err)
			}
		}
		pts = append(pts, predict.Point{T: time.Duration(v[0] * float64(time.Second)), Inflight: int(v[1]), Queued: int(v[2]), AcceptQueue: int(v[3]),
			Connections: int(v[4]), ClientInflight: int(v[5]), SynPending: int(v[6])})
	}
	return pts, nil
}
