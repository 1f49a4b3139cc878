// Package dashboards defines conclab's Grafana dashboards as code, with the
// Grafana Foundation SDK. `make dashboards` (deploy/dashboards/gen) writes
// them to deploy/grafana/dashboards/*.json, where Grafana's file provisioning
// reads them; a test fails when the committed JSON differs from this code.
//
// Two dashboards:
//
//   - conclab-live: the run going on now (or any run Prometheus scraped),
//     from the servers' and loadgen's live series. Every query is joined to
//     loadgen's conclab_run_info, so each series carries the run_id of the
//     run it belongs to and the run_id variable picks a run.
//   - conclab-compare: two runs, or two targets of one run, side by side,
//     from the conclab_run_* series that deploy/backfill loads into
//     Prometheus from run folders (every one with run_id and target).
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// File is one generated dashboard and the file name it is written to.
type File struct {
	Name      string // e.g. conclab-live.json
	Dashboard dashboard.Dashboard
}

// All builds every dashboard.
func All() ([]File, error) {
	var files []File
	for _, d := range []struct {
		name  string
		build func() (dashboard.Dashboard, error)
	}{
		{"conclab-live.json", Live},
		{"conclab-compare.json", Compare},
	} {
		db, err := d.build()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		files = append(files, File{Name: d.name, Dashboard: db})
	}
	return files, nil
}

// Marshal is the committed form of a dashboard: indented JSON with a final
// newline, without HTML escaping (PromQL's < > & stay readable).
func Marshal(d dashboard.Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
