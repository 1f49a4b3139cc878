//go:build !linux

package lab

import (
	"fmt"
	"net"

	"github.com/conclab/conclab/internal/sysinfo"
)

// openSynQueueProbe has no reader on this OS: sock_diag is Linux's, and
// the metric is left out.
func openSynQueueProbe(*net.TCPListener) (synQueueProbe, error) {
	return nil, fmt.Errorf("syn queue: %w", sysinfo.ErrNotOnThisOS)
}
