// Package runner is `loadgen run`: it orchestrates one run in phases and
// leaves a run folder that an interruption does not lose.
//
// # Phases
//
//  1. prepare: the run folder (loadgen/runfolder) and the resolved
//     scenario in it;
//  2. start: every target at once: a labserver per embedded target, a
//     command target's command (loadgen/launch), or a url; and the
//     kernel-side measurement of those that need it (loadgen/kernelside);
//  3. predict: each target's limits, simulated with the scenario's
//     schedule (loadgen/verdict);
//  4. attack and sample: every target's schedule at once, sent by loadgen
//     or by worker processes (loadgen/shard), every target's gauges
//     sampled (loadgen/sample), progress shown (loadgen/progress), and a
//     checkpoint of the folder every 10 s;
//  5. summarize: the .bin files, timelines and summary.json, with each
//     target's prediction and verdict.
//
// Everything the phases know of one target is in a target value; the run
// value holds what they share.
package runner
