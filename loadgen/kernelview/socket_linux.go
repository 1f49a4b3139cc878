//go:build linux

package kernelview

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// TCP states as the kernel numbers them (include/net/tcp_states.h).
const (
	stateEstablished = unix.BPF_TCP_ESTABLISHED
	stateSynRecv     = unix.BPF_TCP_SYN_RECV
	stateFinWait1    = unix.BPF_TCP_FIN_WAIT1
	stateFinWait2    = unix.BPF_TCP_FIN_WAIT2
	stateTimeWait    = unix.BPF_TCP_TIME_WAIT
	stateClose       = unix.BPF_TCP_CLOSE
	stateCloseWait   = unix.BPF_TCP_CLOSE_WAIT
	stateLastAck     = unix.BPF_TCP_LAST_ACK
	stateListen      = unix.BPF_TCP_LISTEN
	stateClosing     = unix.BPF_TCP_CLOSING
	stateNewSynRecv  = unix.BPF_TCP_NEW_SYN_RECV
)

// Probe reads the server side of one local TCP port through sock_diag
// netlink. It is safe for concurrent use; Close releases its socket.
type Probe struct {
	port int
	req  []byte

	mu  sync.Mutex
	fd  int
	seq uint32
	buf []byte
}

// Open prepares a probe of the local TCP port (IPv4 and IPv6).
func Open(port int) (*Probe, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("kernelview: port %d out of range", port)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("kernelview: netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("kernelview: netlink bind: %w", err)
	}
	// A receive timeout, so that a kernel that never answers cannot hang
	// the sampler.
	tv := unix.NsecToTimeval(int64(2 * time.Second))
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return &Probe{port: port, fd: fd, buf: make([]byte, 64<<10)}, nil
}

// Close closes the netlink socket.
func (p *Probe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		return nil
	}
	err := unix.Close(p.fd)
	p.fd = -1
	return err
}

// Read takes one sample of the port.
func (p *Probe) Read() (Port, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fd < 0 {
		return Port{}, errors.New("kernelview: probe closed")
	}
	out := Port{At: time.Now(), Port: p.port}
	for _, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		if err := p.dump(family, &out); err != nil {
			return Port{}, err
		}
	}
	for _, l := range out.Listeners {
		out.AcceptQueue += l.AcceptQueue
		out.Backlog += l.Backlog
	}
	return out, nil
}

// ReadPort takes one sample of a port with a probe of its own.
func ReadPort(port int) (Port, error) {
	p, err := Open(port)
	if err != nil {
		return Port{}, err
	}
	defer p.Close()
	return p.Read()
}

// Sizes of the kernel's structures (include/uapi/linux/inet_diag.h).
const (
	sizeofReqV2   = 56 // struct inet_diag_req_v2
	sizeofDiagMsg = 72 // struct inet_diag_msg
	sizeofRtAttr  = 4
	// inetDiagReqBytecode is INET_DIAG_REQ_BYTECODE, the request attribute
	// that carries a filter program.
	inetDiagReqBytecode = 1
	// Filter operations.
	bcSGE = 2 // INET_DIAG_BC_S_GE: local port >= the operand
	bcSLE = 3 // INET_DIAG_BC_S_LE: local port <= the operand
)

// stateMask asks for every state but CLOSE. TIME_WAIT is cheap with the
// port filter, and tells how many connections the server closed first.
const stateMask = 1<<stateEstablished | 1<<stateSynRecv | 1<<stateFinWait1 | 1<<stateFinWait2 |
	1<<stateTimeWait | 1<<stateCloseWait | 1<<stateLastAck | 1<<stateListen | 1<<stateClosing |
	1<<stateNewSynRecv

// request builds SOCK_DIAG_BY_FAMILY for family, dumping the TCP sockets
// whose local port is port.
func request(family uint8, port int, seq uint32) []byte {
	// The filter: "sport >= P" then "sport <= P". Each test is two 4-byte
	// ops, {code, yes, no} then {0, 0, P}; a test that passes moves on by
	// yes (8 bytes), one that fails jumps by no past the end (len + 4),
	// which rejects the socket. Reaching the end exactly accepts it.
	bc := make([]byte, 16)
	put := func(off int, code uint8, yes, no uint16) {
		bc[off] = code
		bc[off+1] = uint8(yes)
		binary.NativeEndian.PutUint16(bc[off+2:], no)
	}
	put(0, bcSGE, 8, 16+4)
	binary.NativeEndian.PutUint16(bc[6:], uint16(port))
	put(8, bcSLE, 8, 8+4)
	binary.NativeEndian.PutUint16(bc[14:], uint16(port))

	attrLen := sizeofRtAttr + len(bc)
	total := unix.SizeofNlMsghdr + sizeofReqV2 + attrLen
	b := make([]byte, total)
	binary.NativeEndian.PutUint32(b[0:], uint32(total))
	binary.NativeEndian.PutUint16(b[4:], unix.SOCK_DIAG_BY_FAMILY)
	binary.NativeEndian.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(b[8:], seq)
	r := b[unix.SizeofNlMsghdr:]
	r[0] = family
	r[1] = unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(r[4:], stateMask)
	// The socket id (r[8:56]) stays zero: a dump ignores it.
	a := r[sizeofReqV2:]
	binary.NativeEndian.PutUint16(a[0:], uint16(attrLen))
	binary.NativeEndian.PutUint16(a[2:], inetDiagReqBytecode)
	copy(a[sizeofRtAttr:], bc)
	return b
}

func (p *Probe) dump(family uint8, out *Port) error {
	p.seq++
	seq := p.seq
	if err := unix.Sendto(p.fd, request(family, p.port, seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("kernelview: sock_diag request: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(p.fd, p.buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("kernelview: sock_diag answer: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(p.buf[:n])
		if err != nil {
			return fmt.Errorf("kernelview: sock_diag answer: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue // an answer to an earlier, abandoned request
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
						return fmt.Errorf("kernelview: sock_diag: %w", unix.Errno(-errno))
					}
				}
				return nil
			case unix.SOCK_DIAG_BY_FAMILY:
				if err := add(out, m.Data, p.port); err != nil {
					return err
				}
			}
		}
	}
}

// add counts one inet_diag_msg.
func add(out *Port, d []byte, port int) error {
	if len(d) < sizeofDiagMsg {
		return fmt.Errorf("kernelview: short inet_diag_msg (%d bytes)", len(d))
	}
	family, state := d[0], d[1]
	sport := int(binary.BigEndian.Uint16(d[4:]))
	if sport != port { // the filter already did this; a kernel without it would not
		return nil
	}
	switch state {
	case stateListen:
		var addr netip.Addr
		if family == unix.AF_INET {
			addr = netip.AddrFrom4([4]byte(d[8:12]))
		} else {
			addr = netip.AddrFrom16([16]byte(d[8:24]))
		}
		out.Listeners = append(out.Listeners, Listener{
			Addr:        netip.AddrPortFrom(addr, uint16(sport)),
			AcceptQueue: int(binary.NativeEndian.Uint32(d[56:])),
			Backlog:     int(binary.NativeEndian.Uint32(d[60:])),
			UID:         binary.NativeEndian.Uint32(d[64:]),
			Inode:       uint64(binary.NativeEndian.Uint32(d[68:])),
		})
	case stateEstablished:
		out.Established++
	case stateSynRecv, stateNewSynRecv:
		out.SynRecv++
	case stateCloseWait:
		out.CloseWait++
	case stateFinWait1, stateFinWait2, stateClosing, stateLastAck:
		out.Closing++
	case stateTimeWait:
		out.TimeWait++
	}
	return nil
}
