// Package kernelview reads, without privileges, what the Linux kernel knows
// about a TCP server that exposes no metrics of its own: its listening
// socket's accept queue and backlog, its connections by TCP state, and the
// threads, processes and memory of the processes that serve it.
//
// # Sockets: sock_diag netlink
//
// A Probe holds one NETLINK_SOCK_DIAG socket (internal/sockdiag) and asks the kernel for every
// TCP socket, IPv4 and IPv6, whose LOCAL port is the server's port
// (SOCK_DIAG_BY_FAMILY with an inet_diag bytecode filter sport >= P && sport
// <= P, the filter `ss state all sport = :P` uses). This is what `ss -tan`
// reads; it needs no capability, and inside a container it sees the
// container's own network namespace. Selecting by local port keeps the
// server's side of each connection and leaves out the client's side, even
// when client and server share the host, as in the lab.
//
// For a socket in LISTEN state, inet_diag reports the accept-queue length in
// idiag_rqueue and the backlog in force in idiag_wqueue (ss's Recv-Q and
// Send-Q; the same pair TCP_INFO gives as tcpi_unacked/tcpi_sacked). The
// queue holds backlog+1 connections. The other sockets of the port are the
// server's connections: ESTABLISHED ones include those still waiting in the
// accept queue, because a connection is ESTABLISHED from the moment the
// handshake ends, before accept(2). So
//
//	accepted and open = Established + CloseWait − AcceptQueue
//
// (CLOSE_WAIT: the client hung up and the server has not closed yet; a
// connection whose client gave up while it waited in the accept queue is
// one of them). SYN-RECV counts handshakes in progress (request sockets);
// on loopback they last microseconds, so a sample rarely sees one.
//
// # Processes: /proc
//
// ReadTree sums, over a set of root processes and all their descendants,
// the number of processes and threads (/proc/PID/stat num_threads), the
// resident set (RSS, which counts a page shared by forked workers once per
// process) and the proportional set size (Pss from /proc/PID/smaps_rollup,
// which divides shared pages among their sharers; 0 where unreadable).
// ListenerPIDs finds the processes that hold a listening socket by its
// inode, by reading the /proc/PID/fd links, so a server can be watched
// without knowing its pid: every process that holds the socket (a prefork
// server's master and workers alike) and its descendants.
//
// # Other systems
//
// sock_diag and /proc are Linux's: elsewhere Open and Read fail with an
// error that wraps sysinfo.ErrNotOnThisOS (socket_other.go), so a url or
// command target cannot be watched there (docs/macos.md).
//
// # Limits
//
// A sample is a snapshot: a connection that lives between two samples is not
// seen, and the counts of one sample are read in one dump, not atomically
// across the port. The /proc walk reads each process once; a process
// that ends during the walk is skipped.
package kernelview
