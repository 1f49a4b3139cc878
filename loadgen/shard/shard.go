// Package shard splits one target's schedule across `loadgen worker`
// processes when one process cannot hold every connection a scenario
// keeps open: a process may have at most RLIMIT_NOFILE descriptors (20,000
// on the lab's machine, and not raisable).
//
// # Workers
//
// Worker j of k sends hits j, j+k, j+2k, … of the same schedule, with ids
// and Seq numbered in the whole schedule, writes them to its own .bin, and
// prints its counters as a JSON line every 250 ms ([RunWorker]).
//
// # The parent
//
// [Attack] starts the workers, sums their counters so that progress and
// sampling see one attack, and merges their .bin files into the target's
// in schedule order ([Attack.Merge]).
package shard

import "github.com/conclab/conclab/loadgen/scenario"

// connsPerShard is how many connections one process holds at most; above
// it a target's schedule is split.
const connsPerShard = 9000

// Count is how many worker processes each target's schedule needs; 1
// means loadgen attacks it itself. forced, when above 0, decides.
func Count(s *scenario.Scenario, forced int) int {
	if forced > 0 {
		return forced
	}
	held := s.Requests * len(s.Targets)
	if held <= connsPerShard {
		return 1
	}
	perTarget := (connsPerShard + len(s.Targets) - 1) / len(s.Targets)
	return (s.Requests + perTarget - 1) / perTarget
}
