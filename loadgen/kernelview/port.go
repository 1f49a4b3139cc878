package kernelview

import (
	"net/netip"
	"time"
)

// Listener is one LISTEN socket on the port.
type Listener struct {
	Addr        netip.AddrPort
	AcceptQueue int    // idiag_rqueue: connections done with the handshake, not yet accepted
	Backlog     int    // idiag_wqueue: the backlog in force; the queue holds Backlog+1
	Inode       uint64 // the socket's inode, to find the processes that hold it
	UID         uint32
}

// Port is one sample of the server side of a local TCP port.
type Port struct {
	At        time.Time
	Port      int
	Listeners []Listener
	// AcceptQueue and Backlog are summed over Listeners (one accept queue
	// per LISTEN socket; SO_REUSEPORT servers have several).
	AcceptQueue int
	Backlog     int
	// Connections by state, server side (local port = Port).
	Established int // includes the connections still in the accept queue
	SynRecv     int // handshakes in progress
	CloseWait   int // the client closed; the server has not yet
	Closing     int // FIN_WAIT1/2, CLOSING, LAST_ACK: the server closed
	TimeWait    int
}

// Accepted is the number of connections the server has accepted and not
// yet closed: Established + CloseWait − AcceptQueue, never below 0.
func (p Port) Accepted() int {
	return max(0, p.Established+p.CloseWait-p.AcceptQueue)
}

// Listening reports whether any socket listens on the port.
func (p Port) Listening() bool { return len(p.Listeners) > 0 }

// Inodes are the listening sockets' inodes.
func (p Port) Inodes() []uint64 {
	out := make([]uint64, 0, len(p.Listeners))
	for _, l := range p.Listeners {
		out = append(out, l.Inode)
	}
	return out
}
