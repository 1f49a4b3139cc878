package scenario

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration that unmarshals from a Go duration string
// ("800s", "1m30s", "250ms") or from a bare number of seconds (800, 0.5).
// It marshals as a Go duration string, so a resolved scenario reads back
// unchanged.
type Duration time.Duration

// String returns the duration in time.Duration's format, e.g. "13m20s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes the duration as a Go duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a Go duration string or a number of seconds. On
// failure it returns an error that carries the offending token, which Parse
// turns into a FILE:LINE:COL: FIELD: message line.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	node = unwrap(node)
	switch n := node.(type) {
	case *ast.NullNode:
		*d = 0
		return nil
	case *ast.StringNode:
		v, err := time.ParseDuration(n.Value)
		if err != nil {
			return &nodeError{tok: n.GetToken(), msg: fmt.Sprintf(
				"must be a duration like \"800s\" or \"1m30s\", or a number of seconds, got %s", quote(n.Value))}
		}
		*d = Duration(v)
		return nil
	case *ast.IntegerNode:
		return d.setSeconds(n, n.GetToken().Value)
	case *ast.FloatNode:
		return d.setSeconds(n, n.GetToken().Value)
	}
	return &nodeError{tok: tokenOf(node), msg: "must be a duration like \"800s\" or a number of seconds, got " + describe(node)}
}

// setSeconds sets d from a YAML number of seconds.
func (d *Duration) setSeconds(n ast.ScalarNode, text string) error {
	var secs float64
	switch v := n.GetValue().(type) {
	case int64:
		secs = float64(v)
	case uint64:
		secs = float64(v)
	case float64:
		secs = v
	default:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return &nodeError{tok: n.GetToken(), msg: "must be a duration or a number of seconds, got " + quote(text)}
		}
		secs = f
	}
	ns, ok := secondsToNanos(secs)
	if !ok {
		return &nodeError{tok: n.GetToken(), msg: "duration out of range: " + quote(text) + " seconds"}
	}
	*d = Duration(ns)
	return nil
}

// secondsToNanos converts seconds to a time.Duration, rounding to the
// nearest nanosecond; ok is false for NaN, ±Inf and values that overflow.
func secondsToNanos(secs float64) (time.Duration, bool) {
	return scaleNanos(float64(time.Second), secs)
}

// scaleNanos returns round(ns*f) as a time.Duration; ok is false if the
// result is not finite or does not fit in an int64.
func scaleNanos(ns, f float64) (time.Duration, bool) {
	v := math.Round(ns * f)
	// float64(math.MaxInt64) rounds up to 2^63, which itself overflows.
	if math.IsNaN(v) || v >= float64(math.MaxInt64) || v < float64(math.MinInt64) {
		return 0, false
	}
	return time.Duration(v), true
}
