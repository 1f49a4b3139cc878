package runfolder

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/internal/names"
	"github.com/conclab/conclab/loadgen/summary"
)

// WriteSummary writes s to path atomically, indented.
func WriteSummary(path string, s *summary.Summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// ReadSummary reads a summary.json.
func ReadSummary(path string) (*summary.Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Readers build file names from the target names: a crafted
	// summary.json must not send them outside the folder.
	for i, t := range s.Targets {
		if err := names.Check(t.Name); err != nil {
			return nil, fmt.Errorf("%s: targets[%d].name: %w", path, i, err)
		}
	}
	return &s, nil
}

// WriteSummary writes the folder's summary.json.
func (f Folder) WriteSummary(s *summary.Summary) error { return WriteSummary(f.Summary(), s) }

// ReadSummary reads the folder's summary.json.
func (f Folder) ReadSummary() (*summary.Summary, error) { return ReadSummary(f.Summary()) }
