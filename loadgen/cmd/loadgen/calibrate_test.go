package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitExit waits for cmd to end, killing it (by its pid) after within.
func waitExit(t *testing.T, cmd *exec.Cmd, within time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(within):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("loadgen %v still running after %s", cmd.Args[1:], within)
		return nil
	}
}

func TestCalibrateQuickPrintsTheTableAndWritesTheCacheFile(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := loadgen("calibrate", "--quick", "--connects", "2", "--cache-dir", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(t, cmd, 40*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	if !regexp.MustCompile(`(?m)^ +1 +1\.000 +1\.\d{3} +1\.\d{3}-1\.\d{3} +\d+\.\d +measured$`).MatchString(out) {
		t.Errorf("no measured first retransmission in the table:\n%s", out)
	}
	for _, want := range []string{"give-up", "accept delay", "sleep overshoot", "cache file written: " + dir} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout has no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr.String(), "retransmission 1: seen by every connect") {
		t.Errorf("stderr shows no progress:\n%s", stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "kernel-calibration-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	var cal struct {
		Source   string `json:"source"`
		Measured int    `json:"measured"`
	}
	if b, err := os.ReadFile(files[0]); err != nil || json.Unmarshal(b, &cal) != nil || cal.Source != "probe" || cal.Measured < 1 {
		t.Errorf("cache file %s: %+v, %v", files[0], cal, err)
	}
}

// SIGINT during the full probe: exit 130 at once, one line, no cache file.
func TestCalibrateInterruptedExits130AndStoresNothing(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	cmd := loadgen("calibrate", "--cache-dir", dir)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := waitExit(t, cmd, 10*time.Second)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Errorf("exit %v, want %d\n%s", err, exitInterrupted, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != "loadgen calibrate: interrupted" {
		t.Errorf("last stderr line %q, want \"loadgen calibrate: interrupted\"", last)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("cache folder holds %d files, want none", len(files))
	}
}
