package sweep

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/conclab/conclab/internal/atomicfile"
)

// Write writes sw to path as indented JSON, atomically.
func Write(path string, sw *Sweep) error {
	b, err := json.MarshalIndent(sw, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if err := atomicfile.WriteBytes(path, append(b, '\n')); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}

// Read reads a sweep.json.
func Read(path string) (*Sweep, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var sw Sweep
	if err := json.Unmarshal(b, &sw); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", path, err)
	}
	return &sw, nil
}
