package predict

import (
	"time"
)

// Kernel is the SYN retransmission behaviour, as the sysctls set it.
type Kernel struct {
	SynRetries        int           // net.ipv4.tcp_syn_retries
	SynLinearTimeouts int           // net.ipv4.tcp_syn_linear_timeouts (0 on kernels without it)
	InitialRTO        time.Duration // 1s; 0 is taken as 1s

	// Retransmits, when set, are this host's measured retransmission
	// offsets (a calibration), used instead of the nominal schedule that
	// the three fields above give; GiveUp is then its measured give-up.
	Retransmits []time.Duration
	GiveUp      time.Duration

	// NoTimestamps is net.ipv4.tcp_timestamps=0: a connection whose SYN
	// was retransmitted then has no RTT sample, and resends its request
	// as a loss probe after 1 s and then on an RTO of 3 s, doubling,
	// rather than after 200 ms and then 200 ms, doubling
	// (clientRetransmissions in limbo.go).
	NoTimestamps bool
}

// DefaultInitialRTO is the kernel's initial retransmission timeout for a SYN
// (TCP_TIMEOUT_INIT).
const DefaultInitialRTO = time.Second

// maxRTO is the kernel's ceiling on the retransmission timeout (TCP_RTO_MAX,
// also the default of net.ipv4.tcp_rto_max_ms).
const maxRTO = 120 * time.Second

// SynSchedule returns the offsets from the first SYN at which each
// retransmitted SYN is sent, and the offset at which connect() gives up
// (ETIMEDOUT).
//
// The formula, from the Linux SYN_SENT retransmit timer (tcp_retransmit_timer
// and tcp_write_timeout, kernel ≥ 6.5 with tcp_syn_linear_timeouts), with
// R = SynRetries, L = SynLinearTimeouts and rto0 = InitialRTO:
//
//	retransmissions  N = R + L   (the kernel allows tcp_syn_retries plus the linear ones)
//	rto(0)           = rto0                        the wait before the 1st retransmission
//	rto(i), i ≤ L    = rto0                        linear: after each of the first L retransmissions
//	rto(i), i > L    = min(2·rto(i-1), 120s)       exponential afterwards
//	retransmit k     = rto(0) + … + rto(k-1),  k = 1..N
//	giveUp           = rto(0) + … + rto(N)         one more RTO after the last retransmission
//
// So for L = 4 the gaps are +1,+1,+1,+1,+1,+2,+4,… s: five gaps of rto0 (the
// initial RTO and then four linear ones) before the doubling starts. For R=6,
// L=4 the retransmissions are at 1,2,3,4,5,7,11,19,35,67 s and connect gives up
// at 131 s; for R=6, L=0 (older kernels) at 1,3,7,15,31,63 s and 127 s.
//
// Measured once by hand on this machine (kernel 6.18, tcp_syn_retries=6,
// tcp_syn_linear_timeouts=4): a non-blocking connect to a 127.0.0.1 listener
// with backlog 0 whose one accept-queue entry was taken, polling TCP_INFO on
// the connecting socket every 5 ms. Retransmissions were seen at 1.012, 2.036,
// 3.058, 4.085, 5.107, 7.124, 11.378, 19.573, 35.701 and 68.467 s and
// SO_ERROR became ETIMEDOUT at 134.003 s: ten retransmissions, not six, which
// confirms N = R + L. The measured times drift late by about 2%: the
// kernel's timer wheel rounds a long timer up to its level's granularity.
// A calibration (loadgen calibrate) measures them, and Retransmits then
// replaces the nominal values.
func (k Kernel) SynSchedule() (retransmits []time.Duration, giveUp time.Duration) {
	if k.Retransmits != nil {
		return k.Retransmits, k.GiveUp
	}
	return k.NominalSchedule()
}

// NominalSchedule is the schedule that the sysctls give, as described at
// [Kernel.SynSchedule], whatever Retransmits says.
func (k Kernel) NominalSchedule() (retransmits []time.Duration, giveUp time.Duration) {
	rto := k.InitialRTO
	if rto <= 0 {
		rto = DefaultInitialRTO
	}
	r, l := max(k.SynRetries, 0), max(k.SynLinearTimeouts, 0)
	n := r + l
	retransmits = make([]time.Duration, 0, n)
	var t time.Duration
	for i := 1; i <= n; i++ {
		t += rto
		retransmits = append(retransmits, t)
		if i > l {
			rto = min(2*rto, maxRTO)
		}
	}
	return retransmits, t + rto
}
