package calibrate

import (
	"slices"
	"time"

	"github.com/conclab/conclab/loadgen/summary"
)

// wheelSlack is the most a kernel timer can fire late, as a fraction of
// its delay. Linux's timer wheel (kernel/time/timer.c) files a timer
// armed d jiffies ahead in the level whose range holds d, and rounds its
// expiry up to that level's granularity. Each level is 8 times coarser
// than the one below (LVL_CLK_SHIFT = 3) and starts where the one below
// ends, so a level's granularity is 1/8 of the smallest delay it holds:
// at HZ=1000, level 2 holds 512 ms to 4 s in steps of 64 ms, level 3 holds
// 4 s to 32 s in steps of 512 ms. A timer therefore fires at most 12.5 %
// of its delay late. Each SYN retransmission timer is armed when the one
// before fires, so the lateness added between retransmissions m and k is
// at most 12.5 % of the nominal time between them.
const wheelSlack = 0.125

// fill sets cal's retransmissions, their spread, the give-up and Measured
// from what the probe saw. A retransmission every connect saw is
// measured: its median over the connects, and its earliest and latest.
// One not measured is nominal, scaled by the relative lateness of the
// last one measured, and for the spread shifted by its least
// lateness and by its greatest plus the timer wheel's worst rounding over
// the nominal time between the two (wheelSlack). The give-up is measured
// when every connect gave up, else scaled the same way.
func (o observed) fill(cal *summary.KernelCalibration, nominal []time.Duration, nominalGiveUp time.Duration) {
	measured := 0
	for i, s := range o.seen {
		if i == 0 || len(s) < measured {
			measured = len(s)
		}
	}
	n := max(len(nominal), measured)
	cal.Measured = measured
	cal.RetransmitsS = make([]float64, n)
	cal.RetransmitSpreadS = make([][2]float64, n)
	var last Step // the last measured retransmission; zero if none
	for k := range measured {
		offsets := make([]time.Duration, len(o.seen))
		for i, s := range o.seen {
			offsets[i] = s[k]
		}
		last = spreadOf(offsets)
		if k < len(o.spread) {
			last.Min, last.Max = min(last.Min, o.spread[k][0]), max(last.Max, o.spread[k][1])
		}
		cal.RetransmitsS[k] = last.Median.Seconds()
		cal.RetransmitSpreadS[k] = [2]float64{last.Min.Seconds(), last.Max.Seconds()}
	}
	// The lateness of the last measured retransmission, against its
	// nominal offset (ref).
	var ref, lateMin, lateMedian, lateMax time.Duration
	if measured > 0 && len(nominal) > 0 {
		ref = nominal[min(measured, len(nominal))-1]
		lateMin, lateMedian, lateMax = last.Min-ref, last.Median-ref, last.Max-ref
	}
	// Lateness grows with the delay (each timer rounds up anew), so the
	// central value scales the nominal offset by the last measured
	// relative lateness: on this machine that puts the 67 s retransmission
	// at 68.6 s and the give-up at 134.1 s, where a full probe measured
	// 68.5 s and 134.0 s.
	scale := 1.0
	if ref > 0 {
		scale = float64(ref+lateMedian) / float64(ref)
	}
	for k := measured; k < n; k++ {
		nom := nominal[k]
		slack := time.Duration(wheelSlack * float64(nom-ref))
		central := time.Duration(scale * float64(nom))
		lo, hi := nom+lateMin, nom+lateMax+slack
		cal.RetransmitsS[k] = min(max(central, lo), hi).Seconds()
		cal.RetransmitSpreadS[k] = [2]float64{lo.Seconds(), hi.Seconds()}
	}
	cal.GiveUpS = (time.Duration(scale * float64(nominalGiveUp))).Seconds()
	if len(o.gaveUp) > 0 && !slices.Contains(o.gaveUp, 0) {
		cal.GiveUpS = spreadOf(o.gaveUp).Median.Seconds()
	}
}

// spreadOf is the least, median and greatest of offsets (not empty); the
// median of an even count is the mean of the middle two.
func spreadOf(offsets []time.Duration) Step {
	s := slices.Clone(offsets)
	slices.Sort(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Step{Min: s[0], Median: median, Max: s[len(s)-1]}
}

// medianMax is [median, max] of ds in seconds (ds not empty).
func medianMax(ds []time.Duration) [2]float64 {
	s := spreadOf(ds)
	return [2]float64{s.Median.Seconds(), s.Max.Seconds()}
}
