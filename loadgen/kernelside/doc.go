// Package kernelside measures a target from the kernel side: a server
// without conclab's metrics (a url or command target with no admin URL), or
// a labserver whose admin endpoint the scenario ignores (admin: none).
//
// At each sample of the timeline, a [Side] reads the server side of the
// target's port through sock_diag netlink (accept queue, backlog,
// connections by state), the watched processes from /proc (threads,
// processes, RSS, PSS) and the namespace's ListenOverflows. After the run
// it rebuilds running and waiting requests from the client's records
// (loadgen/reconstruct), given the known service time, splits the waiting
// into the kernel's accept queue and the app, fills the timeline's server
// columns from both, and gives the kernel-only figures for
// <target>.kernel.csv.
package kernelside
