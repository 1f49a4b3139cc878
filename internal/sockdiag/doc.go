// Package sockdiag dumps, without privileges, the TCP sockets whose local
// port is a given one, through Linux's sock_diag netlink: what `ss state
// all sport = :P` reads. loadgen's kernelview builds its view of a server
// that exposes no metrics from it, and labserver counts its listener's
// request sockets with it.
//
// # The dump
//
// A Dumper holds one NETLINK_SOCK_DIAG socket. Each Dump asks the kernel,
// for each of the given families, IPv4 first, for every TCP socket in the
// given states whose local port is the port (SOCK_DIAG_BY_FAMILY with an
// inet_diag bytecode filter sport >= P && sport <= P), and hands each
// answer to a function as a Socket. Selecting by local port keeps the server's side of each
// connection and leaves out the client's, even on one host. Inside a
// container it sees the container's own network namespace.
//
// # Request sockets
//
// A handshake that the listener has answered but not completed is a
// request socket, in state SYN_RECV (TCP_NEW_SYN_RECV in the kernel since
// 4.4; StateSynRecv asks for both). The kernel keeps one per handshake
// until its ACK moves it to the accept queue or its SYN-ACK timer drops it,
// and no more than the listen backlog: past that it answers with SYN
// cookies and keeps nothing (docs/kernel.md).
//
// # Other systems
//
// sock_diag is Linux's: elsewhere Open fails with an error that wraps
// sysinfo.ErrNotOnThisOS.
package sockdiag
