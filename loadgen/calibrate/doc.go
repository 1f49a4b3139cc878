// Package calibrate measures the kernel timings the prediction rests on,
// on 127.0.0.1 only, and caches them per kernel release and sysctl values:
// when a SYN dropped at a full accept queue is really retransmitted, how
// long a waiting accept(2) takes to return, and how long a 1 ms sleep
// lasts. It touches the kernel's sockets and a cache file
// (docs/verdict.md#kernel-calibration).
//
// # SYN retransmissions
//
// The nominal schedule (predict.Kernel.SynSchedule, from tcp_syn_retries
// and tcp_syn_linear_timeouts) says when a client retransmits a dropped
// SYN; the kernel's timers make it later, by about 2 % here. The probe
// opens a listener with backlog 0 through raw syscalls and fills its one
// accept-queue entry with a connection it never accepts, so the kernel
// drops every further SYN. It then starts Options.Connects non-blocking
// connects, 13 ms apart so that their timers sample different phases of
// the timer wheel, and reads each connect's TCP_INFO every 2 ms: a rise of
// tcpi_total_retrans (or tcpi_retransmits) is a retransmission, seen at
// its offset from that connect's connect(2) call. A retransmission's
// figure is the median over the connects, and its spread the earliest and
// the latest.
//
// A quick probe stops once every connect has seen the retransmissions
// nominally due within QuickHorizon (3 s; the first 3 with
// tcp_syn_linear_timeouts=4). A full probe waits until every connect gives
// up (SO_ERROR ETIMEDOUT, about 134 s here) and measures the give-up too.
// Both end if ctx ends, and fail 30 s past their nominal end.
//
// # Past the measured retransmissions
//
// A retransmission a quick probe did not wait for is its nominal offset
// scaled by the relative median lateness of the last one measured
// (lateness grows with the delay: about 2 % here). Its spread runs
// from the nominal offset plus the least lateness of the last measured one
// to the nominal offset plus its greatest lateness and 12.5 % of the
// nominal time between the two: Linux's timer wheel rounds a timer up to
// its level's granularity, which is 1/8 of the smallest delay the level
// holds, so each retransmission timer fires at most 12.5 % of its delay
// late. The give-up of a quick probe is scaled the same way.
//
// # Accept delay and sleep overshoot
//
// 50 dials to a net.Listen listener whose goroutine waits in Accept: the
// accept delay is from the dial's return to Accept's, at least 0. 50 sleeps
// of 1 ms: the overshoot is how much longer each lasted. Both are
// [median, max].
//
// # The cache
//
// A calibration holds for a kernel release and the two sysctls (Key). Load
// reads the cache file of that key under Options.CacheDir
// (os.UserCacheDir()/conclab by default), or probes quickly and stores the
// result; a corrupt file or one of another key is warned about once and
// probed again; a probe that cannot run gives Nominal. Load never fails.
// Refresh probes fully and stores. Files are written atomically
// (internal/atomicfile), one JSON summary.KernelCalibration each.
//
// # Off Linux
//
// The SYN probe above reads Linux's TCP_INFO (syntcpinfo_linux.go).
// Elsewhere the release probe (release.go) measures the schedule with
// connect and accept alone. Each connect goes to a listener of its own
// (backlog 1: xnu takes 0 as somaxconn) whose accept queue is full, and
// one queued connection is accepted at a known instant after the
// connect's first SYN, so the connect gets in at the next retransmission.
// Two grids of such instants, 400 ms apart and offset by 200 ms, cover the
// time up to the OS's connect timeout; the connects freed after the last
// retransmission time out at the give-up. Each grid must see the same
// retransmissions; a retransmission's spread is over every connect that
// got in at it. There is no nominal schedule to carry a quick probe
// further, so it is always a full one (about 75 s on macOS), the cache
// key names the connect timeout instead of the sysctls, and a calibration
// must have measured every retransmission (docs/macos.md). Tests run it on
// Linux, quick against the nominal schedule and full against TCP_INFO.
//
// # Side effects
//
// The release probe holds, for a full probe on macOS, about 380 listeners
// and 1,100 connections at once, and its dropped SYNs count as listen
// queue overflows too.
//
// Each SYN the probe's listener drops counts in the network namespace's
// TcpExt ListenOverflows: Connects × (retransmissions waited for + 1), 32
// for a quick probe with the defaults here, 88 for a full one. Read that
// counter's baseline after calibrating, not before.
package calibrate
