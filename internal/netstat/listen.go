package netstat

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ListenQueue is one listening socket's row of `netstat -L`.
type ListenQueue struct {
	// Addr is the local address and port. netstat prints "*" for both
	// INADDR_ANY and in6addr_any, and a dual-stack (tcp46) socket as
	// "*" too, so the family of a wildcard listener is unknown: "*" is
	// stored as [::] (netip.IPv6Unspecified) whatever the family.
	Addr netip.AddrPort
	// QLen is qlen, the man page's "unaccepted connections". On macOS
	// (xnu's so_qlen) it counts the incomplete connections of IncQLen
	// too; Completed leaves them out.
	QLen int
	// IncQLen is incqlen, "unaccepted incomplete connections": SYNs
	// received whose handshake has not completed.
	IncQLen int
	// MaxQLen is maxqlen, the queue limit: the backlog given to
	// listen(2), capped at kern.ipc.somaxconn.
	MaxQLen int
}

// Completed is the number of connections whose handshake is done and
// that wait for accept(2): the accept queue proper. xnu counts a
// connection in so_qlen from its SYN on and in so_incqlen until its
// handshake completes (bsd/kern/uipc_socket2.c, with the default
// kern.ipc.soqlencomp=0), so this is QLen less IncQLen. FreeBSD counts the two apart, so for its rows QLen alone is
// the accept queue.
func (q ListenQueue) Completed() int { return q.QLen - q.IncQLen }

// ParseListenQueues reads the output of macOS `netstat -Lanl -p tcp` (or
// `-Lan`): one ListenQueue a row, in netstat's order. The header lines
// and the "Some tcp sockets may have been ..." notice netstat prints when
// the table changed while it read it are skipped. A row may carry
// columns before the queue sizes (FreeBSD's Proto, the Socket and
// Flowhash of -A); they are ignored. netstat prints nothing, not even a
// header, when nothing listens, so empty input is no queues and no
// error.
func ParseListenQueues(r io.Reader) ([]ListenQueue, error) {
	sc := bufio.NewScanner(r)
	var qs []ListenQueue
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if isListenHeader(line) {
			continue
		}
		q, err := parseListenRow(line)
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n, strings.TrimSpace(line), err)
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read listen queues: %w", err)
	}
	return qs, nil
}

// isListenHeader reports the lines of netstat -L that are not rows: the
// title, the column header (whichever columns precede "Listen") and the
// notice of sockets created or deleted during the read.
func isListenHeader(line string) bool {
	t := strings.TrimSpace(line)
	switch {
	case t == "":
		return true
	case strings.HasPrefix(t, "Current listen queue sizes"):
		return true
	case strings.Contains(t, "Local Address") && slices.Contains(strings.Fields(t), "Listen"):
		return true
	}
	return strings.HasPrefix(t, "Some ") && strings.Contains(t, " sockets may have been ")
}

// parseListenRow reads "[columns] qlen/incqlen/maxqlen address". At most
// two leading columns are allowed, the most netstat prints (-A's Socket
// and Flowhash), so that a line of some other table is not read as a row.
func parseListenRow(line string) (ListenQueue, error) {
	f := strings.Fields(line)
	if len(f) < 2 || len(f) > 4 {
		return ListenQueue{}, fmt.Errorf("%d columns, want qlen/incqlen/maxqlen and the local address last", len(f))
	}
	q, err := parseQueueSizes(f[len(f)-2])
	if err != nil {
		return ListenQueue{}, err
	}
	q.Addr, err = parseAddrPort(f[len(f)-1])
	return q, err
}

// parseQueueSizes reads inet.c's "%d/%d/%d" of so_qlen, so_incqlen and
// so_qlimit.
func parseQueueSizes(s string) (ListenQueue, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return ListenQueue{}, fmt.Errorf("queue sizes %q are not qlen/incqlen/maxqlen", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return ListenQueue{}, fmt.Errorf("queue sizes %q: %q is not a count", s, p)
		}
		n[i] = v
	}
	return ListenQueue{QLen: n[0], IncQLen: n[1], MaxQLen: n[2]}, nil
}

// parseAddrPort reads netstat's "host.port": the port follows the last
// dot, which also works for IPv6 (colons) and IPv4 (dots in the host).
// "*" as host is any address and as port is port 0 (an unbound socket).
func parseAddrPort(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return netip.AddrPort{}, fmt.Errorf("address %q is not host.port", s)
	}
	port, err := parsePort(s[i+1:])
	if err != nil {
		return netip.AddrPort{}, err
	}
	host, err := parseHost(s[:i])
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(host, port), nil
}

func parsePort(s string) (uint16, error) {
	if s == "*" {
		return 0, nil
	}
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q is not a number (netstat without -n prints service names)", s)
	}
	return uint16(p), nil
}

// parseHost reads a numeric address. Without -l netstat cuts an IPv6
// host to 16 characters, which usually no longer parses and then fails
// here rather than yielding a wrong address.
func parseHost(s string) (netip.Addr, error) {
	if s == "*" {
		return netip.IPv6Unspecified(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("host %q is not a numeric address (netstat without -n prints names, without -l cuts IPv6)", s)
	}
	return a, nil
}

// ForPort sums the queues of every listener on port, as the kernel keeps
// one queue per socket and a port may have several: SO_REUSEPORT
// listeners, or separate IPv4 and IPv6 sockets. The sum's Addr is the
// listeners' address if they share one, and [::]:port otherwise. It
// reports false if nothing listens on port.
func ForPort(qs []ListenQueue, port int) (ListenQueue, bool) {
	if port < 1 || port > 65535 {
		return ListenQueue{}, false
	}
	var sum ListenQueue
	found := false
	for _, q := range qs {
		if int(q.Addr.Port()) != port {
			continue
		}
		sum.Addr = mergeAddr(sum.Addr, q.Addr, found)
		sum.QLen += q.QLen
		sum.IncQLen += q.IncQLen
		sum.MaxQLen += q.MaxQLen
		found = true
	}
	return sum, found
}

func mergeAddr(sum, next netip.AddrPort, seen bool) netip.AddrPort {
	if !seen || sum == next {
		return next
	}
	return netip.AddrPortFrom(netip.IPv6Unspecified(), next.Port())
}
