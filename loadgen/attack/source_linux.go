package attack

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindAddressNoPort sets IP_BIND_ADDRESS_NO_PORT before the dialer binds its
// source address. Without it, bind(2) would pick the port and require it to
// be free of every other socket on that address, TIME_WAIT ones included;
// with it, connect(2) picks the port, and only the four-tuple must be unique.
func bindAddressNoPort(_, _ string, raw syscall.RawConn) error {
	var opErr error
	err := raw.Control(func(fd uintptr) {
		opErr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return opErr
}
