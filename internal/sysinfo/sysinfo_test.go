package sysinfo

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeProc lays out a /proc with the given files below root.
func fakeProc(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestSysctlReadsOneIntegerAndSaysWhenItIsMissing(t *testing.T) {
	root := fakeProc(t, map[string]string{
		"sys/net/ipv4/tcp_syn_retries": "6\n",
		"sys/net/core/bad":             "many\n",
	})
	if n, err := sysctlAt(root, "net.ipv4.tcp_syn_retries"); n != 6 || err != nil {
		t.Errorf("tcp_syn_retries: %d, %v; want 6", n, err)
	}
	if _, err := sysctlAt(root, "net.ipv4.tcp_syn_linear_timeouts"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing sysctl: %v, want fs.ErrNotExist", err)
	}
	if _, err := sysctlAt(root, "net.core.bad"); err == nil {
		t.Error("a sysctl that is not a number: want an error")
	}
}

func TestListenCountersComeFromThisProcesssNetstat(t *testing.T) {
	root := fakeProc(t, map[string]string{"42/net/netstat": "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts\n" +
		"TcpExt: 0 17 19 3\nIpExt: InNoRoutes\nIpExt: 0\n"})
	if err := os.Symlink("42", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	got, err := listenCountersAt(root)
	if err != nil || got != (ListenCounters{Overflows: 17, Drops: 19}) {
		t.Errorf("got %+v, %v; want 17 overflows and 19 drops", got, err)
	}
}

func TestThisMachineHasTheCountersAndSettingsTheLabReads(t *testing.T) {
	if _, err := ReadListenCounters(); err != nil {
		t.Errorf("this kernel's netstat: %v", err)
	}
	if _, err := Sysctl("net.ipv4.tcp_syn_retries"); err != nil {
		t.Errorf("tcp_syn_retries: %v", err)
	}
	if n, err := Sysctl("net.core.somaxconn"); err != nil || Somaxconn() != n {
		t.Errorf("Somaxconn() %d, the sysctl %d, %v", Somaxconn(), n, err)
	}
	if KernelRelease() == "" {
		t.Error("no kernel release")
	}
}

func TestSynSettingsTakeNoLinearTimeoutsOnKernelsWithoutThem(t *testing.T) {
	both := fakeProc(t, map[string]string{
		"sys/net/ipv4/tcp_syn_retries":         "6\n",
		"sys/net/ipv4/tcp_syn_linear_timeouts": "4\n",
	})
	if s, err := synSettingsAt(both); err != nil || s != (SynSettings{Retries: 6, LinearTimeouts: 4}) {
		t.Errorf("both files: %+v, %v", s, err)
	}
	old := fakeProc(t, map[string]string{"sys/net/ipv4/tcp_syn_retries": "5\n"})
	if s, err := synSettingsAt(old); err != nil || s != (SynSettings{Retries: 5}) {
		t.Errorf("no tcp_syn_linear_timeouts: %+v, %v", s, err)
	}
	if _, err := synSettingsAt(t.TempDir()); err == nil {
		t.Error("no tcp_syn_retries: want an error")
	}
	garbage := fakeProc(t, map[string]string{"sys/net/ipv4/tcp_syn_retries": "six\n"})
	if _, err := synSettingsAt(garbage); err == nil {
		t.Error("tcp_syn_retries not a number: want an error")
	}
}

func TestNetNSIsTheLinkTargetOfSelfNsNet(t *testing.T) {
	root := fakeProc(t, map[string]string{"42/ns/.keep": ""})
	if err := os.Symlink("42", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	// The kernel's link points nowhere on disk; only its text matters.
	if err := os.Symlink("net:[4026531840]", filepath.Join(root, "42", "ns", "net")); err != nil {
		t.Fatal(err)
	}
	if got := netNSAt(root); got != "net:[4026531840]" {
		t.Errorf("netNSAt: %q, want net:[4026531840]", got)
	}
	if got := netNSAt(t.TempDir()); got != "" {
		t.Errorf("no /proc/self/ns/net: %q, want \"\"", got)
	}
}

func TestThisProcessHasANetworkNamespace(t *testing.T) {
	if ns := NetNS(); !strings.HasPrefix(ns, "net:[") || !strings.HasSuffix(ns, "]") {
		t.Errorf("NetNS() = %q, want net:[INODE]", ns)
	}
}

func TestConfigHZIsReadFromAPlainOrAGzippedConfiguration(t *testing.T) {
	dir := t.TempDir()
	text := "# CONFIG_HZ_100 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\n"
	plain := filepath.Join(dir, "config")
	if err := os.WriteFile(plain, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write([]byte(text))
	z.Close()
	zipped := filepath.Join(dir, "config.gz")
	if err := os.WriteFile(zipped, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := configHZ(plain, false); got != 250 {
		t.Errorf("plain: %d, want 250", got)
	}
	if got := configHZ(zipped, true); got != 250 {
		t.Errorf("gzipped: %d, want 250", got)
	}
	if got := configHZ(filepath.Join(dir, "none"), false); got != 0 {
		t.Errorf("missing: %d, want 0", got)
	}
}

func TestSoftnetDroppedAddsTheSecondColumnOfEveryCPU(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	stat := "0001a0e7 000038e0 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n" +
		"0001b16f 0000412c 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001\n"
	if err := os.WriteFile(filepath.Join(root, "net", "softnet_stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := softnetDroppedAt(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(0x38e0 + 0x412c); got != want {
		t.Errorf("dropped %d, want %d", got, want)
	}
}

func TestMemAvailableIsReadInBytesAndItsAbsenceIsAnError(t *testing.T) {
	root := fakeProc(t, map[string]string{"meminfo": "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:    2048 kB\n"})
	if got, err := memAvailableAt(root); err != nil || got != 2048*1024 {
		t.Errorf("memAvailableAt = %d, %v; want %d", got, err, 2048*1024)
	}
	root = fakeProc(t, map[string]string{"meminfo": "MemTotal:       24000000 kB\n"})
	if _, err := memAvailableAt(root); err == nil {
		t.Error("a meminfo without MemAvailable read without error")
	}
	if n, err := MemAvailable(); err != nil || n == 0 {
		t.Errorf("this machine's MemAvailable: %d, %v", n, err)
	}
}

func TestLinuxShowsTheWholeKernelSide(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the kernel view of " + runtime.GOOS + " is partial or unavailable")
	}
	if !KernelViewFull || !strings.HasPrefix(KernelView(), "full: ") {
		t.Errorf("KernelView() %q, full %v; want a full view on Linux", KernelView(), KernelViewFull)
	}
}

// The steal share is the hypervisor's part of the CPU time between two
// reads of /proc/stat's cpu line (USER_HZ ticks: 100 a second).
func TestStealShareIsTheHypervisorsPartOfTheCPUTimeBetweenTwoReads(t *testing.T) {
	line := func(user, idle, steal int) string {
		return fmt.Sprintf("cpu  %d 0 100 %d 0 0 0 %d 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n", user, idle, steal)
	}
	before, err := cpuTimesAt(fakeProc(t, map[string]string{"stat": line(1000, 5000, 100)}))
	if err != nil {
		t.Fatal(err)
	}
	after, err := cpuTimesAt(fakeProc(t, map[string]string{"stat": line(1300, 5600, 200)}))
	if err != nil {
		t.Fatal(err)
	}
	// 300 user + 600 idle + 100 steal ticks: a tenth was stolen.
	if got := after.StealShare(before); math.Abs(got-0.1) > 1e-9 {
		t.Errorf("steal share %v, want 0.1", got)
	}
	if got := before.StealShare(before); got != 0 {
		t.Errorf("steal share over no time %v, want 0", got)
	}
	if _, err := cpuTimesAt(t.TempDir()); err == nil {
		t.Error("a missing /proc/stat read without error")
	}
}
