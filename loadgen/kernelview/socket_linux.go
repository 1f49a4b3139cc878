//go:build linux

package kernelview

import (
	"fmt"
	"time"

	"github.com/conclab/conclab/internal/sockdiag"
)

// Probe reads the server side of one local TCP port through sock_diag
// netlink (internal/sockdiag). It is safe for concurrent use; Close
// releases its socket.
type Probe struct {
	port int
	d    *sockdiag.Dumper
}

// Open prepares a probe of the local TCP port (IPv4 and IPv6).
func Open(port int) (*Probe, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("kernelview: port %d out of range", port)
	}
	d, err := sockdiag.Open()
	if err != nil {
		return nil, fmt.Errorf("kernelview: %w", err)
	}
	return &Probe{port: port, d: d}, nil
}

// Close closes the netlink socket.
func (p *Probe) Close() error { return p.d.Close() }

// Read takes one sample of the port.
func (p *Probe) Read() (Port, error) {
	out := Port{At: time.Now(), Port: p.port}
	if err := p.d.Dump(sockdiag.IPv4|sockdiag.IPv6, p.port, sockdiag.AllButClose, func(s sockdiag.Socket) { add(&out, s) }); err != nil {
		return Port{}, fmt.Errorf("kernelview: %w", err)
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

// add counts one socket of the port.
func add(out *Port, s sockdiag.Socket) {
	switch s.State {
	case sockdiag.StateListen:
		out.Listeners = append(out.Listeners, Listener{
			Addr:        s.Local,
			AcceptQueue: int(s.RQueue),
			Backlog:     int(s.WQueue),
			UID:         s.UID,
			Inode:       s.Inode,
		})
	case sockdiag.StateEstablished:
		out.Established++
	case sockdiag.StateSynRecv:
		out.SynRecv++
	case sockdiag.StateCloseWait:
		out.CloseWait++
	case sockdiag.StateFinWait1, sockdiag.StateFinWait2, sockdiag.StateClosing, sockdiag.StateLastAck:
		out.Closing++
	case sockdiag.StateTimeWait:
		out.TimeWait++
	}
}
