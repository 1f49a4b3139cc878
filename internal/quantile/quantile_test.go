package quantile

import (
	"testing"
	"time"
)

func TestNearestRankTakesTheValueAtRankQTimesNRoundedHalfUp(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		xs   []int
		q    float64
		want int
	}{
		{hundred, .5, 50}, {hundred, .99, 99}, {hundred, 1, 100}, {hundred, 0, 1},
		{[]int{7, 8, 9}, .5, 8},  // rank 1.5 rounds up to 2
		{[]int{7, 8, 9}, .99, 9}, // rank 2.97 rounds to 3
		{[]int{4}, .01, 4},
		{nil, .5, 0},
	} {
		if got := NearestRank(c.xs, c.q); got != c.want {
			t.Errorf("NearestRank(%v, %g) = %d, want %d", c.xs, c.q, got, c.want)
		}
	}
	if got := NearestRank([]time.Duration{time.Second, 2 * time.Second}, .5); got != time.Second {
		t.Errorf("durations: p50 = %v, want 1s", got)
	}
}
