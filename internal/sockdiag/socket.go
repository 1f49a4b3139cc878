package sockdiag

import "net/netip"

// State is a TCP state as the kernel numbers them (include/net/tcp_states.h).
type State uint8

// The states a Socket can be in.
const (
	StateEstablished State = 1
	StateSynSent     State = 2
	StateSynRecv     State = 3
	StateFinWait1    State = 4
	StateFinWait2    State = 5
	StateTimeWait    State = 6
	StateClose       State = 7
	StateCloseWait   State = 8
	StateLastAck     State = 9
	StateListen      State = 10
	StateClosing     State = 11
	StateNewSynRecv  State = 12 // a request socket; Dump reports it as StateSynRecv
)

// States is a set of States, the kernel's idiag_states mask.
type States uint32

// Of is the set of the given states. StateSynRecv brings
// StateNewSynRecv with it: the kernel keeps request sockets in the latter.
func Of(states ...State) States {
	var s States
	for _, st := range states {
		s |= 1 << st
		if st == StateSynRecv {
			s |= 1 << StateNewSynRecv
		}
	}
	return s
}

// AllButClose is every state but CLOSE. TIME_WAIT is cheap with the port
// filter, and tells how many connections the server closed first.
var AllButClose = Of(StateEstablished, StateSynRecv, StateFinWait1, StateFinWait2, StateTimeWait,
	StateCloseWait, StateLastAck, StateListen, StateClosing)

// Families is a set of address families to dump.
type Families uint8

// The families.
const (
	IPv4 Families = 1 << iota
	IPv6
)

// Socket is one inet_diag_msg: a TCP socket on the port.
type Socket struct {
	State State // StateSynRecv for a request socket
	Local netip.AddrPort
	// RQueue and WQueue are idiag_rqueue and idiag_wqueue. For a listening
	// socket they are its accept queue's length and the backlog in force.
	RQueue, WQueue uint32
	UID            uint32
	Inode          uint64
}
