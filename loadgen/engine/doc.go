// Package engine runs a scenario on a Docker engine through its API
// (loadgen run --docker): the engine that DOCKER_HOST names, local or
// remote.
//
// # The stack of a run
//
// A run gets a network of its own. Every embedded target becomes a
// container of the lab image on it, named after the target and configured
// as package container says (its flags, somaxconn, CPUs), hardened as the
// compose stack's are: nobody, no capabilities, a read-only root. loadgen
// itself runs in one more container on that network, as loadgen run
// --services, so that it reaches each server directly, the way a client on
// the server's network does, and not through a published port.
//
// # Files
//
// Nothing is bind-mounted, so a remote engine works as a local one: the
// scenario is copied into the loadgen container's volume before it starts,
// and the run folder is copied back out after it ends.
//
// # Cleanup
//
// Every container and the network carry LabelRun with the run id, and
// loadgen's container LabelRole. They are removed when the run ends, fails
// or is interrupted; and a run first removes what earlier runs that are
// over left behind (a loadgen killed twice), leaving a run that is going
// alone.
//
// # Refusals
//
// Before anything is created, a run is refused with a *BadInput error when
// no engine answers, the image is not on it, a target asks for more CPUs
// than the engine has, or the scenario holds what a container cannot run
// (an external target, a values file, admin: none, a target named like
// loadgen's own container).
package engine
