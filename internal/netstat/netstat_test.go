package netstat

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestListenQueuesAreReadFromRecordedAndBuiltOutput(t *testing.T) {
	tests := []struct {
		file string
		want []ListenQueue
	}{
		{"listen-macos-AaLlnW.txt", []ListenQueue{
			{ap("[::]:8080"), 0, 0, 128},
			{ap("127.0.0.1:4301"), 0, 0, 10},
			{ap("127.0.0.1:4310"), 0, 0, 128},
			{ap("127.0.0.1:49578"), 0, 0, 128},
			{ap("[::]:49152"), 0, 0, 128},
			{ap("[::]:49152"), 0, 0, 128},
			{ap("[::]:22"), 0, 0, 128},
			{ap("[::]:22"), 0, 0, 128},
		}},
		{"listen-macos-Lanl-constructed.txt", []ListenQueue{
			{ap("[::]:8080"), 3, 1, 128},
			{ap("127.0.0.1:5000"), 0, 0, 128},
			{ap("[::1]:8080"), 4, 0, 4},
			{ap("[fe80::1%lo0]:631"), 0, 0, 5},
			{ap("[2001:db8::1234:5678]:8443"), 12, 2, 16},
			{ap("192.168.1.20:22"), 0, 0, 128},
		}},
		{"listen-freebsd-proto-column.txt", []ListenQueue{
			{ap("[::]:80"), 1863, 0, 32768},
			{ap("[::]:31025"), 0, 0, 128},
			{ap("[::]:31025"), 0, 0, 128},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseListenQueues(strings.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestListenOutputWithNothingListeningIsNoQueues(t *testing.T) {
	// netstat prints its header only above the first row.
	got, err := ParseListenQueues(strings.NewReader(""))
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want no queues and no error", got, err)
	}
}

func TestListenRowsTakeEveryAddressFormNetstatPrints(t *testing.T) {
	tests := []struct {
		name, row string
		want      netip.AddrPort
	}{
		{"a wildcard host is [::]", "0/0/128 *.8080", ap("[::]:8080")},
		{"an unbound socket is port 0", "0/0/1 *.*", ap("[::]:0")},
		{"IPv4 keeps its dots before the port", "0/0/128 10.0.0.7.443", ap("10.0.0.7:443")},
		{"IPv6 takes the port after the last dot", "0/0/128 2001:db8::1.80", ap("[2001:db8::1]:80")},
		{"a link-local zone is kept", "0/0/128 fe80::1%en0.8083", ap("[fe80::1%en0]:8083")},
		{"an IPv4-mapped host keeps its dots", "0/0/128 ::ffff:10.0.0.7.443", ap("[::ffff:10.0.0.7]:443")},
		{"a Proto column is ignored", "tcp4  0/0/128 *.22", ap("[::]:22")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseListenQueues(strings.NewReader(tt.row))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Addr != tt.want {
				t.Errorf("got %v, want one row on %v", got, tt.want)
			}
		})
	}
}

func TestMalformedListenLinesAreAnErrorNamingTheLineAndItsText(t *testing.T) {
	header := "Current listen queue sizes (qlen/incqlen/maxqlen)\nListen         Local Address\n"
	tests := []struct {
		name, input, want string
	}{
		{"two counts", header + "0/128        *.80\n", `line 3 "0/128        *.80": queue sizes`},
		{"a count that is not a number", header + "0/x/128 *.80\n", `line 3 "0/x/128 *.80"`},
		{"a negative count", "0/-1/128 *.80\n", `line 1 "0/-1/128 *.80"`},
		{"a service name", header + "0/0/128 *.ssh\n", `line 3 "0/0/128 *.ssh": port "ssh"`},
		{"a host name", "0/0/128 localhost.631\n", `host "localhost"`},
		{"an IPv6 host cut short", "0/0/128 fe80::aede:48ff:.8080\n", `host "fe80::aede:48ff:"`},
		{"no port", "0/0/128 localhost\n", `address "localhost" is not host.port`},
		{"a port too large", "0/0/128 *.70000\n", `port "70000"`},
		{"a lone word", header + "garbage\n", `line 3 "garbage": 1 columns`},
		{"too many columns (netstat -v)", "0/0/128 *.80 1 2 3\n", `line 1 "0/0/128 *.80 1 2 3": 5 columns`},
		{"a row of another table", "tcp4 0 0 127.0.0.1.80 *.* LISTEN\n", "6 columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseListenQueues(strings.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestCompletedLeavesOutTheIncompleteConnectionsQLenCounts(t *testing.T) {
	q := ListenQueue{QLen: 12, IncQLen: 2, MaxQLen: 16}
	if got := q.Completed(); got != 10 {
		t.Errorf("Completed() = %d, want 10", got)
	}
}

func TestForPortSumsEveryListenerOnThePort(t *testing.T) {
	qs := []ListenQueue{
		{ap("[::]:8080"), 3, 1, 128},
		{ap("[::]:8080"), 2, 0, 128},
		{ap("[::1]:8080"), 4, 0, 4},
		{ap("127.0.0.1:5000"), 7, 1, 10},
		{ap("[::]:9000"), 1, 0, 128},
		{ap("[::]:9000"), 1, 1, 128},
	}
	tests := []struct {
		name string
		port int
		want ListenQueue
		ok   bool
	}{
		{"listeners on several addresses sum under [::]", 8080, ListenQueue{ap("[::]:8080"), 9, 1, 260}, true},
		{"one listener is itself", 5000, ListenQueue{ap("127.0.0.1:5000"), 7, 1, 10}, true},
		{"SO_REUSEPORT listeners on one address keep it", 9000, ListenQueue{ap("[::]:9000"), 2, 1, 256}, true},
		{"a port nothing listens on is not found", 9999, ListenQueue{}, false},
		{"port 0 is never a listener's", 0, ListenQueue{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ForPort(qs, tt.port)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ForPort(%d) = %v, %v; want %v, %v", tt.port, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestListenOverflowsAreReadFromRecordedAndBuiltOutput(t *testing.T) {
	tests := []struct {
		file string
		want uint64
	}{
		{"tcpstats-osx-2015.txt", 0},
		{"tcpstats-macos-constructed.txt", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseListenOverflows(strings.NewReader(readTestdata(t, tt.file)))
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestListenOverflowLineIsReadInSingularAndPlural(t *testing.T) {
	tests := []struct {
		name, line string
		want       uint64
	}{
		{"one, singular everywhere", "\t1 listen queue overflow\n", 1},
		{"zero, singular since network_cmds-480", "\t0 listen queue overflow\n", 0},
		{"zero, plural before it", "\t0 listen queue overflows\n", 0},
		{"many, plural", "\t4294967295 listen queue overflows\n", 4294967295},
		{"a line without its final newline", "tcp:\n\t37 listen queue overflows", 37},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseListenOverflows(strings.NewReader(tt.line))
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestBadOverflowOutputIsAnErrorThatSaysWhy(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"no overflow line", "tcp:\n\t24010 connection accepts\n\t0 bad connection attempt\n",
			`no "listen queue overflow" line`},
		{"the statistics of another protocol", "udp:\n\t2708447 datagrams received\n",
			`no "listen queue overflow" line`},
		{"a count that is not a number", "tcp:\n\tmany listen queue overflows\n",
			`line 2 "many listen queue overflows": want "N listen queue overflow"`},
		{"a count past 64 bits", "\t18446744073709551616 listen queue overflows\n", `line 1 "18446744073709551616 listen`},
		{"the line twice", "\t1 listen queue overflow\n\t2 listen queue overflows\n", "two \"listen queue overflow\" lines, 1 and 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseListenOverflows(strings.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// fakeSystem answers each command line from outputs and records the
// lines it was asked to run.
type fakeSystem struct {
	outputs map[string]string
	uid     int
	ran     []string
}

func (f *fakeSystem) reader() reader {
	return reader{run: f.run, euid: func() int { return f.uid }}
}

func (f *fakeSystem) run(_ context.Context, name string, args ...string) ([]byte, error) {
	line := commandLine(name, args)
	f.ran = append(f.ran, line)
	out, ok := f.outputs[line]
	if !ok {
		return nil, errors.New(line + ": exit status 1: no such command here")
	}
	return []byte(out), nil
}

func TestListenQueuesAreReadFromNetstatLAnlPTcp(t *testing.T) {
	f := &fakeSystem{outputs: map[string]string{
		"netstat -L -a -n -l -p tcp": readTestdata(t, "listen-macos-Lanl-constructed.txt"),
	}}
	qs, err := f.reader().listenQueues(context.Background())
	if err != nil || len(qs) != 6 {
		t.Fatalf("got %d queues, %v; want 6", len(qs), err)
	}
	if q, ok := ForPort(qs, 8080); !ok || q.QLen != 7 || q.MaxQLen != 132 {
		t.Errorf("port 8080: %v, %v; want qlen 7 of 132", q, ok)
	}
}

func TestOverflowsAreReadWhenTheUserMaySeeTCPCounters(t *testing.T) {
	stats := readTestdata(t, "tcpstats-macos-constructed.txt")
	tests := []struct {
		name    string
		uid     int
		sysctl  string
		wantRan []string
	}{
		{"root needs no check", 0, "", []string{"netstat -s -p tcp"}},
		{"another user with the counters shown", 501, "0\n",
			[]string{"sysctl -n net.inet.tcp.disable_access_to_stats", "netstat -s -p tcp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSystem{uid: tt.uid, outputs: map[string]string{"netstat -s -p tcp": stats}}
			if tt.sysctl != "" {
				f.outputs["sysctl -n net.inet.tcp.disable_access_to_stats"] = tt.sysctl
			}
			n, err := f.reader().listenOverflows(context.Background())
			if err != nil || n != 1 {
				t.Errorf("got %d, %v; want 1", n, err)
			}
			if !slices.Equal(f.ran, tt.wantRan) {
				t.Errorf("ran %q, want %q", f.ran, tt.wantRan)
			}
		})
	}
}

func TestOverflowsAreRefusedWhenMacOSHidesTCPCounters(t *testing.T) {
	f := &fakeSystem{uid: 501, outputs: map[string]string{
		"sysctl -n net.inet.tcp.disable_access_to_stats": "1\n",
		"netstat -s -p tcp": "tcp:\n\t0 listen queue overflow\n",
	}}
	_, err := f.reader().listenOverflows(context.Background())
	if !errors.Is(err, ErrTCPStatsHidden) {
		t.Fatalf("error %v, want ErrTCPStatsHidden", err)
	}
	if !strings.Contains(err.Error(), "disable_access_to_stats=1") {
		t.Errorf("error %q does not say which setting hides them", err)
	}
	if len(f.ran) != 1 {
		t.Errorf("ran %q, want only the sysctl", f.ran)
	}
}

func TestFailuresSayWhichCommandFailed(t *testing.T) {
	tests := []struct {
		name    string
		outputs map[string]string
		read    func(reader) error
		want    string
	}{
		{"netstat -L cannot run", nil,
			func(r reader) error { _, err := r.listenQueues(context.Background()); return err },
			"netstat -L -a -n -l -p tcp: exit status 1"},
		{"netstat -L prints something else",
			map[string]string{"netstat -L -a -n -l -p tcp": "Active Internet connections\n"},
			func(r reader) error { _, err := r.listenQueues(context.Background()); return err },
			`netstat -L -a -n -l -p tcp: line 1 "Active Internet connections"`},
		{"sysctl cannot run", nil,
			func(r reader) error { _, err := r.listenOverflows(context.Background()); return err },
			"sysctl -n net.inet.tcp.disable_access_to_stats: exit status 1"},
		{"sysctl prints no number",
			map[string]string{"sysctl -n net.inet.tcp.disable_access_to_stats": "\n"},
			func(r reader) error { _, err := r.listenOverflows(context.Background()); return err },
			`sysctl net.inet.tcp.disable_access_to_stats: "" is not a number`},
		{"netstat -s has no overflow line",
			map[string]string{"sysctl -n net.inet.tcp.disable_access_to_stats": "0", "netstat -s -p tcp": "tcp:\n"},
			func(r reader) error { _, err := r.listenOverflows(context.Background()); return err },
			`netstat -s -p tcp: no "listen queue overflow" line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSystem{uid: 501, outputs: tt.outputs}
			err := tt.read(f.reader())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRunCommandReportsTheCommandItsExitAndItsFirstErrorLine(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh here")
	}
	ctx := context.Background()
	out, err := runCommand(ctx, "sh", "-c", "echo queues")
	if err != nil || string(out) != "queues\n" {
		t.Fatalf("got %q, %v; want the standard output", out, err)
	}
	_, err = runCommand(ctx, "sh", "-c", "echo netstat: bad flag >&2; echo usage >&2; exit 64")
	want := "sh -c echo netstat: bad flag >&2; echo usage >&2; exit 64: exit status 64: netstat: bad flag"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

func TestRunCommandSaysWhenTheProgramIsMissingOrTooSlow(t *testing.T) {
	_, err := runCommand(context.Background(), "conclab-no-such-netstat", "-s")
	if !errors.Is(err, exec.ErrNotFound) || !strings.HasPrefix(err.Error(), "conclab-no-such-netstat -s: ") {
		t.Errorf("error %v, want exec.ErrNotFound naming the command", err)
	}
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep here")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = runCommand(ctx, "sleep", "5")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "sleep 5: ") {
		t.Errorf("error %v, want context.DeadlineExceeded naming the command", err)
	}
}
