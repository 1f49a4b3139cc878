package flagerr

import (
	"errors"
	"flag"
	"io"
	"testing"
)

func TestTheFlagPackagesErrorsBecomeOneLineThatNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-sleep", "x"}, `--sleep: invalid value "x": parse error`},
		{[]string{"-nosuch"}, "--nosuch: unknown flag"},
		{[]string{"-sleep"}, "--sleep: needs a value"},
		{[]string{"-quick=maybe"}, `--quick: invalid boolean value "maybe": parse error`},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Duration("sleep", 0, "")
		fs.Bool("quick", false, "")
		err := OneLine(fs.Parse(tc.args))
		var fe *Error
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	other := errors.New("something else")
	if OneLine(other) != other {
		t.Error("an error that is not the flag package's must come back unchanged")
	}
}
