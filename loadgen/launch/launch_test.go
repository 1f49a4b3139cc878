package launch

import (
	"errors"
	"os"
	"os/exec"
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
