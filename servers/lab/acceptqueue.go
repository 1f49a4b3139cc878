package lab

// AcceptQueue is the kernel's view of a listening socket.
type AcceptQueue struct {
	Length int // connections that finished the handshake and wait for accept(2)
	Limit  int // the backlog in force; the queue holds Limit+1 entries on Linux
}
