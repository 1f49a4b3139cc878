package sysinfo

import (
	"errors"
	"fmt"
	"time"
)

// kernelView is what conclab sees of the kernel side on Linux: all of it.
const kernelView = "full: TCP_INFO of the listener, sock_diag, /proc"

// KernelViewFull reports whether every kernel-side figure can be read
// here.
const KernelViewFull = true

// SomaxconnName is the name of the cap on a listen backlog on this OS.
const SomaxconnName = "net.core.somaxconn"

func somaxconn() (int, error) { return Sysctl(SomaxconnName) }

func kernelRelease() string { return procRelease() }

func listenCounters() (ListenCounters, error) { return listenCountersAt(procRoot) }

func synSettings() (SynSettings, error) { return synSettingsAt(procRoot) }

// connectTimeout has no sysctl of its own on Linux: the SYN schedule of
// tcp_syn_retries and tcp_syn_linear_timeouts ends in it.
func connectTimeout() (time.Duration, error) {
	return 0, fmt.Errorf("connect timeout: follows from tcp_syn_retries on Linux: %w", errors.ErrUnsupported)
}
