// Package sweep runs one scenario at several offered rates and condenses
// the runs into the curves an engineer chooses a setting from: goodput,
// the ok requests' p50 and p99 latency, and the shares rejected and timed
// out, each against the offered rate, measured at the swept rates and
// predicted over the whole range, with each target's knee.
//
// # Folder
//
// A sweep folder holds one normal run folder per rate (rate-50, rate-100,
// …), and sweep.json, sweep.md and the charts that the report package
// draws from it.
//
// # Knee
//
// A target's knee is the highest offered rate at which its goodput stays
// within 5 % of the offered rate: every rate up to it keeps goodput >=
// 0.95 × offered. The measured knee is the highest swept rate that does;
// the predicted knee is found on the central simulation, over a fine grid
// of rates and then by bisection, to 0.1 % of the rate.
package sweep
