package launch

import (
	"bufio"
	"io"
	"os/exec"
)

// StartWorker runs `loadgen worker` (bin with args) and calls onLine with
// each line the worker prints on stdout. done is closed once the worker
// has ended and every line was handled.
func StartWorker(bin string, args []string, onLine func([]byte)) (p *Process, done <-chan struct{}, err error) {
	// Not StdoutPipe: Start waits for the process at once, and Wait would
	// close such a pipe before its last lines were read. Wait finishes
	// copying into an io.Pipe first.
	pr, pw := io.Pipe()
	cmd := exec.Command(bin, args...)
	cmd.Stdout = pw
	if p, err = Start(cmd); err != nil {
		pw.Close()
		return nil, nil, err
	}
	go func() {
		<-p.Exited()
		pw.Close()
	}()
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			onLine(sc.Bytes())
		}
		_, _ = io.Copy(io.Discard, pr) // a line too long for the scanner must not block the worker
	}()
	return p, lines, nil
}
