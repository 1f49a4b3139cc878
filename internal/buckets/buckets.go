// Package buckets holds the histogram buckets that the server's and the
// client's duration metrics share, so that the two can be compared bucket
// by bucket in one dashboard.
package buckets

// Duration reaches an hour: the seed experiment's requests sleep 800 s,
// far past client_golang's DefBuckets (10 s).
var Duration = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 1800, 3600,
}
