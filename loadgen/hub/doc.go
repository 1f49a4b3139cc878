// Package hub lets workers on other machines send a run's schedules:
// `loadgen run --workers remote:N` opens a hub, and N `loadgen worker
// --hub URL` processes (the tasks of a swarm service, under --workers
// swarm:N) join it over HTTP. No file is shared: the scenario goes out in
// the assignment, and the results come back in a stream.
//
// # Shares
//
// Worker K (its slot, 1 to N: a swarm task's slot) sends shard K-1 of N of
// every target's schedule: hits K-1, K-1+N, K-1+2N, …, with ids and Seq
// numbered in the whole schedule, as loadgen's own worker processes do
// (package shard). It holds about an N-th of every target's connections.
//
// # Joining and the start
//
// A worker asks for its Assignment (PathAssignment) until the run hands
// them out, prepares its attacks, opens its stream (PathStream) and says
// it is ready in the stream's first frame. The run waits until every
// worker is ready, or JoinWithin; then it picks one start instant and
// answers every waiting PathStart with it. A worker starts after the
// delay the answer gives, so that machines whose clocks differ still
// start together, and writes its results' timestamps on the
// coordinator's clock.
//
// # Results
//
// The stream is one POST whose body is a gob stream of frames: each
// result as it ends, and the worker's counters every StatusEvery (a quarter
// of the run's sampling period, at most 250 ms), which
// feed the run's progress and its samples of client in-flight requests.
// From the start on, every worker reads its counters on one grid, tick k
// at the start plus k StatusEvery, and the hub adds up each target's as
// of the latest tick that every worker still sending has reported (but
// for one four ticks behind the others, which adds its latest): a
// sum of counters read at different instants can count requests in
// flight that never were at once.
// The hub writes each worker's results into the run folder as the
// target's shard .bin files, which Target.Merge merges into the target's
// .bin in schedule order, as vegeta report reads it.
//
// # Lost workers
//
// A worker that is not ready within JoinWithin (never placed, or unable to
// start or to reach loadgen), that stops before its share is sent
// (SIGTERM), whose stream breaks (it died), or whose stream is silent for
// Silence (its node is gone) is lost: the run goes on
// without it and ends when the others are done. Its share of each
// schedule that has no result is counted per target (Target.Lost, the
// summary's lost), with a note that says why, and the run is not
// complete.
package hub
