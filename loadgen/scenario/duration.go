package scenario

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
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
		if v, err := time.ParseDuration(n.Value); err == nil {
			*d = Duration(v)
			return nil
		}
		// The YAML library reads some plain numbers, such as 1e3, as
		// strings; unquoted, they are still a number of seconds.
		if tok := n.GetToken(); tok != nil && tok.Type == token.StringType {
			if secs, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return d.setSeconds(tok, secs)
			}
		}
		return &nodeError{tok: n.GetToken(), msg: durationSyntax + quote(n.Value)}
	case *ast.IntegerNode:
		switch v := n.Value.(type) {
		case int64:
			return d.setSeconds(n.GetToken(), float64(v))
		case uint64:
			return d.setSeconds(n.GetToken(), float64(v))
		}
	case *ast.FloatNode:
		return d.setSeconds(n.GetToken(), n.Value)
	}
	return &nodeError{tok: tokenOf(node), msg: durationSyntax + describe(node)}
}

// durationSyntax starts the message for a value that is not a duration.
const durationSyntax = `must be a duration like "800s" or "1m30s", or a number of seconds, got `

// setSeconds sets d to secs seconds, rounded to the nanosecond.
func (d *Duration) setSeconds(tok *token.Token, secs float64) error {
	ns, ok := secondsToNanos(secs)
	if !ok {
		text := formatFloat(secs)
		if tok != nil {
			text = tok.Value
		}
		return &nodeError{tok: tok, msg: "out of range: " + truncate(text) + " seconds"}
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

// checkSpans reads every time.Duration field of the document (a target's
// knobs, catalog.Settings) the way Duration reads its own, so that a bad
// value is reported at its position; the decoder's spanUnmarshaler then
// reads them again from their text, which has lost its position.
func (x *index) checkSpans() *problem {
	for _, path := range x.order {
		if x.typeAt(path) != reflect.TypeFor[time.Duration]() {
			continue
		}
		var d Duration
		var ne *nodeError
		if err := d.UnmarshalYAML(x.entries[path].node); errors.As(err, &ne) {
			return problemf(path, "%s", ne.msg)
		}
	}
	return nil
}

// spanUnmarshaler decodes a time.Duration field as Duration does, from
// the text of its YAML value.
var spanUnmarshaler = yaml.CustomUnmarshaler[time.Duration](func(d *time.Duration, text []byte) error {
	file, err := parser.ParseBytes(text, 0)
	if err != nil || len(file.Docs) != 1 {
		return fmt.Errorf("%s%q", durationSyntax, text)
	}
	var v Duration
	if err := v.UnmarshalYAML(file.Docs[0].Body); err != nil {
		return err
	}
	*d = time.Duration(v)
	return nil
})
