package netstat

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// overflowLine is tcp_stats' "\t%u listen queue overflow%s\n". The
// plural "s" depends on the netstat release, not only on the count: since
// network_cmds-480 plural() adds it only above 1, so a current Mac prints
// "0 listen queue overflow", while older ones print "0 ... overflows".
var overflowLine = regexp.MustCompile(`^(\d+) listen queue overflows?$`)

// overflowWords finds the line even when it is malformed, so that a
// change of format is an error that shows the line rather than "missing".
const overflowWords = "listen queue overflow"

// ParseListenOverflows reads the count of "listen queue overflows" from
// the output of `netstat -s -p tcp` (tcpstat.tcps_listendrop: SYNs that
// found a listen queue full). It is an error if the line is missing,
// malformed or there twice.
func ParseListenOverflows(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	var count uint64
	at := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.Contains(line, overflowWords) {
			continue
		}
		if at != 0 {
			return 0, fmt.Errorf("two %q lines, %d and %d", overflowWords, at, n)
		}
		v, err := parseOverflowLine(line)
		if err != nil {
			return 0, fmt.Errorf("line %d %q: %w", n, line, err)
		}
		count, at = v, n
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read tcp statistics: %w", err)
	}
	if at == 0 {
		return 0, errors.New(`no "listen queue overflow" line in the tcp statistics`)
	}
	return count, nil
}

func parseOverflowLine(line string) (uint64, error) {
	m := overflowLine.FindStringSubmatch(line)
	if m == nil {
		return 0, errors.New(`want "N listen queue overflow" or "N listen queue overflows"`)
	}
	v, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return v, nil
}
