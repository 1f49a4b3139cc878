//go:build linux

package sockdiag

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

// Dumper dumps sockets through one sock_diag netlink socket. It is safe
// for concurrent use; Close releases its socket.
type Dumper struct {
	mu  sync.Mutex
	fd  int
	seq uint32
	buf []byte
}

// Open opens the netlink socket.
func Open() (*Dumper, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sock_diag: netlink bind: %w", err)
	}
	// A receive timeout, so that a kernel that never answers cannot hang
	// a sampler.
	tv := unix.NsecToTimeval(int64(2 * time.Second))
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return &Dumper{fd: fd, buf: make([]byte, 64<<10)}, nil
}

// Close closes the netlink socket.
func (d *Dumper) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// Dump calls each with every TCP socket of the given families, IPv4 then
// IPv6, whose local port is port and whose state is in states. Each
// family's dump walks the kernel's whole table of connections, so a caller
// that knows its listener's family halves the cost. each runs while the
// Dumper is held, so it must not use the Dumper.
func (d *Dumper) Dump(families Families, port int, states States, each func(Socket)) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("sock_diag: port %d out of range", port)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return errors.New("sock_diag: dumper closed")
	}
	for _, f := range []struct {
		in     Families
		family uint8
	}{{IPv4, unix.AF_INET}, {IPv6, unix.AF_INET6}} {
		if families&f.in == 0 {
			continue
		}
		if err := d.dump(f.family, port, states, each); err != nil {
			return err
		}
	}
	return nil
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

// request builds SOCK_DIAG_BY_FAMILY for family, dumping the TCP sockets
// in states whose local port is port.
func request(family uint8, port int, states States, seq uint32) []byte {
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
	binary.NativeEndian.PutUint32(r[4:], uint32(states))
	// The socket id (r[8:56]) stays zero: a dump ignores it.
	a := r[sizeofReqV2:]
	binary.NativeEndian.PutUint16(a[0:], uint16(attrLen))
	binary.NativeEndian.PutUint16(a[2:], inetDiagReqBytecode)
	copy(a[sizeofRtAttr:], bc)
	return b
}

func (d *Dumper) dump(family uint8, port int, states States, each func(Socket)) error {
	d.seq++
	seq := d.seq
	if err := unix.Sendto(d.fd, request(family, port, states, seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("sock_diag: request: %w", err)
	}
	for {
		n, _, err := unix.Recvfrom(d.fd, d.buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("sock_diag: answer: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(d.buf[:n])
		if err != nil {
			return fmt.Errorf("sock_diag: answer: %w", err)
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
						return fmt.Errorf("sock_diag: %w", unix.Errno(-errno))
					}
				}
				return nil
			case unix.SOCK_DIAG_BY_FAMILY:
				s, err := decode(m.Data)
				if err != nil {
					return err
				}
				if int(s.Local.Port()) == port { // the filter already did this; a kernel without it would not
					each(s)
				}
			}
		}
	}
}

// decode reads one inet_diag_msg.
func decode(d []byte) (Socket, error) {
	if len(d) < sizeofDiagMsg {
		return Socket{}, fmt.Errorf("sock_diag: short inet_diag_msg (%d bytes)", len(d))
	}
	var addr netip.Addr
	if d[0] == unix.AF_INET {
		addr = netip.AddrFrom4([4]byte(d[8:12]))
	} else {
		addr = netip.AddrFrom16([16]byte(d[8:24]))
	}
	state := State(d[1])
	if state == StateNewSynRecv {
		state = StateSynRecv
	}
	return Socket{
		State:  state,
		Local:  netip.AddrPortFrom(addr, binary.BigEndian.Uint16(d[4:])),
		RQueue: binary.NativeEndian.Uint32(d[56:]),
		WQueue: binary.NativeEndian.Uint32(d[60:]),
		UID:    binary.NativeEndian.Uint32(d[64:]),
		Inode:  uint64(binary.NativeEndian.Uint32(d[68:])),
	}, nil
}
