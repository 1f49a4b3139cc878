// Package rejudge makes a finished run's verdicts again with this build's
// prediction, from what its run folder recorded of each target
// (verdict.Record): after the model learns something, an old run says
// whether it now agrees, without being run again.
//
// # What it reads
//
// The resolved scenario.yaml (the schedule, with its seeds), summary.json
// (each target's measured figures, the kernel's calibration and the host's
// dropped packets) and each target's <name>.record.json.gz, whose server
// config gives the limits again, as this build's catalogue reads it. A
// target without a record (a run by a loadgen before records) or without
// a verdict is listed as not judged again.
//
// # What it writes
//
// Nothing: it returns the summary with the new predictions and verdicts,
// and leaves the folder as the run left it.
package rejudge
