//go:build !linux

package attack

import (
	"net"
	"time"
)

// retransmitTimeout is 0 where TCP_INFO has no tcpi_rto that the
// prediction could use: it models Linux's retransmissions.
func retransmitTimeout(net.Conn) time.Duration { return 0 }
