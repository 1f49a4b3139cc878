package launch

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/conclab/conclab/internal/adminapi"
)

// ChildFDsAtStart estimates what a labserver that this process starts will
// report as fds_at_start: its own, plus what it shares with this process:
// the cgroup files the Go runtime keeps open, and every descriptor without
// close-on-exec, which the child inherits. Go opens everything
// close-on-exec, so those are descriptors this process itself inherited.
// It is 0 where /proc cannot tell.
func ChildFDsAtStart() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	n := adminapi.MinFDsAtStart
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(target, "/sys/fs/cgroup/") {
			n++
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			n++
		}
	}
	return n
}
