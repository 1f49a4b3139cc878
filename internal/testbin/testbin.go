// Package testbin gives tests the lab's real binaries and loopback
// addresses: tests run labserver and loadgen as processes, as users do.
package testbin

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Build compiles the given commands of this module (for example
// "servers/cmd/labserver") into a new temporary folder and returns it; the
// caller removes it.
func Build(cmds ...string) (string, error) {
	dir, err := os.MkdirTemp("", "conclab-bin")
	if err != nil {
		return "", err
	}
	for _, cmd := range cmds {
		build := exec.Command("go", "build", "-o", dir, "github.com/conclab/conclab/"+cmd)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("building %s: %w", cmd, err)
		}
	}
	return dir, nil
}

// FreePort is a loopback port no one listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreeAddr is a 127.0.0.1 address no one listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return "127.0.0.1:" + strconv.Itoa(FreePort(t))
}

// Wait waits for wg, and fails the test when what it waits for is still
// running after within.
func Wait(t testing.TB, wg *sync.WaitGroup, within time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(within):
		t.Fatalf("%s still running after %s", what, within)
	}
}

// WaitOK polls url until it answers 200, for at most 10 s. It keeps no
// connection open, so it holds none of the server's file descriptors.
func WaitOK(t testing.TB, url string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ready within 10s", url)
}
