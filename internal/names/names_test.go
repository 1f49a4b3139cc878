package names

import (
	"strings"
	"testing"
)

func TestNamesThatCouldLeaveTheRunFolderAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, runID string // the same text, checked as both
		wantName    string // "" = accepted
		wantRunID   string
	}{
		{name: "semaphore-40", wantName: "", wantRunID: ""},
		{name: "seed-20261201T150405Z", wantName: `must match [a-z0-9._-]+ (it is used in file names), got "seed-20261201T150405Z"`, wantRunID: ""},
		{name: ".", wantName: `must not be ".", which names a folder, not a file`, wantRunID: `must not be ".", which names a folder, not a file`},
		{name: "..", wantName: `must not be "..", which names a folder, not a file`, wantRunID: `must not be "..", which names a folder, not a file`},
		{name: "../x", wantName: `must match [a-z0-9._-]+ (it is used in file names), got "../x"`, wantRunID: `must match [A-Za-z0-9._-]+ (it is used in file names), got "../x"`},
		{name: "a/b", wantName: `must match [a-z0-9._-]+ (it is used in file names), got "a/b"`, wantRunID: `must match [A-Za-z0-9._-]+ (it is used in file names), got "a/b"`},
		{name: "", wantName: "required", wantRunID: "required"},
		{name: strings.Repeat("a", 100), wantName: "", wantRunID: ""},
		{name: strings.Repeat("a", 101), wantName: "at most 100 characters (it is used in file names), got 101", wantRunID: "at most 100 characters (it is used in file names), got 101"},
	} {
		for _, c := range []struct {
			check func(string) error
			want  string
		}{{Check, tc.wantName}, {CheckRunID, tc.wantRunID}} {
			err := c.check(tc.name)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("%q: got %q, want %q", tc.name, got, c.want)
			}
		}
	}
}
