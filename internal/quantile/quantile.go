// Package quantile is the one rule by which conclab takes a quantile of
// measured values and of predicted ones, so that the two are comparable.
package quantile

import "cmp"

// NearestRank is the q-quantile of sorted by the nearest-rank method: the
// value at rank q·N rounded half up, the smallest for q ≤ 1/(2N). It is
// the zero value for no values.
func NearestRank[T cmp.Ordered](sorted []T, q float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
