package kernelview

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listen opens a listener on 127.0.0.1 with the given backlog (listen(2)
// again on the socket, as labserver's --backlog does).
func listen(t *testing.T, network, addr string, backlog int) *net.TCPListener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	tl := ln.(*net.TCPListener)
	if backlog > 0 {
		rc, err := tl.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var lerr error
		if err := rc.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), backlog) }); err != nil {
			t.Fatal(err)
		}
		if lerr != nil {
			t.Fatal(lerr)
		}
	}
	return tl
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// dial opens one connection and waits until its handshake is done, or
// reports false when the kernel dropped the SYN (a full accept queue).
func dial(t *testing.T, addr string) (net.Conn, bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return nil, false
	}
	t.Cleanup(func() { c.Close() })
	return c, true
}

// eventually polls the port until check passes, failing after 3 s with the
// last sample. The margin is for the kernel finishing a close; the numbers
// themselves are exact.
func eventually(t *testing.T, pr *Probe, check func(Port) bool) Port {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		p, err := pr.Read()
		if err != nil {
			t.Fatal(err)
		}
		if check(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %d: %+v", p.Port, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAcceptQueueExact(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0", 4)
	pr, err := Open(port(ln))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()

	p, err := pr.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Listeners) != 1 || p.Backlog != 4 || p.AcceptQueue != 0 || p.Established != 0 {
		t.Fatalf("idle listener: %+v", p)
	}
	if l := p.Listeners[0]; l.Addr.String() != ln.Addr().String() || l.Inode == 0 {
		t.Fatalf("listener %+v, want %s with an inode", l, ln.Addr())
	}

	// Seven clients one by one, none accepted: the queue holds backlog+1 =
	// 5; the kernel drops the SYNs of the other two.
	var conns []net.Conn
	for i := 0; i < 7; i++ {
		if c, ok := dial(t, ln.Addr().String()); ok {
			conns = append(conns, c)
		}
	}
	if len(conns) != 5 {
		t.Fatalf("%d connects completed, want 5 (backlog 4 + 1)", len(conns))
	}
	p = eventually(t, pr, func(p Port) bool { return p.AcceptQueue == 5 })
	if p.Established != 5 || p.Accepted() != 0 || p.Backlog != 4 {
		t.Fatalf("full queue: %+v, want 5 established, 0 accepted", p)
	}

	// Accept two: three wait, five are ESTABLISHED, two accepted.
	var accepted []net.Conn
	for i := 0; i < 2; i++ {
		c, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		accepted = append(accepted, c)
	}
	p = eventually(t, pr, func(p Port) bool { return p.AcceptQueue == 3 })
	if p.Established != 5 || p.Accepted() != 2 {
		t.Fatalf("after 2 accepts: %+v, want 5 established, 2 accepted", p)
	}

	// The client of an accepted connection hangs up: CLOSE_WAIT on the
	// server until it closes too, and still counted as accepted.
	conns[0].Close()
	p = eventually(t, pr, func(p Port) bool { return p.CloseWait == 1 })
	if p.Established != 4 || p.Accepted() != 2 || p.AcceptQueue != 3 {
		t.Fatalf("after a client hung up: %+v", p)
	}
	accepted[0].Close()
	p = eventually(t, pr, func(p Port) bool { return p.CloseWait == 0 })
	if p.Accepted() != 1 || p.AcceptQueue != 3 || p.Established != 4 {
		t.Fatalf("after the server closed: %+v", p)
	}

	// A queued client gives up: its connection stays in the accept queue,
	// in CLOSE_WAIT, until the server accepts and closes it.
	conns[4].Close()
	p = eventually(t, pr, func(p Port) bool { return p.CloseWait == 1 })
	if p.AcceptQueue != 3 || p.Established != 3 || p.Accepted() != 1 {
		t.Fatalf("after a queued client hung up: %+v", p)
	}
}

func TestOtherPortsLeftOut(t *testing.T) {
	a := listen(t, "tcp4", "127.0.0.1:0", 8)
	b := listen(t, "tcp4", "127.0.0.1:0", 8)
	for i := 0; i < 3; i++ {
		dial(t, b.Addr().String())
	}
	// A client whose server is a: its side of the connection has remote
	// port a, local port ephemeral: not a's.
	dial(t, a.Addr().String())
	// A connect returns before the server side has taken the final ACK:
	// poll until it has, then the figures are exact.
	eventually(t, openProbe(t, port(a)), func(p Port) bool { return p.AcceptQueue == 1 && p.Established == 1 })
	eventually(t, openProbe(t, port(b)), func(p Port) bool { return p.AcceptQueue == 3 && p.Established == 3 })
}

func openProbe(t *testing.T, port int) *Probe {
	t.Helper()
	pr, err := Open(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close() })
	return pr
}

func TestIPv6AndNoListener(t *testing.T) {
	ln := listen(t, "tcp6", "[::1]:0", 2)
	dial(t, ln.Addr().String())
	p := eventually(t, openProbe(t, port(ln)), func(p Port) bool { return p.AcceptQueue == 1 })
	if len(p.Listeners) != 1 || !p.Listeners[0].Addr.Addr().Is6() || p.Backlog != 2 {
		t.Fatalf("::1 listener: %+v", p)
	}

	ln.Close()
	p, err := ReadPort(port(ln))
	if err != nil {
		t.Fatal(err)
	}
	if p.Listening() {
		t.Fatalf("closed listener still seen: %+v", p)
	}
	if _, err := Open(0); err == nil {
		t.Fatal("Open(0): no error")
	}
}

func TestListenerPIDsFindsThisProcess(t *testing.T) {
	ln := listen(t, "tcp4", "127.0.0.1:0", 0)
	p, err := ReadPort(port(ln))
	if err != nil {
		t.Fatal(err)
	}
	pids, err := ListenerPIDs(p.Inodes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pids, []int{os.Getpid()}) {
		t.Fatalf("ListenerPIDs = %v, want [%d]", pids, os.Getpid())
	}
	if pids, _ := ListenerPIDs(nil); pids != nil {
		t.Fatalf("no inodes: %v", pids)
	}
}

func TestTreeCountsDescendants(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A shell with two children: three processes, each one thread.
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", "sleep 20 & sleep 20 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its own group: the shell and its sleeps
		_ = cmd.Wait()
	}()
	var tr Tree
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		tr, err = ReadTree(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Processes == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if tr.Processes != 3 || tr.Threads != 3 || tr.RSSBytes <= 0 || tr.PIDs[0] != cmd.Process.Pid {
		t.Fatalf("tree of sh: %+v, want 3 processes of 1 thread", tr)
	}
	if roots := Roots(tr.PIDs); !slices.Equal(roots, []int{cmd.Process.Pid}) {
		t.Errorf("Roots(%v) = %v, want the shell", tr.PIDs, roots)
	}
	sleeps, err := FindProcesses("sleep")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range sleeps {
		if slices.Contains(tr.PIDs, p) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("FindProcesses(sleep) = %v, want both of %v", sleeps, tr.PIDs)
	}

	self, err := ReadTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// This test process runs several Go threads, and the shell is its child.
	if self.Processes < 4 || self.Threads < 5 || self.PSSBytes <= 0 {
		t.Errorf("tree of the test process: %+v", self)
	}
	if none, _ := ReadTree(); none.Processes != 0 {
		t.Errorf("no roots: %+v", none)
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and a parenthesis.
	line := "4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 7 0 123 1000000 250 18446744073709551615"
	p, ok := parseStat(4242, []byte(line))
	if !ok || p.ppid != 17 || p.threads != 7 || p.rssPages != 250 {
		t.Fatalf("parseStat = %+v, %v", p, ok)
	}
	if _, ok := parseStat(1, []byte("1 (x) S 0")); ok {
		t.Fatal("short line parsed")
	}
}

func TestFakeProc(t *testing.T) {
	dir := t.TempDir()
	write := func(pid, ppid, threads string) {
		d := filepath.Join(dir, pid)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := pid + " (w) S " + ppid + " 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 " + threads + " 0 1 1 10"
		if err := os.WriteFile(filepath.Join(d, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "smaps_rollup"), []byte("Rss: 40 kB\nPss: 8 kB\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 100 ← 101 ← 102, and 101 ← 103; 200 is another tree.
	write("100", "1", "2")
	write("101", "100", "41")
	write("102", "101", "1")
	write("103", "101", "1")
	write("200", "1", "5")
	old := procRoot
	procRoot = dir
	defer func() { procRoot = old }()
	tr, err := ReadTree(101, 102, 999)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.PIDs, []int{101, 102, 103}) || tr.Threads != 43 || tr.RSSBytes != 30*pageSize || tr.PSSBytes != 3*8<<10 {
		t.Fatalf("tree: %+v", tr)
	}
	if r := Roots([]int{103, 100, 200}); !slices.Equal(r, []int{100, 200}) {
		t.Fatalf("Roots = %v", r)
	}
}
