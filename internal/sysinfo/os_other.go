//go:build !linux && !darwin

package sysinfo

import (
	"fmt"
	"runtime"
	"time"
)

// kernelView is what conclab sees of the kernel side on a system it has
// no reader for: nothing.
const kernelView = "unavailable: kernel-side figures need Linux (or netstat on macOS); " +
	"this is " + runtime.GOOS

// KernelViewFull reports whether every kernel-side figure can be read
// here.
const KernelViewFull = false

// SomaxconnName is the name of the cap on a listen backlog on this OS.
const SomaxconnName = "somaxconn"

func somaxconn() (int, error) {
	return 0, fmt.Errorf("somaxconn: %w", ErrNotOnThisOS)
}

func kernelRelease() string { return runtime.GOOS }

func listenCounters() (ListenCounters, error) {
	return ListenCounters{}, fmt.Errorf("listen counters: %w", ErrNotOnThisOS)
}

func synSettings() (SynSettings, error) {
	return SynSettings{}, fmt.Errorf("tcp_syn_retries: %w", ErrNotOnThisOS)
}

func connectTimeout() (time.Duration, error) {
	return 0, fmt.Errorf("connect timeout: %w", ErrNotOnThisOS)
}
