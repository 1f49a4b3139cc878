//go:build !linux

package calibrate

import (
	"fmt"
	"net"

	"github.com/conclab/conclab/internal/sysinfo"
)

// errNoSynProbe is why the SYN probe cannot run here: it reads each
// connect's retransmissions from Linux's TCP_INFO, and no other OS's
// counters for them have been checked against a capture.
var errNoSynProbe = fmt.Errorf("the SYN probe reads Linux's TCP_INFO: %w", sysinfo.ErrNotOnThisOS)

func fullListener() (fd, port int, filler net.Conn, err error) {
	return -1, 0, nil, errNoSynProbe
}

func startConnect(port int) (*connect, error) { return nil, errNoSynProbe }

func (c *connect) poll() error { return errNoSynProbe }
