// Package workload builds what one target is sent: the instant of every
// request and the work that each one asks of the handler, worked out up
// front from a seed so that the run and the simulation see the very same
// requests.
//
// It is pure: it reads no clock and no file (a values file is read by the
// scenario that names it), and imports nothing of the project.
//
// # Arrivals
//
// An arrival process places requests on the time line. [Constant] sends
// them one interval apart, as the seed experiment did; [Poisson] draws
// exponential gaps. [Stages] are steps and linear ramps of the rate, like
// k6's ramping-arrival-rate: request k is sent when the expected count of
// arrivals, the integral of the rate, reaches k (constant) or reaches the
// k-th point of a unit-rate Poisson process (poisson), so a ramp is exact
// to the nanosecond and a seeded Poisson ramp replays exactly. A [Burst]
// adds N requests at one instant, on top of the rest.
//
// # Work
//
// A [Dist] draws each request's sleep or CPU work: a constant, an
// exponential, a lognormal given by its median and 99th percentile, a
// weighted mix of these, or the values of a file drawn uniformly. Each
// draw is made once, before the first send; the client puts it in the
// request's query, and the simulation replays it.
//
// # Users
//
// [Users] are a closed population instead of arrivals: each user sends
// its next request a think time after its last one ended, so when they
// send is not known up front. Their requests are numbered iteration by
// iteration, and each one's work is drawn up front all the same.
//
// # Seeds
//
// One seed drives every random part of a scenario. Arrivals, sleeps and
// CPU work draw from their own streams of it ([Stream]), so that changing
// the sleep distribution does not move a single arrival.
package workload
