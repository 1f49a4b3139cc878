//go:build !linux

package adminapi

// MinFDsAtStart is what every labserver opens before any connection:
// stdio (3), epoll (kqueue) and its wakeup descriptor, and both listeners.
// Config.FDsAtStart is this, plus what the runtime and the parent process
// add.
const MinFDsAtStart = 7
