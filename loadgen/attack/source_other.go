//go:build !linux

package attack

import "syscall"

// bindAddressNoPort does nothing where IP_BIND_ADDRESS_NO_PORT does not
// exist: bind(2) picks the port, as it always did there.
func bindAddressNoPort(_, _ string, _ syscall.RawConn) error { return nil }
