package lab

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ListenCounters are the TcpExt counters of the network namespace that
// count SYNs dropped at a full accept queue. They cover every socket of the
// namespace, which in a container is the server alone.
type ListenCounters struct {
	Overflows uint64 // TcpExt ListenOverflows
	Drops     uint64 // TcpExt ListenDrops
}

// ReadListenCounters reads /proc/net/netstat.
func ReadListenCounters() (ListenCounters, error) {
	f, err := os.Open("/proc/net/netstat")
	if err != nil {
		return ListenCounters{}, err
	}
	defer f.Close()
	return parseNetstat(f)
}

// parseNetstat reads the "TcpExt:" header line and the value line after it.
func parseNetstat(r io.Reader) (ListenCounters, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var header []string
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "TcpExt:" {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		var c ListenCounters
		found := 0
		for i := 1; i < len(fields) && i < len(header); i++ {
			var dst *uint64
			switch header[i] {
			case "ListenOverflows":
				dst = &c.Overflows
			case "ListenDrops":
				dst = &c.Drops
			default:
				continue
			}
			v, err := strconv.ParseUint(fields[i], 10, 64)
			if err != nil {
				return c, fmt.Errorf("netstat: TcpExt %s: %v", header[i], err)
			}
			*dst = v
			found++
		}
		if found != 2 {
			return c, fmt.Errorf("netstat: TcpExt has no ListenOverflows/ListenDrops")
		}
		return c, nil
	}
	if err := sc.Err(); err != nil {
		return ListenCounters{}, err
	}
	return ListenCounters{}, fmt.Errorf("netstat: no TcpExt lines")
}
