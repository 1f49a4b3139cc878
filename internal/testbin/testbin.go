// Package testbin gives tests the lab's real binaries and loopback
// addresses: tests run labserver and loadgen as processes, as users do.
package testbin

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
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

// FreeAddr is a 127.0.0.1 address no one listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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
