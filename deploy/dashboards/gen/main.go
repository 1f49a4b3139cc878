// Command gen writes conclab's Grafana dashboards (package
// deploy/dashboards) as JSON for Grafana's file provisioning.
//
//	go run ./deploy/dashboards/gen [-out deploy/grafana/dashboards] [-check]
//
// make dashboards runs it. With -check it writes nothing and exits 1 when a
// committed file differs from the generator's output or is missing.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conclab/conclab/deploy/dashboards"
)

func main() {
	out := flag.String("out", "deploy/grafana/dashboards", "folder of the dashboard JSON files")
	check := flag.Bool("check", false, "compare instead of writing; exit 1 on a difference")
	flag.Parse()
	files, err := dashboards.All()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if !*check {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	stale := false
	for _, f := range files {
		b, err := dashboards.Marshal(f.Dashboard)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", f.Name, err)
			os.Exit(1)
		}
		path := filepath.Join(*out, f.Name)
		if *check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, b) {
				fmt.Fprintf(os.Stderr, "gen: %s differs from the generator: run make dashboards\n", path)
				stale = true
			}
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
	if stale {
		os.Exit(1)
	}
}
