package runfolder

import (
	"io"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/predict"
)

// BandHeader is the first line of <target>.band.csv: for each gauge of
// SeriesHeader, its predicted low and high.
var BandHeader = []string{"t_s",
	"inflight_lo", "inflight_hi", "queued_lo", "queued_hi", "accept_queue_lo", "accept_queue_hi",
	"connections_lo", "connections_hi", "client_inflight_lo", "client_inflight_hi", "syn_pending_lo", "syn_pending_hi",
	"syn_queue_lo", "syn_queue_hi"}

// WriteBand writes a predicted band.
func WriteBand(w io.Writer, band []predict.BandPoint) error {
	table := make([][]float64, len(band))
	for i, b := range band {
		table[i] = []float64{b.T.Seconds(),
			float64(b.Lo.Inflight), float64(b.Hi.Inflight), float64(b.Lo.Queued), float64(b.Hi.Queued),
			float64(b.Lo.AcceptQueue), float64(b.Hi.AcceptQueue), float64(b.Lo.Connections), float64(b.Hi.Connections),
			float64(b.Lo.ClientInflight), float64(b.Hi.ClientInflight), float64(b.Lo.SynPending), float64(b.Hi.SynPending),
			float64(b.Lo.SynQueue), float64(b.Hi.SynQueue)}
	}
	return writeTable(w, BandHeader, table)
}

// ReadBand reads a band written by WriteBand.
func ReadBand(r io.Reader) ([]predict.BandPoint, error) {
	table, err := readTable(r, BandHeader, "predicted band")
	if err != nil {
		return nil, err
	}
	band := make([]predict.BandPoint, len(table))
	for i, v := range table {
		t := seconds(v[0])
		band[i] = predict.BandPoint{T: t,
			Lo: predict.Point{T: t, Inflight: countOrZero(v[1]), Queued: countOrZero(v[3]), AcceptQueue: countOrZero(v[5]),
				Connections: countOrZero(v[7]), ClientInflight: countOrZero(v[9]), SynPending: countOrZero(v[11]), SynQueue: countOrZero(v[13])},
			Hi: predict.Point{T: t, Inflight: countOrZero(v[2]), Queued: countOrZero(v[4]), AcceptQueue: countOrZero(v[6]),
				Connections: countOrZero(v[8]), ClientInflight: countOrZero(v[10]), SynPending: countOrZero(v[12]), SynQueue: countOrZero(v[14])}}
	}
	return band, nil
}

// WriteBand writes the target's predicted band atomically.
func (f Folder) WriteBand(target string, band []predict.BandPoint) error {
	return atomicfile.Write(f.Band(target), func(w io.Writer) error { return WriteBand(w, band) })
}
