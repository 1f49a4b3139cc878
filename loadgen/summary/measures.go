package summary

import (
	"slices"
	"time"

	"github.com/conclab/conclab/internal/quantile"
)

// QuantilesOf are the p50, p90, p99 and max of the seconds xs, which it
// sorts, by quantile.NearestRank.
func QuantilesOf(xs []float64) Quantiles {
	slices.Sort(xs)
	return Quantiles{P50: quantile.NearestRank(xs, .5), P90: quantile.NearestRank(xs, .9),
		P99: quantile.NearestRank(xs, .99), Max: quantile.NearestRank(xs, 1)}
}

// Goodput is ok answers per second of a schedule of requests sent every
// interval: ok × rate ÷ requests, so that a server that answers every
// request ok has the offered rate as its goodput.
func Goodput(ok, requests int, interval time.Duration) float64 {
	if requests == 0 || interval <= 0 {
		return 0
	}
	return float64(ok) / (float64(requests) * interval.Seconds())
}

// GoodputOver is ok answers per second over span: a closed schedule's
// goodput, over the time from its first send to its last request's end,
// since how fast its users send is what the server allows.
func GoodputOver(ok int, span time.Duration) float64 {
	if span <= 0 {
		return 0
	}
	return float64(ok) / span.Seconds()
}
