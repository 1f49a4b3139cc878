// Package shard splits one target's schedule across `loadgen worker`
// processes when one process cannot hold every connection a scenario
// keeps open: a process may have at most RLIMIT_NOFILE descriptors (20,000
// on the lab's machine, and not raisable).
//
// # Sizing
//
// A [Plan] decides, after the prediction, which targets loadgen sends
// itself and how many workers send each of the others, from the
// connections each target keeps open at once ([Held]: its predicted peak of
// client in-flight requests plus a margin, or without a prediction the most
// requests its schedule sends within one client timeout, [Bound]). A run needing more than
// [MaxWorkers] workers is refused with the arithmetic.
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
