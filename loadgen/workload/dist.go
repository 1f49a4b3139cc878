package workload

import (
	"math"
	"math/rand/v2"
	"time"
)

// Dist is a distribution of one kind of handler work.
type Dist interface {
	// Draw is one request's work.
	Draw(rng *rand.Rand) time.Duration
	// Mean is the distribution's mean.
	Mean() time.Duration
}

// Fixed is the same work for every request.
type Fixed time.Duration

func (f Fixed) Draw(*rand.Rand) time.Duration { return time.Duration(f) }
func (f Fixed) Mean() time.Duration           { return time.Duration(f) }

// Exponential work with mean MeanWork.
type Exponential struct{ MeanWork time.Duration }

func (e Exponential) Draw(rng *rand.Rand) time.Duration {
	return nanos(rng.ExpFloat64() * float64(e.MeanWork))
}
func (e Exponential) Mean() time.Duration { return e.MeanWork }

// z99 is the 99th percentile of the standard normal distribution.
const z99 = 2.3263478740408408

// LogNormal work given by its median and its 99th percentile, which must
// be above the median: ln of the work is normal with mean ln(Median) and
// standard deviation ln(P99/Median)/z99.
type LogNormal struct{ Median, P99 time.Duration }

// Sigma is the standard deviation of ln of the work.
func (l LogNormal) Sigma() float64 { return math.Log(float64(l.P99)/float64(l.Median)) / z99 }

func (l LogNormal) Draw(rng *rand.Rand) time.Duration {
	return nanos(float64(l.Median) * math.Exp(l.Sigma()*rng.NormFloat64()))
}

// Mean is Median·e^(σ²/2).
func (l LogNormal) Mean() time.Duration {
	s := l.Sigma()
	return nanos(float64(l.Median) * math.Exp(s*s/2))
}

// Part is one component of a Mix, drawn with probability Weight over the
// sum of the weights.
type Part struct {
	Weight float64
	Dist   Dist
}

// Mix draws a part by weight, then the work from that part.
type Mix []Part

func (m Mix) Draw(rng *rand.Rand) time.Duration {
	var total float64
	for _, p := range m {
		total += p.Weight
	}
	u := rng.Float64() * total
	for _, p := range m[:len(m)-1] {
		if u < p.Weight {
			return p.Dist.Draw(rng)
		}
		u -= p.Weight
	}
	return m[len(m)-1].Dist.Draw(rng)
}

// Mean is the weighted mean of the parts' means.
func (m Mix) Mean() time.Duration {
	var total, sum float64
	for _, p := range m {
		total += p.Weight
		sum += p.Weight * float64(p.Dist.Mean())
	}
	return nanos(sum / total)
}

// Values draws one of its values uniformly: a recorded distribution, not
// its order.
type Values []time.Duration

func (v Values) Draw(rng *rand.Rand) time.Duration { return v[rng.IntN(len(v))] }

func (v Values) Mean() time.Duration {
	var sum float64
	for _, d := range v {
		sum += float64(d)
	}
	return nanos(sum / float64(len(v)))
}

// Draw is n draws of d from rng.
func Draw(d Dist, n int, rng *rand.Rand) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d.Draw(rng)
	}
	return out
}
