//go:build !linux

package lab

// fdDir lists this process's open descriptors: macOS's fdesc file system,
// mounted on /dev/fd, shows the calling process's (unverified here: no
// Mac was at hand; docs/macos.md).
const fdDir = "/dev/fd"
