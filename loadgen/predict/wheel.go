package predict

import "time"

// wheel is the Linux timer wheel that fires a connecting socket's SYN
// retransmission timer (kernel/time/timer.c). A timer of d jiffies goes
// into the level whose range holds d; level n counts in units of 8^n
// jiffies, and the timer fires at the first unit boundary strictly after
// its expiry, so that it never fires early:
//
//	level 0: d < 63 jiffies          unit 1 jiffy
//	level 1: d < 63·8 = 504          unit 8 jiffies
//	level 2: d < 63·64 = 4032        unit 64
//	level 3: d < 63·512 = 32256      unit 512
//	level n: d < 63·8^n               unit 8^n
//
// At HZ=250, a 1 s timer (250 jiffies) fires up to 32 ms late, and a 4 s
// one (1000 jiffies) up to 256 ms late: the lateness measured on this
// machine (12 to 36 ms for the first retransmissions, 254 ms for the 4 s
// gap, 766 ms for the 32 s one) is this rounding. Unit boundaries are
// absolute jiffies, the same on every CPU, so timers of requests sent a
// few milliseconds apart fire at the same instant.
type wheel struct {
	jiffy time.Duration
	phase time.Duration // where jiffy 0 lies before the run's start
}

// wheelLevels is how many levels the wheel has (HZ > 100: 9).
const wheelLevels = 9

// unit is the granularity, in jiffies, of the level that a timer of d
// jiffies goes into.
func unit(d int64) int64 {
	u := int64(1)
	for level := 0; level < wheelLevels-1; level++ {
		if d < 63*u {
			return u
		}
		u *= 8
	}
	return u
}

// fire is when a timer armed at t for d fires.
func (w wheel) fire(t, d time.Duration) time.Duration {
	armed := int64((t + w.phase) / w.jiffy) // the jiffy it is armed in
	dj := int64(d / w.jiffy)
	u := unit(dj)
	at := ((armed+dj)/u + 1) * u
	return time.Duration(at)*w.jiffy - w.phase
}

// retransmissions are when request r's retransmitted SYNs are sent and
// when its connect gives up: each timer armed when the previous SYN was
// sent, for the kernel's gap (see Kernel.NominalSchedule).
func (w wheel) retransmissions(sent time.Duration, nominal []time.Duration, nominalGiveUp time.Duration) ([]time.Duration, time.Duration) {
	out := make([]time.Duration, len(nominal))
	last, lastNominal := sent, time.Duration(0)
	for k, n := range nominal {
		last = w.fire(last, n-lastNominal)
		out[k], lastNominal = last, n
	}
	return out, w.fire(last, nominalGiveUp-lastNominal)
}
