package report

import (
	"math"
	"testing"
	"time"

	"github.com/conclab/conclab/loadgen/predict"
)

func TestTheSynQueueIsReportedOnlyWhereARunOrAReplicaHadOne(t *testing.T) {
	band := []predict.BandPoint{
		{T: 31 * time.Second, Hi: predict.Point{SynQueue: 40}},
		{T: 32 * time.Second, Hi: predict.Point{SynQueue: 128}},
		{T: 33 * time.Second, Hi: predict.Point{SynQueue: 90}},
	}
	const item = "Waiting in the kernel SYN queue (the listener's request sockets, counted at most once a second; " +
		"not judged, docs/verdict.md): peak "
	for _, c := range []struct {
		name     string
		measured float64
		band     []predict.BandPoint
		want     string
	}{
		{"off Linux, without limbo", math.NaN(), []predict.BandPoint{{T: time.Second}}, ""},
		{"no handshake held", 0, nil, ""},
		{"a run without a band", 3, nil, item + "3."},
		{"a run whose replicas have no limbo", 2, []predict.BandPoint{{T: time.Second}}, item + "2; no replica holds any."},
		{"a burst past the backlog", 64, band, item + "64; the replicas' band reaches 128 at 32.0 s."},
		{"replicas in limbo off Linux", math.NaN(), band, item + "-; the replicas' band reaches 128 at 32.0 s."},
	} {
		if got := synQueueItem(c.measured, c.band); got != c.want {
			t.Errorf("%s: got\n%q\nwant\n%q", c.name, got, c.want)
		}
	}
}
