package sysinfo

import (
	"errors"
	"runtime"
)

// ErrNotOnThisOS is wrapped by every read that this OS cannot answer.
var ErrNotOnThisOS = errors.New("not available on " + runtime.GOOS)

// KernelView says in one line what conclab can see of the kernel side of
// a server on this OS: "full: …" on Linux, "partial: …" on macOS,
// "unavailable: …" elsewhere (summary.json's environment.kernel_view).
func KernelView() string { return kernelView }
