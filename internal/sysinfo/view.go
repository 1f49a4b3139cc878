package sysinfo

import (
	"errors"
	"runtime"
	"time"
)

// ErrNotOnThisOS is wrapped by every read that this OS cannot answer.
var ErrNotOnThisOS = errors.New("not available on " + runtime.GOOS)

// KernelView says in one line what conclab can see of the kernel side of
// a server on this OS: "full: …" on Linux, "partial: …" on macOS,
// "unavailable: …" elsewhere (summary.json's environment.kernel_view).
func KernelView() string { return kernelView }

// ConnectTimeout is how long connect(2) keeps retransmitting a SYN before
// it gives up, where the OS sets it apart from a SYN schedule: macOS's
// net.inet.tcp.keepinit. On Linux it follows from ReadSynSettings, and is
// an error here.
func ConnectTimeout() (time.Duration, error) { return connectTimeout() }
