package workload

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestAPoissonScheduleWithAFixedSeedIsReproducedExactly(t *testing.T) {
	a := Poisson(1000, 10*time.Millisecond, Rand(42, StreamArrivals))
	b := Poisson(1000, 10*time.Millisecond, Rand(42, StreamArrivals))
	if !slices.Equal(a, b) {
		t.Fatal("two schedules from seed 42 differ")
	}
	if c := Poisson(1000, 10*time.Millisecond, Rand(43, StreamArrivals)); slices.Equal(a, c) {
		t.Error("seeds 42 and 43 give the same schedule")
	}
	// The first send is at 0, and each later one an exponential gap
	// after the one before: the gaps are the generator's own draws.
	rng := Rand(42, StreamArrivals)
	at := 0.0
	for i, got := range a[:5] {
		if i > 0 {
			at += rng.ExpFloat64() * float64(10*time.Millisecond)
		}
		if want := time.Duration(math.Round(at)); got != want {
			t.Errorf("send %d at %v, want %v", i, got, want)
		}
	}
	// 1000 gaps of mean 10 ms: the mean is within 4 standard errors
	// (10 ms/√999 each) of 10 ms.
	mean := float64(a[999]) / 999
	if se := float64(10*time.Millisecond) / math.Sqrt(999); math.Abs(mean-float64(10*time.Millisecond)) > 4*se {
		t.Errorf("mean gap %v, want 10ms ± %v", time.Duration(mean), time.Duration(4*se))
	}
}

func TestATwoStepStageSendsTheRightCountInEachStep(t *testing.T) {
	// 10 s at 5/s, then 10 s at 20/s: 50 requests 200 ms apart, then
	// 200 requests 50 ms apart from 10 s on.
	send, steps := Stages([]Stage{{10 * time.Second, 5, 5}, {10 * time.Second, 20, 20}}, nil, 1000)
	if len(send) != 250 || steps[0].Requests != 50 || steps[1].Requests != 200 {
		t.Fatalf("%d requests, %d and %d in the steps; want 250, 50 and 200", len(send), steps[0].Requests, steps[1].Requests)
	}
	for i, want := range map[int]time.Duration{0: 0, 1: 200 * time.Millisecond, 49: 9800 * time.Millisecond,
		50: 10 * time.Second, 51: 10050 * time.Millisecond, 249: 19950 * time.Millisecond} {
		if send[i] != want {
			t.Errorf("request %d sent at %v, want %v", i, send[i], want)
		}
	}
	if steps[1].Start != 10*time.Second || steps[1].End != 20*time.Second {
		t.Errorf("second step %v to %v, want 10s to 20s", steps[1].Start, steps[1].End)
	}
}

func TestARampSendsRequestKWhenTheRatesIntegralReachesK(t *testing.T) {
	// 0 to 10/s over 10 s: the rate is t/s², its integral t²/2, so
	// request k is sent at √(2k) s and the ramp sends 50.
	send, _ := Stages([]Stage{{10 * time.Second, 0, 10}}, nil, 1000)
	if len(send) != 50 {
		t.Fatalf("%d requests, want 50", len(send))
	}
	for k, want := range map[int]time.Duration{0: 0, 2: 2 * time.Second, 8: 4 * time.Second, 18: 6 * time.Second, 32: 8 * time.Second} {
		if send[k] != want {
			t.Errorf("request %d sent at %v, want %v", k, send[k], want)
		}
	}
	// Down again, 10/s to 0 over 10 s, after it: the mirror image.
	send, steps := Stages([]Stage{{10 * time.Second, 0, 10}, {10 * time.Second, 10, 0}}, nil, 1000)
	if len(send) != 100 || steps[1].Requests != 50 {
		t.Fatalf("%d requests, %d in the ramp down; want 100 and 50", len(send), steps[1].Requests)
	}
	// The ramp down's integral reaches 50+32 = 82 when 18 remain to come,
	// at 20 s - √(2·18) s = 14 s.
	if send[82] != 14*time.Second {
		t.Errorf("request 82 sent at %v, want 14s", send[82])
	}
}

func TestABurstAddsItsRequestsAtOneInstantAfterTheSendsDueThen(t *testing.T) {
	send := WithBursts(Constant(5, time.Second), []Burst{{At: 2 * time.Second, Requests: 3}, {At: 10 * time.Second, Requests: 1}})
	want := []time.Duration{0, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second,
		3 * time.Second, 4 * time.Second, 10 * time.Second}
	if !slices.Equal(send, want) {
		t.Errorf("sends %v, want %v", send, want)
	}
}

func TestTheMostRequestsWithinAWindowCountBothEnds(t *testing.T) {
	s := Steady(10, time.Second, 0, 0)
	if got := s.MostWithin(3 * time.Second); got != 4 {
		t.Errorf("most within 3 s of sends 1 s apart: %d, want 4 (0, 1, 2 and 3 s)", got)
	}
	if got := s.MostWithin(3500 * time.Millisecond); got != 4 {
		t.Errorf("most within 3.5 s: %d, want 4", got)
	}
}

func TestAStageSendsNothingAtItsEnd(t *testing.T) {
	// 300/s for 70 ms is 21 requests, 0 to 66.7 ms, though 0.07·300 is
	// 21.000000000000004 in floating point.
	send, steps := Stages([]Stage{{70 * time.Millisecond, 300, 300}}, nil, 100)
	if len(send) != 21 || steps[0].Requests != 21 {
		t.Errorf("%d requests, the last at %v; want 21", len(send), send[len(send)-1])
	}
}
