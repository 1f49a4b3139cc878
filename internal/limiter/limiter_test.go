package limiter

import (
	"testing"
	"time"
)

// AIMD, step by step from a limit of 10 within [5, 12]: a sample that
// used half the limit adds one, one that used less leaves it, a drop
// cuts it to ⌊0.9 × limit⌋, a round trip above 5 s counts as a drop, and
// the bounds hold.
func TestAIMDFollowsItsRuleStepByStep(t *testing.T) {
	l := New(AIMD, 10, 5, 12)
	ms := time.Millisecond
	for i, s := range []struct {
		rtt      time.Duration
		inflight int
		dropped  bool
		want     int
	}{
		{200 * ms, 5, false, 11},  // 5·2 ≥ 10
		{200 * ms, 5, false, 11},  // 5·2 < 11
		{200 * ms, 6, false, 12},  // 6·2 ≥ 11
		{200 * ms, 12, false, 12}, // at the max
		{200 * ms, 12, true, 10},  // ⌊12·0.9⌋ = 10
		{6 * time.Second, 1, false, 9},
		{200 * ms, 1, true, 8},
		{200 * ms, 1, true, 7},
		{200 * ms, 1, true, 6},
		{200 * ms, 1, true, 5},
		{200 * ms, 1, true, 5}, // ⌊5·0.9⌋ = 4, held at the min
	} {
		l.Update(s.rtt, s.inflight, s.dropped)
		if got := l.Limit(); got != s.want {
			t.Fatalf("step %d %+v: limit %d, want %d", i, s, got, s.want)
		}
	}
}

// Gradient2 from 20 within [1, 200], on a steady 100 ms round trip with
// the limit in use: the gradient is min(1, 1.5 × long/short) = 1, so each
// sample adds a fifth of the queue of 4: 20.8, 21.6, 22.4 (the limit
// 20, 21, 22). When the round trip doubles, the long average (still a
// plain mean in the warm-up) is 0.125 s: the gradient 1.5 × 0.125/0.2 =
// 0.9375, and the estimate 22.4·0.8 + (22.4·0.9375 + 4)·0.2 = 22.92. A
// sample with less than half the limit running changes nothing.
func TestGradient2FollowsItsRuleStepByStep(t *testing.T) {
	l := New(Gradient2, 20, 1, 200).(*gradient2)
	ms := time.Millisecond
	for i, want := range []float64{20.8, 21.6, 22.4} {
		l.Update(100*ms, 20, false)
		if d := l.estimate - want; d > 1e-9 || d < -1e-9 {
			t.Fatalf("sample %d: estimate %v, want %v", i, l.estimate, want)
		}
	}
	if l.Limit() != 22 {
		t.Errorf("limit %d, want 22", l.Limit())
	}
	l.Update(200*ms, 20, false) // long = (0.1·3 + 0.2)/4 = 0.125; gradient 1.5·0.125/0.2 = 0.9375
	want := 22.4*0.8 + (22.4*0.9375+4)*0.2
	if d := l.estimate - want; d > 1e-9 || d < -1e-9 {
		t.Errorf("after a doubled round trip: estimate %v, want %v", l.estimate, want)
	}
	before := l.estimate
	l.Update(200*ms, 5, false) // 5 < estimate/2: app-limited, no change
	if l.estimate != before {
		t.Errorf("an app-limited sample moved the estimate from %v to %v", before, l.estimate)
	}
}
