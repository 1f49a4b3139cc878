// Package netstat reads the kernel's side of a TCP listener on macOS,
// where no TCP_INFO describes a listening socket: the listen-queue sizes
// of every listener, and the host-wide count of SYNs that found a listen
// queue full. Both come from netstat(1), /usr/sbin/netstat, whose output
// this package parses; the parsers are plain functions over an
// io.Reader, so they are tested on recorded output on any system.
//
// # Listen queues
//
// ReadListenQueues runs `netstat -L -a -n -l -p tcp` (the usual -Lan,
// plus -l so IPv6 hosts are not cut to 16 characters). macOS prints a
// title, a column header and one row a listening socket:
//
//	Current listen queue sizes (qlen/incqlen/maxqlen)
//	Listen         Local Address
//	3/1/128        *.8080
//	0/0/128        127.0.0.1.5000
//	4/0/4          ::1.8080
//	0/0/5          fe80::1%lo0.631
//
// The three counts are qlen, incqlen and maxqlen; see ListenQueue for
// what each holds. The address is host.port, the port after the last
// dot; "*" is any address (or, as a port, an unbound socket). A socket
// bound to [::] that also takes IPv4, Go's default listener, shows as
// "*.PORT". netstat adds Socket and Flowhash columns before the counts
// with -A, and FreeBSD's netstat a Proto column (tcp4, tcp6, tcp46);
// the parser ignores such leading columns. When the socket table changes
// during the read netstat ends with a line such as "Some tcp sockets may
// have been created or deleted", which is skipped.
//
// # Listen queue overflows
//
// ReadListenOverflows runs `netstat -s -p tcp`, a "tcp:" title and one
// indented counter a line, and reads
//
//	tcp:
//		...
//		24010 connection accepts
//		0 bad connection attempt
//		1 listen queue overflow
//		...
//
// which is tcpstat.tcps_listendrop, printed by the format "\t%u listen
// queue overflow%s\n". Newer netstat releases add the "s" only to counts
// above 1 ("0 listen queue overflow"), older ones to every count but 1;
// both are read. xnu increments the counter each time a SYN finds the
// queue at its limit, then may drop an incomplete connection to admit
// that SYN (tcp_dropdropablreq in bsd/netinet/tcp_input.c), so it counts
// overflows, which bound the SYNs actually dropped from above.
//
// # Privileges
//
// Since xnu-4570 (macOS 10.13) the kernel reports every TCP counter as 0
// to a caller that is not root while the sysctl
// net.inet.tcp.disable_access_to_stats is set, and it is set by default;
// the netstat(1) man page says so under -s. ReadListenOverflows checks
// that switch first and returns ErrTCPStatsHidden rather than a zero that
// means nothing. The listen queues need no privilege as far as the
// sources show: xnu's bsd/netinet/in_pcblist.c, which fills them in,
// checks none.
//
// # What is verified
//
// Nothing here has run on a Mac: no Mac was at hand. The formats are
// taken from the netstat sources in Apple's network_cmds
// (netstat.tproj/inet.c and inet6.c, network_cmds-741.100.2 and the
// history before it), the netstat(1) man page, xnu's
// bsd/netinet/tcp_input.c and bsd/kern/uipc_socket2.c, and from outputs
// recorded by others on their machines and published; testdata/README.md
// names each recording's source and which test files were built from the
// printf formats instead. That the sizes match what the kernel holds at
// the moment of reading, that the listen queues need no root, and that
// the privilege check behaves as described on a current macOS are not
// verified.
package netstat
