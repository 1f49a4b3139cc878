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
	Msg  string
}

func (e *Error) Error() string { return "--" + e.Flag + ": " + e.Msg }

// New is an *Error for flag.
func New(flag, format string, args ...any) error {
	return &Error{Flag: flag, Msg: fmt.Sprintf(format, args...)}
}

// OneLine turns the flag package's messages into an *Error; other errors
// come back unchanged.
func OneLine(err error) error {
	msg := err.Error()
	// "invalid value "x" for flag -sleep: parse error"
	if i := strings.Index(msg, " for flag -"); i >= 0 {
		rest := msg[i+len(" for flag -"):]
		name, why, _ := strings.Cut(rest, ": ")
		return &Error{Flag: name, Msg: strings.TrimSpace(msg[:i]) + ": " + why}
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return &Error{Flag: name, Msg: "unknown flag"}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return &Error{Flag: name, Msg: "needs a value"}
	}
	return err
}
