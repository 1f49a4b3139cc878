//go:build !linux

package sockdiag

import (
	"fmt"

	"github.com/conclab/conclab/internal/sysinfo"
)

// Dumper would read sockets through sock_diag netlink, which is Linux's
// alone; elsewhere Open says so.
type Dumper struct{}

// Open fails: sock_diag exists on Linux alone.
func Open() (*Dumper, error) {
	return nil, fmt.Errorf("sock_diag: %w", sysinfo.ErrNotOnThisOS)
}

// Close does nothing.
func (d *Dumper) Close() error { return nil }

// Dump fails, as Open does.
func (d *Dumper) Dump(families Families, port int, states States, each func(Socket)) error {
	return fmt.Errorf("sock_diag: %w", sysinfo.ErrNotOnThisOS)
}
