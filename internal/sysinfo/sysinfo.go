// Package sysinfo reads what the lab needs to know of the machine it runs
// on: integer sysctls (somaxconn, the SYN retry settings), the TCP counters
// of the network namespace (ListenOverflows, ListenDrops) and its name, and
// the kernel release. Servers report these on /config and /metrics, and
// loadgen records them and feeds them to the prediction, so both read them
// here.
//
// # Linux
//
// It reads /proc through github.com/prometheus/procfs, which the
// Prometheus client already depends on for its process collector.
//
// # Other systems
//
// On macOS, somaxconn and the kernel release come from sysctl(3)
// (kern.ipc.somaxconn, kern.osrelease), and the listen-queue overflows from
// `netstat -s -p tcp` (internal/netstat): the only counter macOS keeps,
// host-wide, so Overflows and Drops are the same figure there. The SYN
// retry settings are Linux sysctls and are an error elsewhere. On any other
// system every kernel-side read is an error that says it is not available.
// KernelView says in one line which of these holds (summary.json's
// environment.kernel_view).
package sysinfo

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/prometheus/procfs"
)

// procRoot is where /proc is mounted; tests read a folder of their own.
const procRoot = procfs.DefaultMountPoint

// DefaultSomaxconn stands in for net.core.somaxconn where it cannot be
// read: the kernel's default since Linux 5.4.
const DefaultSomaxconn = 4096

// Sysctl reads an integer sysctl by its dotted name, such as
// "net.core.somaxconn". A missing one is an error that wraps
// fs.ErrNotExist.
func Sysctl(name string) (int, error) { return sysctlAt(procRoot, name) }

func sysctlAt(root, name string) (int, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return 0, fmt.Errorf("sysctl %s: %w", name, err)
	}
	vs, err := fs.SysctlInts(name)
	if err != nil {
		return 0, fmt.Errorf("sysctl %s: %w", name, err)
	}
	if len(vs) != 1 || vs[0] < 0 {
		return 0, fmt.Errorf("sysctl %s: want one non-negative integer, got %v", name, vs)
	}
	return vs[0], nil
}

// Somaxconn is the cap on every listen backlog (SomaxconnName), or
// DefaultSomaxconn when it cannot be read.
func Somaxconn() int {
	n, err := somaxconn()
	if err != nil {
		return DefaultSomaxconn
	}
	return n
}

// KernelRelease is the kernel's release ("6.18.0-1-amd64"; "Darwin
// 23.4.0" on macOS), or the name of the OS where it cannot be read.
func KernelRelease() string { return kernelRelease() }

// procRelease is kernel.osrelease from /proc.
func procRelease() string {
	fs, err := procfs.NewFS(procRoot)
	if err != nil {
		return runtime.GOOS
	}
	v, err := fs.SysctlStrings("kernel.osrelease")
	if err != nil || len(v) == 0 {
		return runtime.GOOS
	}
	return strings.Join(v, " ")
}

// ListenCounters are the TcpExt counters of the network namespace that
// count SYNs dropped at a full accept queue. They cover every socket of the
// namespace, which in a container is the server alone.
type ListenCounters struct {
	Overflows uint64 // TcpExt ListenOverflows
	Drops     uint64 // TcpExt ListenDrops
}

// ReadListenCounters reads the namespace's counters: from this process's
// net/netstat on Linux, from netstat(1) on macOS.
func ReadListenCounters() (ListenCounters, error) { return listenCounters() }

func listenCountersAt(root string) (ListenCounters, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return ListenCounters{}, fmt.Errorf("netstat: %w", err)
	}
	self, err := fs.Self()
	if err != nil {
		return ListenCounters{}, fmt.Errorf("netstat: %w", err)
	}
	ns, err := self.Netstat()
	if err != nil {
		return ListenCounters{}, fmt.Errorf("netstat: %w", err)
	}
	o, d := ns.TcpExt.ListenOverflows, ns.TcpExt.ListenDrops
	if o == nil || d == nil {
		return ListenCounters{}, errors.New("netstat: TcpExt has no ListenOverflows/ListenDrops")
	}
	return ListenCounters{Overflows: uint64(*o), Drops: uint64(*d)}, nil
}

// NetNS names this process's network namespace: the link target of
// /proc/self/ns/net, such as "net:[4026531840]". Two processes with the
// same name share one set of TcpExt counters, so a labserver that reports
// loadgen's own name has host-wide ListenOverflows. It is "" when the link
// cannot be read (no /proc, or no permission).
func NetNS() string { return netNSAt(procRoot) }

func netNSAt(root string) string {
	target, err := os.Readlink(filepath.Join(root, "self", "ns", "net"))
	if err != nil {
		return ""
	}
	return target
}

// SynSettings are the kernel's SYN retransmission settings, which decide
// when a client whose SYN was dropped at a full accept queue tries again.
type SynSettings struct {
	Retries        int // net.ipv4.tcp_syn_retries
	LinearTimeouts int // net.ipv4.tcp_syn_linear_timeouts; 0 before Linux 6.5, which lacks it
}

// ReadSynSettings reads both settings; they exist on Linux alone.
func ReadSynSettings() (SynSettings, error) { return synSettings() }

func synSettingsAt(root string) (SynSettings, error) {
	var s SynSettings
	var err error
	if s.Retries, err = sysctlAt(root, "net.ipv4.tcp_syn_retries"); err != nil {
		return SynSettings{}, err
	}
	s.LinearTimeouts, err = sysctlAt(root, "net.ipv4.tcp_syn_linear_timeouts")
	if errors.Is(err, fs.ErrNotExist) {
		s.LinearTimeouts, err = 0, nil
	}
	return s, err
}

// NoFile is this process's open-file limit (RLIMIT_NOFILE), which the
// processes it starts inherit; 0 when it cannot be read.
func NoFile() uint64 {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil {
		return 0
	}
	return uint64(rl.Cur) // int64 on some BSDs
}

// TimerHZ is the kernel's timer frequency, CONFIG_HZ, read from the
// kernel's build configuration (/proc/config.gz, or
// /boot/config-RELEASE); 0 when neither says. The timer wheel that fires
// TCP's retransmission timers counts in its jiffies.
func TimerHZ() int {
	if hz := configHZ(filepath.Join(procRoot, "config.gz"), true); hz > 0 {
		return hz
	}
	return configHZ(filepath.Join("/boot", "config-"+KernelRelease()), false)
}

// configHZ reads CONFIG_HZ from a kernel configuration, gzipped or not;
// 0 when it cannot.
func configHZ(path string, gzipped bool) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var r io.Reader = f
	if gzipped {
		z, err := gzip.NewReader(f)
		if err != nil {
			return 0
		}
		defer z.Close()
		r = z
	}
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "CONFIG_HZ="); ok {
			if hz, err := strconv.Atoi(v); err == nil && hz > 0 {
				return hz
			}
		}
	}
	return 0
}

// SoftnetDropped is how many packets the kernel has dropped, summed over
// the CPUs, because a CPU's input backlog was full
// (net.core.netdev_max_backlog): the second column of
// /proc/net/softnet_stat. Loopback traffic goes through that backlog, so a
// burst of packets there, such as SYNs retransmitted together, can lose
// some.
func SoftnetDropped() (uint64, error) { return softnetDroppedAt(procRoot) }

func softnetDroppedAt(root string) (uint64, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return 0, fmt.Errorf("softnet_stat: %w", err)
	}
	stats, err := fs.NetSoftnetStat()
	if err != nil {
		return 0, fmt.Errorf("softnet_stat: %w", err)
	}
	var dropped uint64
	for _, s := range stats {
		dropped += uint64(s.Dropped)
	}
	return dropped, nil
}

// MemAvailable is how many bytes of memory the kernel estimates it can
// give new work without swapping (MemAvailable in /proc/meminfo).
func MemAvailable() (uint64, error) { return memAvailableAt(procRoot) }

func memAvailableAt(root string) (uint64, error) {
	fs, err := procfs.NewFS(root)
	if err != nil {
		return 0, fmt.Errorf("meminfo: %w", err)
	}
	m, err := fs.Meminfo()
	if err != nil {
		return 0, fmt.Errorf("meminfo: %w", err)
	}
	if m.MemAvailableBytes == nil {
		return 0, fmt.Errorf("meminfo: no MemAvailable")
	}
	return *m.MemAvailableBytes, nil
}
