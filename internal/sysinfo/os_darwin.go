package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/internal/netstat"
)

// kernelView is what conclab sees of the kernel side on macOS: the listen
// queues and their overflows through netstat(1), whose parsing is tested
// on recorded output only (docs/macos.md).
const kernelView = "partial: accept queue and listen-queue overflows from netstat (unverified; the overflows need root); " +
	"no connection states, SYN retry settings or /proc figures on darwin"

// KernelViewFull reports whether every kernel-side figure can be read
// here.
const KernelViewFull = false

// netstatTimeout bounds one netstat(1) run. A server reads the counters
// inside each /metrics scrape, and loadgen waits 900 ms for a scrape: a
// slow netstat must cost the sample this figure, not every gauge.
const netstatTimeout = 500 * time.Millisecond

// statsHidden keeps the first ErrTCPStatsHidden: the answer stands for the
// run, and asking again would start two processes each scrape for it.
var statsHidden atomic.Pointer[error]

// SomaxconnName is the name of the cap on a listen backlog on this OS.
const SomaxconnName = "kern.ipc.somaxconn"

func somaxconn() (int, error) {
	n, err := unix.SysctlUint32(SomaxconnName)
	if err != nil {
		return 0, fmt.Errorf("sysctl %s: %w", SomaxconnName, err)
	}
	return int(n), nil
}

func kernelRelease() string {
	r, err := unix.Sysctl("kern.osrelease")
	if err != nil || r == "" {
		return "darwin"
	}
	return "Darwin " + r
}

// listenCounters reads tcps_listendrop, the one counter of SYNs dropped at
// a full listen queue that macOS keeps; it stands for both figures.
func listenCounters() (ListenCounters, error) {
	if hidden := statsHidden.Load(); hidden != nil {
		return ListenCounters{}, *hidden
	}
	ctx, cancel := context.WithTimeout(context.Background(), netstatTimeout)
	defer cancel()
	n, err := netstat.ReadListenOverflows(ctx)
	if errors.Is(err, netstat.ErrTCPStatsHidden) {
		statsHidden.Store(&err)
	}
	if err != nil {
		return ListenCounters{}, err
	}
	return ListenCounters{Overflows: n, Drops: n}, nil
}

func synSettings() (SynSettings, error) {
	return SynSettings{}, fmt.Errorf("tcp_syn_retries: %w", ErrNotOnThisOS)
}

// connectTimeout is net.inet.tcp.keepinit, in ms: how long connect(2)
// keeps retransmitting a SYN before it gives up.
func connectTimeout() (time.Duration, error) {
	ms, err := unix.SysctlUint32("net.inet.tcp.keepinit")
	if err != nil {
		return 0, fmt.Errorf("sysctl net.inet.tcp.keepinit: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
