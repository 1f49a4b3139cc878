//go:build !linux && !darwin

package lab

import (
	"fmt"
	"net"

	"github.com/conclab/conclab/internal/sysinfo"
)

// ProbeAcceptQueue has no reader on this OS: the accept queue is shown as
// "-", never as 0.
func ProbeAcceptQueue(ln *net.TCPListener) (AcceptQueue, error) {
	return AcceptQueue{}, fmt.Errorf("accept queue: %w", sysinfo.ErrNotOnThisOS)
}
