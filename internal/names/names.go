// Package names holds the one rule for the names that become file and
// folder names: a scenario's and a target's name, and a run id. The
// scenario checks them when it loads, loadgen run checks --run-id, and
// the run folder checks the target names it reads back from summary.json,
// so that no name can reach outside its run folder.
package names

import (
	"fmt"
	"regexp"
	"time"
)

// MaxLen is the longest name, in bytes: a target's longest file name,
// name.shard-NNN.bin.partial, stays far below the 255 bytes a file name
// may have.
const MaxLen = 100

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9._-]+$`)
	runIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// Check checks a scenario's or a target's name: [a-z0-9._-]+, neither
// "." nor "..", at most MaxLen bytes. It also names Prometheus label
// values and compose services, hence the lower case.
func Check(name string) error {
	return check(name, nameRE, "[a-z0-9._-]+")
}

// CheckRunID checks a run id: the alphabet of names plus capitals, which
// the default id's time stamp (20261201T150405Z) uses.
func CheckRunID(id string) error {
	return check(id, runIDRE, "[A-Za-z0-9._-]+")
}

// DefaultRunID is the run id of a run of scenario started at t, when none
// is given: seed-20261201T150405Z.
func DefaultRunID(scenario string, t time.Time) string {
	return scenario + "-" + t.UTC().Format("20060102T150405Z")
}

func check(name string, re *regexp.Regexp, alphabet string) error {
	switch {
	case name == "":
		return fmt.Errorf("required")
	case len(name) > MaxLen:
		return fmt.Errorf("at most %d characters (it is used in file names), got %d", MaxLen, len(name))
	case !re.MatchString(name):
		return fmt.Errorf("must match %s (it is used in file names), got %q", alphabet, name)
	case name == "." || name == "..":
		return fmt.Errorf("must not be %q, which names a folder, not a file", name)
	}
	return nil
}
