package sweep

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/conclab/conclab/loadgen/scenario"
)

// maxRates bounds a sweep: each rate is a whole run.
const maxRates = 50

// Rates reads --rates for scenario s and checks that s can run at every
// rate, before any of them runs.
func Rates(s *scenario.Scenario, text string) ([]float64, error) {
	if text == "" {
		return nil, errors.New("--rates: required: a list 50,100,200 or a range FROM:TO:STEP")
	}
	rates, err := ParseRates(text)
	if err != nil {
		return nil, err
	}
	for _, r := range rates {
		if _, err := s.AtRate(r); err != nil {
			return nil, err
		}
	}
	return rates, nil
}

// ParseRates reads --rates: a list "50,100,200", or a range "50:200:50"
// (from, to and step, to included). The rates come back ascending and
// distinct; a bad list is an error that names --rates.
func ParseRates(text string) ([]float64, error) {
	bad := func(format string, args ...any) ([]float64, error) {
		return nil, fmt.Errorf("--rates: "+format, args...)
	}
	var rates []float64
	if from, rest, ok := strings.Cut(text, ":"); ok {
		to, step, ok := strings.Cut(rest, ":")
		if !ok {
			return bad("a range is FROM:TO:STEP, got %q", text)
		}
		f, t, s, err := parse3(from, to, step)
		if err != nil {
			return bad("%v", err)
		}
		if bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }; bad(f) || bad(t) || bad(s) {
			return nil, fmt.Errorf("--rates: FROM, TO and STEP must be numbers, got %q", text)
		}
		if s <= 0 || t < f {
			return bad("a range needs TO >= FROM and STEP > 0, got %q", text)
		}
		if n := math.Floor((t-f)/s+1e-9) + 1; n > maxRates {
			return bad("%q is %.0f rates, more than %d", text, n, maxRates)
		}
		for i := 0; ; i++ {
			r := f + float64(i)*s
			if r > t*(1+1e-9) {
				break
			}
			rates = append(rates, r)
		}
	} else {
		for _, field := range strings.Split(text, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil {
				return bad("%q is not a number", strings.TrimSpace(field))
			}
			rates = append(rates, r)
		}
	}
	for _, r := range rates {
		if !(r > 0) || math.IsInf(r, 0) {
			return bad("every rate must be > 0, got %v", r)
		}
	}
	slices.Sort(rates)
	rates = slices.Compact(rates)
	if len(rates) > maxRates {
		return bad("%d rates, more than %d", len(rates), maxRates)
	}
	return rates, nil
}

func parse3(a, b, c string) (x, y, z float64, err error) {
	vals := make([]float64, 3)
	for i, s := range []string{a, b, c} {
		if vals[i], err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return 0, 0, 0, fmt.Errorf("%q is not a number", strings.TrimSpace(s))
		}
	}
	return vals[0], vals[1], vals[2], nil
}
