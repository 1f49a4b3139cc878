//go:build !linux

package adminapi

// MinFDsAtStart is what a labserver opens before any connection where
// sock_diag is not: on Linux's count (fds_linux.go) less the sock_diag
// socket. It is not measured off Linux, where the fd ceiling is not
// predicted (docs/macos.md); the poller there may hold one descriptor
// fewer. Config.FDsAtStart is this, plus what the runtime and the parent
// process add.
const MinFDsAtStart = 7
