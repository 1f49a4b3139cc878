package attack

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/internal/sysinfo"
)

// A process's descriptor table grows by doubling when a new descriptor
// does not fit, and on Linux growing a table that several threads share
// waits for an RCU grace period (expand_files calls synchronize_rcu);
// every other thread that opens a descriptor meanwhile waits for it too.
// In a run of the seed at scale 0.02 (9,000 connections held), each
// doubling held both of loadgen's threads for 8 to 25 ms, and every
// target's sends went out late together (docs/perf.md). So each attack
// makes room for its connections before the first send.

// descriptorSlack is room for what the process opens beside its
// attacks' connections: the samplers' connections, the .bin files, the
// pacers' timerfds.
const descriptorSlack = 256

// maxReserved caps the table an attack grows (1 MiB of pointers): a
// process that holds more grows it further as before.
const maxReserved = 1 << 17

// reserved is what this process's attacks have made room for, all of them
// since it started: an attack that has ended does not give its room back,
// and a table does not shrink anyway.
var reserved struct {
	sync.Mutex
	descriptors int
}

// reserveDescriptors grows this process's descriptor table by n on top of
// what earlier attacks reserved, and descriptorSlack, within the
// open-file limit. It does its best: where the table cannot grow now, it
// grows at the socket that needs it, as it would have.
func reserveDescriptors(n int) {
	reserved.Lock()
	defer reserved.Unlock()
	reserved.descriptors += n
	size := min(reserved.descriptors+descriptorSlack, maxReserved)
	if limit := sysinfo.NoFile(); limit > 0 && uint64(size) > limit {
		size = int(limit)
	}
	growDescriptorTable(size)
}

// growDescriptorTable makes the table hold at least size descriptors: a
// duplicate at descriptor size-1 grows it, and the table keeps its size
// when the duplicate is closed.
func growDescriptorTable(size int) {
	if size < 2 {
		return
	}
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, size-1); err == nil {
		unix.Close(high)
	}
}
