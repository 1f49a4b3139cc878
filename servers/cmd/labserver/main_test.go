package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/internal/testbin"
)

// TestMain lets the tests run this binary as a real labserver process.
func TestMain(m *testing.M) {
	if os.Getenv("LABSERVER_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func labserver(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LABSERVER_RUN_MAIN=1")
	return cmd
}

func TestBadInputIsOneLineAndExitCode2(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "labserver: --model: required: one of " + strings.Join(catalog.Names(), ", ")},
		{[]string{"--model", "tornado"}, `labserver: --model: unknown model "tornado": one of ` + strings.Join(catalog.Names(), ", ")},
		{[]string{"--model", "semaphore", "--limit", "0"}, "labserver: --limit: must be >= 1, got 0"},
		{[]string{"--model", "semaphore", "--limit", "-3"}, "labserver: --limit: must be >= 1, got -3"},
		{[]string{"--model", "semaphore", "--queue", "-2"}, "labserver: --queue: must be >= -1 (-1 = unbounded, 0 = no queue), got -2"},
		{[]string{"--model", "nethttp", "--limit", "5"}, "labserver: --limit: not used by model nethttp"},
		{[]string{"--model", "semaphore", "--core", "5"}, "labserver: --core: not used by model semaphore"},
		{[]string{"--model", "pool"}, "labserver: --core: required for model pool: must be >= 1"},
		{[]string{"--model", "pool", "--core", "4", "--max", "2"}, "labserver: --max: must be >= core (4), got 2"},
		{[]string{"--model", "pool", "--core", "1", "--policy", "yolo"}, `labserver: --policy: unknown policy "yolo": one of abort, caller-runs, discard, discard-oldest`},
		{[]string{"--model", "semaphore", "--order", "random"}, `labserver: --order: unknown order "random": one of fifo, lifo`},
		{[]string{"--model", "pool", "--core", "1", "--order", "LIFO"}, `labserver: --order: unknown order "LIFO": one of fifo, lifo`},
		{[]string{"--model", "fasthttp", "--order", "lifo"}, "labserver: --order: not used by model fasthttp"},
		{[]string{"--model", "adaptive", "--min-limit", "300"}, "labserver: --min-limit: must be <= the max limit, 200, got 300"},
		{[]string{"--model", "adaptive", "--limiter", "vegas"}, `labserver: --limiter: unknown limiter "vegas": one of aimd, gradient2`},
		{[]string{"--model", "codel", "--codel-target", "200ms"}, "labserver: --codel-target: must be <= the interval, 100ms, got 200ms"},
		{[]string{"--model", "ratelimit"}, "labserver: --token-rate: required for model ratelimit: must be > 0 (per second)"},
		{[]string{"--model", "ratelimit", "--token-rate", "-5"}, "labserver: --token-rate: must be > 0 (per second), got -5"},
		{[]string{"--model", "ratelimit", "--token-rate", "5", "--burst", "0"}, "labserver: --burst: must be >= 1, got 0"},
		{[]string{"--model", "ratelimit", "--token-rate", "5", "--queue-timeout", "1s"}, "labserver: --queue-timeout: only used with rate_wait (--rate-wait)"},
		{[]string{"--model", "nethttp", "--sleep", "forever"}, `labserver: --sleep: invalid value "forever": parse error`},
		{[]string{"--model", "nethttp", "--sleep", "2h"}, "labserver: --sleep: 2h0m0s exceeds --max-sleep 1h0m0s"},
		{[]string{"--model", "nethttp", "--max-sleep", "0s"}, "labserver: --max-sleep: must be > 0, got 0s"},
		{[]string{"--model", "nethttp", "--backlog", "-1"}, "labserver: --backlog: must be >= 0, got -1"},
		{[]string{"--model", "nethttp", "--bogus"}, "labserver: --bogus: unknown flag"},
		{[]string{"--model", "semaphore", "--limit", "99999999999"}, "labserver: --limit: must be <= 1000000, got 99999999999"},
		{[]string{"--model", "semaphore", "--queue", "1000001"}, "labserver: --queue: must be <= 1000000, got 1000001"},
		{[]string{"--model", "pool", "--core", "2000000"}, "labserver: --core: must be <= 1000000, got 2000000"},
		{[]string{"--model", "pool", "--core", "1", "--max", "2000000"}, "labserver: --max: must be <= 1000000, got 2000000"},
		{[]string{"--model", "nethttp", "--backlog", "4294967297"}, "labserver: --backlog: must be <= 2147483647, got 4294967297"},
		{[]string{"--model", "nethttp", "--gomaxprocs", "100000"}, "labserver: --gomaxprocs: must be <= 1024, got 100000"},
		{[]string{"--model", "nethttp", "--nofile", "2000000"}, "labserver: --nofile: must be <= 1048576, got 2000000"},
		{[]string{"--model", "nethttp", "--max-sleep", "2000h"}, "labserver: --max-sleep: must be <= 1000h0m0s, got 2000h0m0s"},
		{[]string{"--model", "nethttp", "--read-timeout", "1001h"}, "labserver: --read-timeout: must be <= 1000h0m0s, got 1001h0m0s"},
		{[]string{"--model", "pool", "--core", "1", "--pool-keepalive", "-1s"}, "labserver: --pool-keepalive: must be >= 0, got -1s"},
		{[]string{"--model", "nethttp", "--listen", busy.Addr().String()}, "labserver: --listen: " + busy.Addr().String() + ": address already in use"},
		{[]string{"--model", "nethttp", "--listen", "127.0.0.1:0", "--admin", busy.Addr().String()}, "labserver: --admin: " + busy.Addr().String() + ": address already in use"},
		{[]string{"--model", "nethttp", "--listen", "nonsense"}, "labserver: --listen: nonsense: missing port in address"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := labserver(tc.args...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if got := strings.TrimRight(stderr.String(), "\n"); got != tc.want {
				t.Errorf("stderr\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// SIGTERM ends the process within --shutdown-timeout even with a request
// sleeping far longer, and the warning for a too-big backlog is printed.
func TestSIGTERMShutsDownWithinBudget(t *testing.T) {
	admin := testbin.FreeAddr(t)
	app := testbin.FreeAddr(t)
	var stderr bytes.Buffer
	cmd := labserver("--model", "semaphore", "--limit", "1", "--listen", app, "--admin", admin,
		"--backlog", "999999", "--shutdown-timeout", "500ms")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	testbin.WaitOK(t, "http://"+admin+"/healthz")
	for i := 0; i < 3; i++ {
		go func() {
			resp, err := http.Get("http://" + app + "/?sleep=60s")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %s with a 500ms budget", d)
	}
	out := stderr.String()
	if !strings.Contains(out, "warning: --backlog 999999 is above net.core.somaxconn") {
		t.Errorf("no somaxconn warning in:\n%s", out)
	}
	if strings.Contains(out, "goroutine ") || strings.Contains(out, "panic") {
		t.Errorf("stack trace in:\n%s", out)
	}
}
