package sysinfo

import (
	"context"
	"fmt"
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

// netstatTimeout bounds one netstat(1) run.
const netstatTimeout = 5 * time.Second

func somaxconn() (int, error) {
	n, err := unix.SysctlUint32("kern.ipc.somaxconn")
	if err != nil {
		return 0, fmt.Errorf("sysctl kern.ipc.somaxconn: %w", err)
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
	ctx, cancel := context.WithTimeout(context.Background(), netstatTimeout)
	defer cancel()
	n, err := netstat.ReadListenOverflows(ctx)
	if err != nil {
		return ListenCounters{}, err
	}
	return ListenCounters{Overflows: n, Drops: n}, nil
}

func synSettings() (SynSettings, error) {
	return SynSettings{}, fmt.Errorf("tcp_syn_retries: %w", ErrNotOnThisOS)
}
