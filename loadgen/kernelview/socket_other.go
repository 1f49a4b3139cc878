//go:build !linux

package kernelview

import (
	"fmt"

	"github.com/conclab/conclab/internal/sysinfo"
)

// Probe would read a port through sock_diag netlink, which is Linux's
// alone; elsewhere Open says so.
type Probe struct{}

// Open fails: sock_diag exists on Linux alone.
func Open(port int) (*Probe, error) {
	return nil, fmt.Errorf("kernelview: the sockets of port %d: sock_diag: %w", port, sysinfo.ErrNotOnThisOS)
}

// Close does nothing.
func (p *Probe) Close() error { return nil }

// Read fails, as Open does.
func (p *Probe) Read() (Port, error) {
	return Port{}, fmt.Errorf("kernelview: sock_diag: %w", sysinfo.ErrNotOnThisOS)
}

// ReadPort fails, as Open does.
func ReadPort(port int) (Port, error) {
	_, err := Open(port)
	return Port{}, err
}
