// Command labserver is a sleep-heavy HTTP test server with one concurrency
// model per run and metrics for every place a request can wait.
//
//	labserver --model semaphore --limit 40 --listen 127.0.0.1:8080 --admin 127.0.0.1:9080
//	curl '127.0.0.1:8080/?id=1&sleep=30s'
//	curl 127.0.0.1:9080/metrics
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/models"
)

// Exit codes.
const (
	exitOK       = 0
	exitRuntime  = 1
	exitBadInput = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, spec, err := lab.ParseFlags(args, models.All, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "labserver:", err)
		return exitBadInput
	}
	srv, err := lab.Start(cfg, spec, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "labserver:", err)
		return exitBadInput
	}
	for _, w := range srv.Warnings {
		fmt.Fprintln(stderr, "labserver: warning:", w)
	}
	fmt.Fprintf(stderr, "labserver: model %s on http://%s, admin on http://%s (backlog %d)\n",
		spec.Name, srv.Addr(), srv.AdminAddr(), srv.Config.Backlog)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		fmt.Fprintf(stderr, "labserver: %s: shutting down (at most %s)\n", s, cfg.ShutdownTimeout)
	case err := <-srv.Done():
		if err != nil {
			fmt.Fprintln(stderr, "labserver: serve:", err)
			return exitRuntime
		}
	}
	signal.Stop(sig)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(stderr, "labserver:", err)
	}
	return exitOK
}
