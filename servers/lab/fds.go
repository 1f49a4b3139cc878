package lab

import "os"

// OpenFDs counts the process's open file descriptors in the folder that
// lists them (fdDir: /proc/self/fd on Linux, /dev/fd elsewhere).
// labserver reports the count at start in /config (fds_at_start): what it
// holds besides connections differs between machines (stdio, the cgroup
// files the Go runtime keeps open for GOMAXPROCS, descriptors inherited
// from the parent), and the fd ceiling is the limit less exactly that.
func OpenFDs() (int, error) {
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		return 0, err
	}
	// ReadDir lists the descriptor it reads the directory through.
	return len(ents) - 1, nil
}
