package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestTailKeepsTheLastLineOfAChattyChild(t *testing.T) {
	var tail Tail
	for i := range 5000 {
		_, _ = tail.Write([]byte("line " + strconv.Itoa(i) + "\n"))
	}
	if got := tail.LastLine(); got != "line 4999" {
		t.Errorf("LastLine = %q", got)
	}
	if n := len(tail.String()); n > tailSize {
		t.Errorf("kept %d bytes, more than %d", n, tailSize)
	}
	if got := LastLine("\n\n"); got != "(no output)" {
		t.Errorf("LastLine of nothing = %q", got)
	}
}

// A command's shell may leave processes behind in its group; Stop ends
// them too, and a second Stop does nothing.
func TestStopEndsTheWholeProcessGroup(t *testing.T) {
	p, err := Start(exec.Command("/bin/sh", "-c", "sleep 60 & echo $!; wait"))
	if err != nil {
		t.Fatal(err)
	}
	p.groupOutlives = true
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		child, _ = strconv.Atoi(strings.TrimSpace(p.Output.String()))
	}
	if child == 0 {
		t.Fatalf("no child pid in %q", p.Output.String())
	}
	p.Stop()
	p.Stop()
	// A signal is delivered when its target next runs: give it a moment.
	for deadline := time.Now().Add(5 * time.Second); alive(child) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(child) {
		t.Errorf("the shell's child %d outlived Stop by 5 s", child)
	}
	if died := p.DiedEarly("command", time.Now()); died != "" {
		t.Errorf("a stopped process is reported as died: %q", died)
	}
}

// alive reports whether pid runs: it exists and is not a zombie waiting
// for whoever adopted it to reap it.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestAProcessThatEndsByItselfIsReportedAsDied(t *testing.T) {
	start := time.Now()
	p, err := Start(exec.Command("/bin/sh", "-c", "echo bye; exit 3"))
	if err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	died := p.DiedEarly("labserver", start)
	if !strings.Contains(died, "died") || !strings.Contains(died, "exit status 3") || !strings.Contains(died, "bye") {
		t.Errorf("DiedEarly = %q", died)
	}
	p.Stop() // ended already: nothing to signal
}

// parentHelperEnv makes the test binary, run again by
// TestACommandsProcessesEndWhenLoadgenIsKilled, stand in for loadgen: it
// starts the command in the variable and waits to be killed.
const parentHelperEnv = "CONCLAB_LAUNCH_PARENT_HELPER"

// nohupHelperEnv makes that stand-in ignore SIGHUP first, as loadgen
// started under nohup does.
const nohupHelperEnv = "CONCLAB_LAUNCH_PARENT_NOHUP"

func TestMain(m *testing.M) {
	if shell := os.Getenv(parentHelperEnv); shell != "" {
		if os.Getenv(nohupHelperEnv) != "" {
			signal.Ignore(syscall.SIGHUP) // as nohup leaves it
		}
		if _, err := startGuarded(shell); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		time.Sleep(time.Minute) // the test kills this process long before
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A command's server is loadgen's grandchild, and may fork workers; the
// kernel's parent-death signal reaches only the direct child. Killed with
// SIGKILL, loadgen gets no chance to stop anything, yet every process of
// the command must end: the one that obeys SIGTERM at once, the one that
// ignores it after StopGrace.
func TestACommandsProcessesEndWhenLoadgenIsKilled(t *testing.T) {
	for _, nohup := range []bool{false, true} {
		t.Run(fmt.Sprintf("nohup=%v", nohup), func(t *testing.T) { commandEndsWithKilledParent(t, nohup) })
	}
}

// commandEndsWithKilledParent kills a stand-in loadgen, started with
// SIGHUP ignored when nohup is set, and checks that its command's
// processes end.
func commandEndsWithKilledParent(t *testing.T, nohup bool) {
	pids := filepath.Join(t.TempDir(), "pids")
	shell := `sleep 300 & echo $! >>` + pids + `; (trap "" TERM; exec sleep 301) & echo $! >>` + pids + `; wait`
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), parentHelperEnv+"="+shell)
	if nohup {
		parent.Env = append(parent.Env, nohupHelperEnv+"=1")
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var children []int
	for deadline := time.Now().Add(10 * time.Second); len(children) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pids)
		children = children[:0]
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				children = append(children, pid)
			}
		}
	}
	if len(children) < 2 {
		_ = parent.Process.Kill()
		_ = parent.Wait()
		t.Fatalf("the command did not start its two children within 10 s")
	}
	killed := time.Now()
	_ = parent.Process.Kill()
	_ = parent.Wait()
	// The TERM-ignoring child gets SIGKILL StopGrace after the others.
	within := 3 * StopGrace
	for deadline := time.Now().Add(within); time.Now().Before(deadline) && (alive(children[0]) || alive(children[1])); {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the command's processes ended %s after loadgen's death", time.Since(killed).Round(time.Millisecond))
	for _, pid := range children {
		if alive(pid) {
			t.Errorf("the command's process %d outlived its killed parent by %s", pid, within)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// The guard shell passes the command's exit status on, so a command that
// fails is reported as it was before.
func TestAGuardedCommandEndsWithItsCommandsStatus(t *testing.T) {
	p, err := startGuarded("echo bye; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if err := p.Err(); err == nil || err.Error() != "exit status 3" {
		t.Errorf("Err() = %v, want exit status 3", err)
	}
	if got := p.Output.LastLine(); got != "bye" {
		t.Errorf("last line %q, want bye", got)
	}
}
