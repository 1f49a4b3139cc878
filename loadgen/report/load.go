package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
	"github.com/conclab/conclab/loadgen/workload"
)

// ErrNotRunFolder is wrapped by the errors of Write and Compare when the
// folder given is not a run folder: it does not exist, it holds neither
// a readable summary.json nor a scenario.yaml, or it holds a scenario.yaml
// and nothing measured.
var ErrNotRunFolder = errors.New("not a run folder")

// run is what a run folder holds, read as far as it could be.
type run struct {
	dir      string
	sum      *summary.Summary   // nil when summary.json is missing or unreadable
	scen     *scenario.Scenario // nil when scenario.yaml is missing or unreadable
	sched    *workload.Schedule // scen's schedule, worked out once; nil without scen
	problems []string           // folder-level: what is missing or unreadable
	targets  []*targetData
}

// targetData is one target's files.
type targetData struct {
	name, model string
	sum         *summary.Target // nil when summary.json does not list it

	timeline  []sample.Row // nil when the timeline is missing
	predicted []predict.Point
	band      []predict.BandPoint // nil when there is no band: a run folder from before bands
	results   *results            // nil when there is no .bin

	problems []string // what is missing or unreadable

	// schedule is what the run sent every target, from its scenario.yaml;
	// nil when that is unreadable.
	schedule *workload.Schedule
}

// results is what the charts need of a target's .bin.
type results struct {
	n         int
	latency   map[outcome.Outcome][]float64 // seconds, by outcome
	connect   []float64                     // seconds, of every hit that dialed
	responses int                           // hits with a response (any status code)
	source    string                        // the file read
	partial   bool                          // read from .bin.partial
	truncated string                        // why decoding stopped early, if it did
}

// loadRun reads a run folder, and its .bin files when withResults is set.
// It fails only when dir is not a run folder; anything else missing is
// recorded in the problems lists.
func loadRun(dir string, withResults bool) (*run, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: no such folder", dir, ErrNotRunFolder)
		}
		return nil, fmt.Errorf("%s: %w: %w", dir, ErrNotRunFolder, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w: not a folder", dir, ErrNotRunFolder)
	}
	r := &run{dir: dir}
	folder := runfolder.Folder(dir)

	r.sum, err = folder.ReadSummary()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.problems = append(r.problems, runfolder.SummaryFile+" is missing (the run did not finish writing it): there is no table, and no peaks or outcomes beyond what the charts show")
	case err != nil:
		r.problems = append(r.problems, runfolder.SummaryFile+" is unreadable: "+oneLine(err.Error()))
		r.sum = nil
	default:
	}

	if _, serr := os.Stat(folder.Scenario()); errors.Is(serr, fs.ErrNotExist) {
		r.problems = append(r.problems, runfolder.ScenarioFile+" is missing")
	} else if r.scen, err = scenario.Load(folder.Scenario()); err != nil {
		r.problems = append(r.problems, runfolder.ScenarioFile+" is unreadable: "+oneLine(err.Error()))
		r.scen = nil
	}
	if r.sum == nil && r.scen == nil {
		return nil, fmt.Errorf("%s: %w: no readable summary.json or scenario.yaml", dir, ErrNotRunFolder)
	}

	seen := map[string]bool{}
	if r.sum != nil {
		for i := range r.sum.Targets {
			t := &r.sum.Targets[i]
			if seen[t.Name] {
				continue
			}
			seen[t.Name] = true
			r.targets = append(r.targets, &targetData{name: t.Name, model: t.Model, sum: t})
		}
	}
	if r.scen != nil {
		for _, st := range r.scen.Targets {
			if seen[st.Name] {
				continue
			}
			seen[st.Name] = true
			model := st.Model
			if model == "" {
				model = summary.ExternalModel
			}
			td := &targetData{name: st.Name, model: model}
			if r.sum != nil {
				td.problems = append(td.problems, "not listed in summary.json")
			}
			r.targets = append(r.targets, td)
		}
	}
	if r.scen != nil {
		r.sched = r.scen.Schedule()
	}
	measured := false
	for _, t := range r.targets {
		t.schedule = r.sched
		t.load(dir, withResults)
		measured = measured || t.timeline != nil || t.predicted != nil || t.results != nil
	}
	if r.sum == nil && !measured {
		return nil, fmt.Errorf("%s: %w: it holds only %s, with nothing measured (the run never started)", dir, ErrNotRunFolder, runfolder.ScenarioFile)
	}
	return r, nil
}

// load reads the target's timeline, predicted series and, if asked,
// results.
func (t *targetData) load(dir string, withResults bool) {
	folder := runfolder.Folder(dir)
	if rows, problem := readFile(folder.Timeline(t.name), runfolder.ReadTimeline, "no measured timeline"); problem != "" {
		t.problems = append(t.problems, problem)
	} else {
		t.timeline = rows
	}
	if pts, problem := readFile(folder.Predicted(t.name), runfolder.ReadSeries, "no predicted lines"); problem != "" {
		t.problems = append(t.problems, problem)
	} else {
		t.predicted = pts
	}
	t.loadBand(folder.Band(t.name))
	if withResults {
		t.loadResults(folder.Bin(t.name))
	}
}

// loadBand reads the predicted band. A missing band is no problem: run
// folders written before bands have none, and their charts are drawn as
// they were.
func (t *targetData) loadBand(path string) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return
	}
	if band, problem := readFile(path, runfolder.ReadBand, "no predicted range shaded"); problem != "" {
		t.problems = append(t.problems, problem)
	} else {
		t.band = band
	}
}

// readFile decodes the file at path; problem says what is missing or
// unreadable, and what the report lacks for it.
func readFile[T any](path string, decode func(io.Reader) (T, error), consequence string) (v T, problem string) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, name + " is missing: " + consequence
	}
	if err == nil {
		defer f.Close()
		if v, err = decode(f); err == nil {
			return v, ""
		}
	}
	return v, name + " is unreadable (" + oneLine(err.Error()) + "): " + consequence
}

// loadResults reads the .bin at bin, or what a run that did not end left
// of it.
func (t *targetData) loadResults(bin string) {
	res, err := readResults(bin)
	if errors.Is(err, fs.ErrNotExist) {
		res, err = readResults(runfolder.Partial(bin))
		if errors.Is(err, fs.ErrNotExist) {
			t.problems = append(t.problems, filepath.Base(bin)+" is missing: no latency or connect-time charts")
			return
		}
		res.partial = true
		t.problems = append(t.problems, filepath.Base(bin)+" is missing; read "+res.source+", which the run did not close")
	}
	if err != nil {
		t.problems = append(t.problems, res.source+" is unreadable ("+oneLine(err.Error())+"): no latency or connect-time charts")
		return
	}
	if res.truncated != "" {
		t.problems = append(t.problems, fmt.Sprintf("%s ends early (%s): the charts show its first %d results", res.source, res.truncated, res.n))
	}
	t.results = res
}

// readResults decodes a vegeta .bin. A stream that ends in the middle of a
// result keeps what came before it. The error wraps fs.ErrNotExist when the
// file is absent; res is non-nil otherwise.
func readResults(path string) (*results, error) {
	res := &results{source: filepath.Base(path), latency: map[outcome.Outcome][]float64{}}
	n, err := runfolder.ReadBin(path, func(r *vegeta.Result) {
		o := attack.Classify(r)
		res.latency[o] = append(res.latency[o], math.Max(0, r.Latency.Seconds()))
		if r.Code != 0 {
			res.responses++
		}
		if d, ok := attack.ConnectTime(r); ok {
			res.connect = append(res.connect, d.Seconds())
		}
	})
	res.n = n
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case err != nil && n == 0:
		return res, err
	case err != nil:
		res.truncated = oneLine(err.Error())
	}
	return res, nil
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// oneLine keeps the first line of s.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
