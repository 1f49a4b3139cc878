// Package launch starts and stops the processes a run needs: labservers
// for embedded targets, the shell commands of command targets, and
// `loadgen worker` shards. Each runs in a process group of its own, so
// that a Ctrl-C at the terminal reaches loadgen alone and loadgen stops
// its children in order, and each is killed if loadgen dies.
//
// # Processes
//
// A [Process] keeps the tail of its output for error messages, knows when
// and how it ended, and tells a stop that loadgen asked for from a death
// during the run ([Process.DiedEarly]).
//
// # Ports
//
// Servers listen on loopback ports that [PickPort] asks the kernel for and
// never hands out twice in one loadgen, since targets start at the same
// time.
package launch
