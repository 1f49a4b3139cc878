package workload

import (
	"math"
	"testing"
	"time"
)

func TestAMixOfFastAndSlowRequestsHasTheRightMeanWork(t *testing.T) {
	// 95 % of 10 ms and 5 % of 1 s: 9.5 ms + 50 ms = 59.5 ms.
	mix := Mix{{Weight: 95, Dist: Fixed(10 * time.Millisecond)}, {Weight: 5, Dist: Fixed(time.Second)}}
	if got := mix.Mean(); got != 59500*time.Microsecond {
		t.Errorf("mean %v, want 59.5ms", got)
	}
	// 100,000 draws: the count of slow ones is binomial, sd √(n·p·(1-p))
	// = 68.9, so the drawn mean is within 4 sd of 0.99 s each of it.
	n := 100_000
	draws := Draw(mix, n, Rand(7, StreamSleep))
	var sum time.Duration
	slow := 0
	for _, d := range draws {
		sum += d
		switch d {
		case time.Second:
			slow++
		case 10 * time.Millisecond:
		default:
			t.Fatalf("drew %v, neither part", d)
		}
	}
	sd := math.Sqrt(float64(n) * .05 * .95)
	if math.Abs(float64(slow)-.05*float64(n)) > 4*sd {
		t.Errorf("%d slow draws of %d, want 5000 ± %.0f", slow, n, 4*sd)
	}
	mean := sum / time.Duration(n)
	if tol := time.Duration(4 * sd * float64(990*time.Millisecond) / float64(n)); (mean - 59500*time.Microsecond).Abs() > tol {
		t.Errorf("drawn mean %v, want 59.5ms ± %v", mean, tol)
	}
}

func TestALognormalHasItsMedianAndP99(t *testing.T) {
	l := LogNormal{Median: 10 * time.Millisecond, P99: time.Second}
	// σ = ln(100)/z99 = 1.9796; the mean is the median times e^(σ²/2).
	if got, want := l.Mean(), time.Duration(math.Round(1e7*math.Exp(math.Pow(math.Log(100)/z99, 2)/2))); got != want {
		t.Errorf("mean %v, want %v", got, want)
	}
	draws := Draw(l, 100_000, Rand(3, StreamSleep))
	below := func(d time.Duration) (n int) {
		for _, x := range draws {
			if x < d {
				n++
			}
		}
		return n
	}
	// Binomial counts, 4 sd: √(n·.5·.5) = 158, √(n·.99·.01) = 31.5.
	if got := below(10 * time.Millisecond); got < 50_000-632 || got > 50_000+632 {
		t.Errorf("%d draws below the median, want 50000 ± 632", got)
	}
	if got := below(time.Second); got < 99_000-126 || got > 99_000+126 {
		t.Errorf("%d draws below the p99, want 99000 ± 126", got)
	}
}

func TestAnExponentialHasItsMean(t *testing.T) {
	e := Exponential{MeanWork: 20 * time.Millisecond}
	draws := Draw(e, 100_000, Rand(5, StreamCPU))
	var sum float64
	for _, d := range draws {
		sum += float64(d)
	}
	// The sd of an exponential is its mean: 4 standard errors.
	mean, se := sum/1e5, float64(20*time.Millisecond)/math.Sqrt(1e5)
	if math.Abs(mean-float64(20*time.Millisecond)) > 4*se {
		t.Errorf("drawn mean %v, want 20ms ± %v", time.Duration(mean), time.Duration(4*se))
	}
}
