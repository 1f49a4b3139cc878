package predict

import "time"

// BandPoint is the predicted range of every gauge at T: across the
// replicas, the 1st percentile (Lo) and the 99th (Hi) of the state after
// every event at or before T. Lo.T and Hi.T are T.
type BandPoint struct {
	T      time.Duration
	Lo, Hi Point
}
