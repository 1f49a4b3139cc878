// Package catalog is the lab's one list of server models. Every other part
// of conclab derives what it knows about a model from here: labserver's
// --model and its flags, the scenario file's model, like and knob fields,
// the limits /config reports, and the queueing discipline that the
// prediction simulates.
//
// # Models
//
// A [Model] has a name (the value of --model and of a target's model:), a
// one-line summary for --help, the [Knob]s it takes, its default limit, and
// its [Discipline]. Several models may share a discipline: nethttp, gin and
// echo all accept every connection and run it at once.
//
// # Knobs
//
// A knob is a model-specific setting, spelled one way as a labserver flag
// (--queue-timeout) and another as a scenario field (queue_timeout). Setting
// a knob on a model that does not take it is an error in both places.
//
// # Defaults
//
// The defaults that a server applies and a prediction must assume are here
// too: each model's default limit, the pool's keep-alive and rejection
// policy, and [Unbounded] for a queue without a cap.
//
// This package imports nothing of the project's, so that servers, the load
// generator and the simulation can all depend on it.
package catalog
