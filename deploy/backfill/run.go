// Package backfill turns conclab run folders (results/<run_id>/) into
// OpenMetrics text that `promtool tsdb create-blocks-from openmetrics`
// imports into Prometheus, so that runs recorded at any time, with or without
// a Prometheus watching, can be compared side by side in Grafana.
//
// Every series it writes is named conclab_run_* and carries the labels
// run_id and target (see Families). The 1 Hz timeline of each target
// (<target>.timeline.csv) becomes one gauge per column; the per-target
// figures of summary.json (outcomes, latency and connect quantiles,
// SYN-retried, the prediction) become gauges that hold their value over the
// whole run, so an instant or range query anywhere in the run finds them.
package backfill

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/conclab/conclab/loadgen/runfolder"
)

// Run is one run folder as read from disk.
type Run struct {
	Dir     string
	Summary Summary
	// Timelines by target name; a target without a timeline file has none.
	Timelines map[string]*Timeline
}

// Summary holds the fields of summary.json that the backfill uses. It is
// not loadgen/summary's type on purpose: unknown fields are ignored and
// missing ones stay nil, so runs written by older or newer loadgens still
// load.
type Summary struct {
	RunID    string          `json:"run_id"`
	Scenario string          `json:"scenario"`
	Scale    float64         `json:"scale"`
	Complete bool            `json:"complete"`
	Started  string          `json:"started"`
	WallS    float64         `json:"wall_s"`
	Targets  []SummaryTarget `json:"targets"`
}

// SummaryTarget is one target of summary.json.
type SummaryTarget struct {
	Name       string             `json:"name"`
	Model      string             `json:"model"`
	Sent       *float64           `json:"sent"`
	Outcomes   map[string]float64 `json:"outcomes"`
	SynRetried *float64           `json:"syn_retried"`
	Latency    map[string]float64 `json:"latency_s"`
	OKLatency  map[string]float64 `json:"ok_latency_s"`
	Goodput    *float64           `json:"goodput_per_s"`
	Connect    map[string]float64 `json:"connect_s"`
	Predicted  map[string]any     `json:"predicted"`
	Agrees     *bool              `json:"agrees"`
}

// Timeline is a <target>.timeline.csv: T holds t_s of every row, and
// Columns[name] the values of the other columns (NaN for an empty cell).
type Timeline struct {
	T       []float64
	Names   []string // column names other than t_s, in file order
	Columns map[string][]float64
}

// Load reads the run folder dir: summary.json and the timeline of every
// target it names.
func Load(dir string) (*Run, error) {
	folder := runfolder.Folder(dir)
	b, err := os.ReadFile(folder.Summary())
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	r := &Run{Dir: dir, Timelines: map[string]*Timeline{}}
	if err := json.Unmarshal(b, &r.Summary); err != nil {
		return nil, fmt.Errorf("run %s: summary.json: %w", dir, err)
	}
	if r.Summary.RunID == "" {
		r.Summary.RunID = filepath.Base(filepath.Clean(dir))
	}
	if _, err := r.StartTime(); err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	if len(r.Summary.Targets) == 0 {
		return nil, fmt.Errorf("run %s: summary.json has no targets", dir)
	}
	seen := map[string]bool{}
	for _, t := range r.Summary.Targets {
		if t.Name == "" {
			return nil, fmt.Errorf("run %s: summary.json has a target without a name", dir)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("run %s: summary.json names target %s twice", dir, t.Name)
		}
		seen[t.Name] = true
		f, err := os.Open(folder.Timeline(t.Name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", dir, err)
		}
		tl, err := ReadTimeline(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("run %s: %s.timeline.csv: %w", dir, t.Name, err)
		}
		r.Timelines[t.Name] = tl
	}
	return r, nil
}

// StartTime is summary.json's "started".
func (r *Run) StartTime() (time.Time, error) {
	if r.Summary.Started == "" {
		return time.Time{}, errors.New(`summary.json has no "started" time`)
	}
	t, err := time.Parse(time.RFC3339Nano, r.Summary.Started)
	if err != nil {
		return time.Time{}, fmt.Errorf(`summary.json "started": %w`, err)
	}
	return t, nil
}

// Span is how long the run lasted: its last timeline sample, or wall_s when
// that is later.
func (r *Run) Span() time.Duration {
	s := r.Summary.WallS
	for _, tl := range r.Timelines {
		if n := len(tl.T); n > 0 && tl.T[n-1] > s {
			s = tl.T[n-1]
		}
	}
	if !(s > 0) || math.IsInf(s, 0) {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// ReadTimeline reads a timeline CSV by its header: t_s is required, every
// other column is kept by name, so timelines with fewer or more columns than
// today's still load. Empty cells are NaN.
func ReadTimeline(rd io.Reader) (*Timeline, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty file")
	}
	if err != nil {
		return nil, err
	}
	tcol := -1
	tl := &Timeline{Columns: map[string][]float64{}}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "t_s":
			tcol = i
		case h == "":
			return nil, fmt.Errorf("column %d has no name", i+1)
		case tl.Columns[h] != nil:
			return nil, fmt.Errorf("column %s appears twice", h)
		default:
			tl.Names = append(tl.Names, h)
			tl.Columns[h] = []float64{}
		}
	}
	if tcol < 0 {
		return nil, errors.New("no t_s column")
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("line %d: %d fields, want %d", line, len(rec), len(header))
		}
		t, err := strconv.ParseFloat(strings.TrimSpace(rec[tcol]), 64)
		if err != nil || math.IsNaN(t) || math.IsInf(t, 0) || t < 0 {
			return nil, fmt.Errorf("line %d: t_s: not a time in seconds: %q", line, rec[tcol])
		}
		if n := len(tl.T); n > 0 && t <= tl.T[n-1] {
			return nil, fmt.Errorf("line %d: t_s %v does not come after %v", line, t, tl.T[n-1])
		}
		tl.T = append(tl.T, t)
		for i, h := range header {
			if i == tcol {
				continue
			}
			v := math.NaN()
			if c := strings.TrimSpace(rec[i]); c != "" {
				if v, err = strconv.ParseFloat(c, 64); err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", line, h, err)
				}
			}
			tl.Columns[h] = append(tl.Columns[h], v)
		}
	}
	return tl, nil
}
