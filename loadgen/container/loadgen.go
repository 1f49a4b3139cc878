package container

// LoadgenCPUs is the CPU limit of loadgen's container, where the engine
// has that many: the compose stack's default (CONCLAB_LOADGEN_CPUS) and
// loadgen run --docker's.
const LoadgenCPUs = 2

// LoadgenProcs is the GOMAXPROCS of loadgen in a container that gets cpus
// CPUs and sends to targets targets: a P per target, and at least one per
// CPU. With a P per CPU, a send waits whenever the thread that holds its P
// waits for a CPU, and in a container that happens behind a server's
// thread tens of times a second, so nine targets' sends from two Ps kept
// their schedule worse than from nine (docs/perf.md#a-p-per-target-in-the-container).
// More Ps take no more CPU from the servers there, since the container's
// cgroup weight bounds the client's share however many threads it runs;
// on the host each thread weighs on its own, so natively loadgen keeps
// Go's default.
func LoadgenProcs(cpus, targets int) int {
	return max(cpus, targets)
}
