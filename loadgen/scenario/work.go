package scenario

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/conclab/conclab/loadgen/workload"
)

// The distributions that sleep: and cpu: take (Work.Dist).
const (
	DistExponential = "exponential"
	DistLogNormal   = "lognormal"
	DistMix         = "mix"
)

// Work is one kind of handler work per request, sleep or CPU: the same
// duration for every request (sleep: 10ms), or a distribution that each
// request draws from before the run (sleep: {dist: exponential, mean:
// 10ms}), or the values of a file (sleep: {file: values.txt}).
type Work struct {
	// Fixed is every request's work when the field is a plain duration.
	Fixed Duration `yaml:"-"`
	// Dist is the distribution: exponential (Mean), lognormal (Median
	// and P99) or mix (Of). "" with File set draws the file's values.
	Dist   string   `yaml:"dist"`
	Mean   Duration `yaml:"mean"`
	Median Duration `yaml:"median"`
	P99    Duration `yaml:"p99"`
	Of     []Part   `yaml:"of"`
	// File holds one duration per line (a Go duration or seconds; blank
	// lines and # comments are skipped); each request draws one of them
	// uniformly. A relative path is read from the scenario's directory,
	// and the resolved scenario names it by its absolute path.
	File string `yaml:"file"`
	// Scale multiplies the file's values: --scale sets it. Default 1.
	Scale float64 `yaml:"scale"`

	values  []time.Duration // File's values, times Scale
	mapping bool            // given as a mapping, which must name dist or file
}

// Part is one component of a mix: drawn with probability Weight over the
// sum of the weights, its work is Sleep in a sleep mix, CPU in a cpu mix.
type Part struct {
	Weight float64 `yaml:"weight"`
	Sleep  *Work   `yaml:"sleep"`
	CPU    *Work   `yaml:"cpu"`
}

// FixedWork is work of d for every request.
func FixedWork(d time.Duration) Work { return Work{Fixed: Duration(d)} }

// Drawn reports whether the work is drawn per request.
func (w *Work) Drawn() bool { return w.Dist != "" || w.File != "" }

// ReadsFile reports whether the work, or a part of its mix, draws from a
// values file: a file that a run on another machine cannot read.
func (w *Work) ReadsFile() bool {
	if w.File != "" {
		return true
	}
	for _, p := range w.Of {
		if (p.Sleep != nil && p.Sleep.ReadsFile()) || (p.CPU != nil && p.CPU.ReadsFile()) {
			return true
		}
	}
	return false
}

// workAlias decodes the mapping form without recursing into UnmarshalYAML.
type workAlias Work

// UnmarshalYAML reads a duration, or a mapping that names a distribution
// or a file.
func (w *Work) UnmarshalYAML(node ast.Node) error {
	if _, ok := unwrap(node).(*ast.MappingNode); ok {
		w.mapping = true
		return yaml.NodeToValue(node, (*workAlias)(w), yaml.DisallowUnknownField(), yaml.AllowDuplicateMapKey(), spanUnmarshaler)
	}
	*w = Work{}
	return w.Fixed.UnmarshalYAML(node)
}

// MarshalYAML writes a fixed work as a duration, else the fields of its
// distribution.
func (w Work) MarshalYAML() (any, error) {
	if !w.Drawn() {
		return w.Fixed, nil
	}
	var m yaml.MapSlice
	add := func(k string, v any) { m = append(m, yaml.MapItem{Key: k, Value: v}) }
	switch w.Dist {
	case DistExponential:
		add("dist", w.Dist)
		add("mean", w.Mean)
	case DistLogNormal:
		add("dist", w.Dist)
		add("median", w.Median)
		add("p99", w.P99)
	case DistMix:
		add("dist", w.Dist)
		parts := make([]yaml.MapSlice, len(w.Of))
		for i, p := range w.Of {
			parts[i] = yaml.MapSlice{{Key: "weight", Value: p.Weight}}
			if p.Sleep != nil {
				parts[i] = append(parts[i], yaml.MapItem{Key: "sleep", Value: *p.Sleep})
			}
			if p.CPU != nil {
				parts[i] = append(parts[i], yaml.MapItem{Key: "cpu", Value: *p.CPU})
			}
		}
		add("of", parts)
	default:
		add("file", w.File)
		add("scale", w.Scale)
	}
	return m, nil
}

// Nominal is the fixed work, or the distribution's mean: what a single
// number says of the work.
func (w *Work) Nominal() time.Duration {
	if d, err := w.dist(""); err == nil && w.Drawn() {
		return d.Mean()
	}
	return time.Duration(w.Fixed)
}

// String describes the work for reports: "800ms", "exponential, mean
// 10ms", "lognormal, median 10ms, p99 1s", "10ms (95 %) or 1s (5 %)
// (mean 59.5ms)", "values of a.txt, mean 12ms".
func (w *Work) String() string {
	switch w.Dist {
	case "":
		if w.File == "" {
			return w.Fixed.String()
		}
		return fmt.Sprintf("values of %s, mean %v", filepath.Base(w.File), w.Nominal())
	case DistExponential:
		return fmt.Sprintf("exponential, mean %v", w.Mean)
	case DistLogNormal:
		return fmt.Sprintf("lognormal, median %v, p99 %v", w.Median, w.P99)
	case DistMix:
		var total float64
		for _, p := range w.Of {
			total += p.Weight
		}
		parts := make([]string, len(w.Of))
		for i, p := range w.Of {
			part := p.Sleep
			if part == nil {
				part = p.CPU
			}
			parts[i] = fmt.Sprintf("%v (%.3g %%)", part, 100*p.Weight/total)
		}
		return fmt.Sprintf("%s (mean %v)", strings.Join(parts, " or "), w.Nominal())
	}
	return w.Dist
}

// kind is "sleep" or "cpu": the key of a mix part's work.
func (w *Work) dist(kind string) (workload.Dist, *problem) {
	switch w.Dist {
	case "":
		if w.File != "" {
			return workload.Values(w.values), nil
		}
		return workload.Fixed(w.Fixed), nil
	case DistExponential:
		return workload.Exponential{MeanWork: time.Duration(w.Mean)}, nil
	case DistLogNormal:
		return workload.LogNormal{Median: time.Duration(w.Median), P99: time.Duration(w.P99)}, nil
	case DistMix:
		mix := make(workload.Mix, len(w.Of))
		for i, p := range w.Of {
			part := p.Sleep
			if kind == "cpu" || part == nil {
				part = p.CPU
			}
			d, pr := part.dist(kind)
			if pr != nil {
				return nil, pr
			}
			mix[i] = workload.Part{Weight: p.Weight, Dist: d}
		}
		return mix, nil
	}
	return nil, problemf("dist", "unknown")
}

// check validates the work at path ("sleep", "cpu", "sleep.of[1].sleep")
// of kind "sleep" or "cpu".
func (w *Work) check(path, kind string) *problem {
	inRange := func(field string, d Duration, positive bool) *problem {
		if d < 0 || d > maxWork || (positive && d == 0) {
			low := ">= 0"
			if positive {
				low = "> 0"
			}
			at := path
			if field != "" {
				at = join(path, field)
			}
			return problemf(at, "must be %s and <= %v, got %v", low, maxWork, d)
		}
		return nil
	}
	if !w.Drawn() {
		if w.mapping {
			return problemf(path, "a mapping must name a distribution (dist: %s, %s or %s) or a values file (file:)",
				DistExponential, DistLogNormal, DistMix)
		}
		return inRange("", w.Fixed, false)
	}
	if w.File != "" && w.Dist != "" {
		return problemf(join(path, "file"), "cannot be combined with dist: the file's values are the distribution")
	}
	switch w.Dist {
	case "", DistExponential, DistLogNormal, DistMix:
	default:
		return problemf(join(path, "dist"), "unknown distribution %s; valid: %s, %s, %s (or file: for a values file)",
			quote(w.Dist), DistExponential, DistLogNormal, DistMix)
	}
	if p := w.checkUnused(path); p != nil {
		return p
	}
	switch w.Dist {
	case "":
		if w.Scale <= 0 || math.IsInf(w.Scale, 0) || math.IsNaN(w.Scale) {
			return problemf(join(path, "scale"), "must be > 0, got %s", formatFloat(w.Scale))
		}
		return nil
	case DistExponential:
		return inRange("mean", w.Mean, true)
	case DistLogNormal:
		if p := inRange("median", w.Median, true); p != nil {
			return p
		}
		if w.P99 <= w.Median || w.P99 > maxWork {
			return problemf(join(path, "p99"), "must be above the median (%v) and <= %v, got %v; a work with no spread is a plain duration",
				w.Median, maxWork, w.P99)
		}
		l := workload.LogNormal{Median: time.Duration(w.Median), P99: time.Duration(w.P99)}
		if mean := float64(w.Median) * math.Exp(l.Sigma()*l.Sigma()/2); mean > float64(maxWork) {
			return problemf(join(path, "p99"), "too far above the median (%v): the mean would be %.3g hours, more than %v",
				w.Median, mean/float64(time.Hour), maxWork)
		}
		return nil
	}
	return w.checkMix(path, kind)
}

// maxWeight bounds a mix part's weight, so that their sum stays finite.
const maxWeight = 1e9

// checkUnused reports a field that the work's distribution does not take:
// a p99 given to an exponential would otherwise be silently ignored.
func (w *Work) checkUnused(path string) *problem {
	takes := map[string][]string{DistExponential: {"mean"}, DistLogNormal: {"median", "p99"}, DistMix: {"of"}, "": {"scale"}}[w.Dist]
	what := "dist: " + w.Dist
	if w.Dist == "" {
		what = "a values file"
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"mean", w.Mean != 0}, {"median", w.Median != 0}, {"p99", w.P99 != 0}, {"of", len(w.Of) > 0}, {"scale", w.File == "" && w.Scale != 0}} {
		if f.set && !slices.Contains(takes, f.name) {
			return problemf(join(path, f.name), "not used by %s", what)
		}
	}
	return nil
}

// checkMix validates a mix's parts.
func (w *Work) checkMix(path, kind string) *problem {
	if len(w.Of) == 0 {
		return problemf(join(path, "of"), "must list at least one part, {weight: W, %s: WORK}", kind)
	}
	for i, p := range w.Of {
		at := fmt.Sprintf("%s.of[%d]", path, i)
		if !(p.Weight > 0) || p.Weight > maxWeight {
			return problemf(at+".weight", "must be > 0 and <= %s, got %s", formatFloat(maxWeight), formatFloat(p.Weight))
		}
		own, other, otherKey := p.Sleep, p.CPU, "cpu"
		if kind == "cpu" {
			own, other, otherKey = p.CPU, p.Sleep, "sleep"
		}
		if other != nil {
			return problemf(at+"."+otherKey, "not in a %s mix: give the part's work as %s", kind, kind)
		}
		if own == nil {
			return problemf(at+"."+kind, "required: the part's work")
		}
		if pr := own.check(at+"."+kind, kind); pr != nil {
			return pr
		}
	}
	return nil
}

// load reads the values file of every work in w that names one, relative
// to dir, and records its absolute path.
// given reports whether a field was in the document: a scale left out is
// 1, one given as 0 is an error.
func (w *Work) load(path, dir string, given func(path string) bool) *problem {
	for i := range w.Of {
		for _, part := range []struct {
			key  string
			work *Work
		}{{"sleep", w.Of[i].Sleep}, {"cpu", w.Of[i].CPU}} {
			if part.work != nil {
				if pr := part.work.load(fmt.Sprintf("%s.of[%d].%s", path, i, part.key), dir, given); pr != nil {
					return pr
				}
			}
		}
	}
	if w.File == "" {
		return nil
	}
	if !given(join(path, "scale")) {
		w.Scale = 1
	}
	if !(w.Scale > 0) || math.IsInf(w.Scale, 0) {
		return problemf(join(path, "scale"), "must be > 0, got %s", formatFloat(w.Scale))
	}
	file := w.File
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return problemf(join(path, "file"), "%v", err)
	}
	values, err := readValues(abs)
	if err != nil {
		return problemf(join(path, "file"), "%v", err)
	}
	w.File, w.values = abs, values
	return w.scaleValues(path)
}

// scaleValues sets values to the file's values times Scale.
func (w *Work) scaleValues(path string) *problem {
	if w.Scale == 1 || w.Scale <= 0 {
		return nil
	}
	for i, v := range w.values {
		s, ok := scaleNanos(float64(v), w.Scale)
		if !ok {
			return problemf(join(path, "scale"), "value %v is out of range once scaled", v)
		}
		w.values[i] = s
	}
	return nil
}

// maxValues bounds a values file's values, and maxValuesSize its size.
const (
	maxValues     = 1_000_000
	maxValuesSize = 32 << 20
)

// readValues reads a values file: one duration per line. It must be a
// regular file (not /dev/zero, not a pipe) of at most maxValuesSize bytes.
func readValues(path string) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", filepath.Base(path))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxValuesSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxValuesSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", filepath.Base(path), maxValuesSize)
	}
	var values []time.Duration
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		d, ok := parseValue(text)
		if !ok {
			return nil, fmt.Errorf("%s:%d: must be a duration >= 0 like \"12ms\", or a number of seconds, got %s",
				filepath.Base(path), line, quote(truncate(text)))
		}
		if values = append(values, d); len(values) > maxValues {
			return nil, fmt.Errorf("%s: more than %d values", filepath.Base(path), maxValues)
		}
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%s: holds no durations", filepath.Base(path))
	}
	return values, nil
}

// parseValue reads one line of a values file: a Go duration or a number
// of seconds, from 0 to maxWork.
func parseValue(text string) (time.Duration, bool) {
	d, err := time.ParseDuration(text)
	if err != nil {
		secs, ferr := strconv.ParseFloat(text, 64)
		var ok bool
		if d, ok = secondsToNanos(secs); ferr != nil || !ok {
			return 0, false
		}
	}
	return d, d >= 0 && Duration(d) <= maxWork
}

// scaled multiplies every duration of the work by f.
func (w *Work) scaled(f float64, scale func(path string, d *Duration), path string) {
	scale(path, &w.Fixed)
	scale(join(path, "mean"), &w.Mean)
	scale(join(path, "median"), &w.Median)
	scale(join(path, "p99"), &w.P99)
	if w.File != "" {
		w.values = slices.Clone(w.values)
		w.Scale *= f
		for i, v := range w.values {
			d := Duration(v)
			scale(join(path, "file"), &d)
			w.values[i] = time.Duration(d)
		}
	}
	w.Of = slices.Clone(w.Of)
	for i := range w.Of {
		p := &w.Of[i]
		if p.Sleep != nil {
			c := *p.Sleep
			c.scaled(f, scale, fmt.Sprintf("%s.of[%d].sleep", path, i))
			p.Sleep = &c
		}
		if p.CPU != nil {
			c := *p.CPU
			c.scaled(f, scale, fmt.Sprintf("%s.of[%d].cpu", path, i))
			p.CPU = &c
		}
	}
}
