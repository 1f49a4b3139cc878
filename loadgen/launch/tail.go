package launch

import (
	"strings"
	"sync"
)

// tailSize is how much of a child's output a Tail keeps.
const tailSize = 64 << 10

// Tail keeps the last bytes written to it, for error messages about a
// child process. It is safe for concurrent use.
type Tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	// Trim only once twice the tail has piled up, so that a chatty child
	// (an access log) costs a copy per tailSize bytes, not per write.
	if len(t.b) > 2*tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
	return len(p), nil
}

// String is the last tailSize bytes written.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b[max(0, len(t.b)-tailSize):])
}

// LastLine is the last non-empty line written, or "(no output)".
func (t *Tail) LastLine() string { return LastLine(t.String()) }

// LastLine is the last non-empty line of s, or "(no output)".
func LastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	if s == "" {
		return "(no output)"
	}
	return s
}
