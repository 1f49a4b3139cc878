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
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/runner"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/scenario"
	"github.com/conclab/conclab/loadgen/summary"
)

// ErrNotRunFolder is wrapped by the errors of Write and Compare when the
// folder given is not a run folder: it does not exist, or it holds neither
// a readable summary.json nor a scenario.yaml.
var ErrNotRunFolder = errors.New("not a run folder")

// run is what a run folder holds, read as far as it could be.
type run struct {
	dir      string
	sum      *summary.Summary   // nil when summary.json is missing or unreadable
	scen     *scenario.Scenario // nil when scenario.yaml is missing or unreadable
	problems []string           // folder-level: what is missing or unreadable
	targets  []*targetData
}

// targetData is one target's files.
type targetData struct {
	name, model string
	sum         *summary.Target // nil when summary.json does not list it

	timeline  []sample.Row // nil when the timeline is missing
	predicted []predict.Point
	results   *results // nil when there is no .bin

	problems []string // what is missing or unreadable
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
		return nil, fmt.Errorf("%s: %w: %v", dir, ErrNotRunFolder, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w: not a folder", dir, ErrNotRunFolder)
	}
	r := &run{dir: dir}

	sumPath := filepath.Join(dir, "summary.json")
	r.sum, err = summary.Read(sumPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.problems = append(r.problems, "summary.json is missing (the run did not finish writing it): there is no table, and no peaks or outcomes beyond what the charts show")
	case err != nil:
		r.problems = append(r.problems, "summary.json is unreadable: "+oneLine(err.Error()))
		r.sum = nil
	}

	scenPath := filepath.Join(dir, "scenario.yaml")
	if _, serr := os.Stat(scenPath); errors.Is(serr, fs.ErrNotExist) {
		r.problems = append(r.problems, "scenario.yaml is missing")
	} else if r.scen, err = scenario.Load(scenPath); err != nil {
		r.problems = append(r.problems, "scenario.yaml is unreadable: "+oneLine(err.Error()))
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
	for _, t := range r.targets {
		t.load(dir, withResults)
	}
	return r, nil
}

// load reads the target's timeline, predicted series and, if asked,
// results.
func (t *targetData) load(dir string, withResults bool) {
	base := filepath.Join(dir, t.name)

	if f, err := os.Open(base + ".timeline.csv"); err != nil {
		t.problems = append(t.problems, missingOrUnreadable(t.name+".timeline.csv", err, "no measured timeline"))
	} else {
		rows, err := sample.ReadCSV(f)
		f.Close()
		if err != nil {
			t.problems = append(t.problems, t.name+".timeline.csv is unreadable ("+oneLine(err.Error())+"): no measured timeline")
		} else {
			t.timeline = rows
		}
	}

	if f, err := os.Open(base + ".predicted.csv"); err != nil {
		t.problems = append(t.problems, missingOrUnreadable(t.name+".predicted.csv", err, "no predicted lines"))
	} else {
		pts, err := runner.ReadSeries(f)
		f.Close()
		if err != nil {
			t.problems = append(t.problems, t.name+".predicted.csv is unreadable ("+oneLine(err.Error())+"): no predicted lines")
		} else {
			t.predicted = pts
		}
	}

	if !withResults {
		return
	}
	res, err := readResults(base+".bin", t.name+".bin")
	if errors.Is(err, fs.ErrNotExist) {
		res, err = readResults(base+".bin.partial", t.name+".bin.partial")
		if errors.Is(err, fs.ErrNotExist) {
			t.problems = append(t.problems, t.name+".bin is missing: no latency or connect-time charts")
			return
		}
		if res != nil {
			res.partial = true
			t.problems = append(t.problems, t.name+".bin is missing; read "+t.name+".bin.partial, which the run did not close")
		}
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

func missingOrUnreadable(file string, err error, consequence string) string {
	if errors.Is(err, fs.ErrNotExist) {
		return file + " is missing: " + consequence
	}
	return file + " is unreadable (" + oneLine(err.Error()) + "): " + consequence
}

// readResults decodes a vegeta gob file. A stream that ends in the middle
// of a result keeps what came before it. The error is fs.ErrNotExist when
// the file is absent; res is non-nil whenever the file exists.
func readResults(path, name string) (*results, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return &results{source: name}, err
	}
	defer f.Close()
	res := &results{source: name, latency: map[outcome.Outcome][]float64{}}
	dec := vegeta.NewDecoder(f)
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if err == io.EOF {
			break
		}
		if err != nil {
			if res.n == 0 {
				return res, err
			}
			res.truncated = oneLine(err.Error())
			break
		}
		res.n++
		o := attack.Classify(&r)
		res.latency[o] = append(res.latency[o], math.Max(0, r.Latency.Seconds()))
		if r.Code != 0 {
			res.responses++
		}
		if ms := r.Headers.Get(attack.ConnectHeader); ms != "" {
			if v, err := strconv.ParseFloat(ms, 64); err == nil && v >= 0 && !math.IsInf(v, 0) {
				res.connect = append(res.connect, v/1000)
			}
		}
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
