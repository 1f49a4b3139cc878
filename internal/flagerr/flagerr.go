// Package flagerr makes command-line errors one line that names the flag:
// "--sleep: invalid value "x": parse error". labserver and loadgen both
// answer bad flags this way.
package flagerr

import (
	"fmt"
	"strings"
)

// Error is a bad flag value. Its message names the flag.
type Error struct {
	Flag string // without the dashes
	Err  error  // what is wrong with it
}

func (e *Error) Error() string { return "--" + e.Flag + ": " + e.Err.Error() }

// Unwrap is what is wrong with the flag, so that errors.Is sees the cause.
func (e *Error) Unwrap() error { return e.Err }

// New is an *Error for flag; format may wrap a cause with %w.
func New(flag, format string, args ...any) error {
	return &Error{Flag: flag, Err: fmt.Errorf(format, args...)}
}

// OneLine turns the flag package's messages into an *Error; other errors
// come back unchanged.
func OneLine(err error) error {
	msg := err.Error()
	// "invalid value "x" for flag -sleep: parse error", and for a boolean
	// flag "invalid boolean value "x" for -quick: parse error".
	for _, sep := range []string{" for flag -", " for -"} {
		if i := strings.Index(msg, sep); i >= 0 {
			name, why, _ := strings.Cut(msg[i+len(sep):], ": ")
			return New(name, "%s: %s", strings.TrimSpace(msg[:i]), why)
		}
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return New(name, "unknown flag")
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return New(name, "needs a value")
	}
	return err
}
