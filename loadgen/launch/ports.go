package launch

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// pickedPorts are the ports PickPort handed out in this process, never
// handed out twice: targets start at the same time, and the kernel would
// give a port just released to the next asker.
var pickedPorts = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// PickPort asks the kernel for a free loopback port that this process has
// not handed out before.
func PickPort() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		pickedPorts.Lock()
		taken := pickedPorts.m[p]
		pickedPorts.m[p] = true
		pickedPorts.Unlock()
		if !taken {
			return p, nil
		}
	}
	return 0, errors.New("no free loopback port")
}
