package runfolder

import (
	"io"
	"math"
	"time"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/sample"
)

// TimelineHeader is the first line of <target>.timeline.csv.
var TimelineHeader = []string{"t_s", "inflight", "queued", "accept_queue", "accept_limit", "connections",
	"goroutines", "rss_bytes", "listen_overflows", "rejected", "wasted_work_s",
	"client_sent", "client_inflight", "client_ok", "client_errors", "concurrency_limit", scrapedColumn, "syn_queue"}

// scrapedColumn is when the server's answer to the row's scrape came
// (sample.Row.Scraped).
const scrapedColumn = "scraped_s"

func timelineFields(r sample.Row) []float64 {
	return []float64{r.T.Seconds(), r.Inflight, r.Queued, r.AcceptQueue, r.AcceptLimit, r.Connections,
		r.Goroutines, r.RSSBytes, r.Overflows, r.Rejected, r.WastedWork,
		r.ClientSent, r.ClientInflight, r.ClientOK, r.ClientErrors, r.Limit, scrapedS(r), r.SynQueue}
}

// scrapedS is the row's scraped_s, to the millisecond as t_s: empty when
// no scrape answered.
func scrapedS(r sample.Row) float64 {
	if r.Scraped <= 0 {
		return math.NaN()
	}
	return r.Scraped.Round(time.Millisecond).Seconds()
}

// WriteTimeline writes rows under TimelineHeader; NaN is an empty cell.
func WriteTimeline(w io.Writer, rows []sample.Row) error {
	table := make([][]float64, len(rows))
	for i, r := range rows {
		table[i] = timelineFields(r)
	}
	return writeTable(w, TimelineHeader, table)
}

// ReadTimeline reads a timeline written by WriteTimeline.
func ReadTimeline(r io.Reader) ([]sample.Row, error) {
	table, err := readTable(r, TimelineHeader, "timeline")
	if err != nil {
		return nil, err
	}
	rows := make([]sample.Row, len(table))
	for i, v := range table {
		rows[i] = sample.Row{T: seconds(v[0]),
			Inflight: v[1], Queued: v[2], AcceptQueue: v[3], AcceptLimit: v[4], Connections: v[5],
			Goroutines: v[6], RSSBytes: v[7], Overflows: v[8], Rejected: v[9], WastedWork: v[10],
			ClientSent: v[11], ClientInflight: v[12], ClientOK: v[13], ClientErrors: v[14], Limit: v[15], SynQueue: v[17]}
		if !math.IsNaN(v[16]) {
			rows[i].Scraped = seconds(v[16])
		}
	}
	return rows, nil
}

// WriteTimeline writes the target's timeline atomically.
func (f Folder) WriteTimeline(target string, rows []sample.Row) error {
	return atomicfile.Write(f.Timeline(target), func(w io.Writer) error { return WriteTimeline(w, rows) })
}
