package runfolder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/internal/names"
)

// The folder's own files.
const (
	ScenarioFile   = "scenario.yaml"
	SummaryFile    = "summary.json"
	ReportMarkdown = "report.md"
	ReportHTML     = "report.html"
	ChartsDir      = "charts"
)

// The endings of a target's files, after its name.
const (
	binSuffix       = ".bin"
	timelineSuffix  = ".timeline.csv"
	predictedSuffix = ".predicted.csv"
	bandSuffix      = ".band.csv"
	kernelSuffix    = ".kernel.csv"
	recordSuffix    = ".record.json.gz"
	partialSuffix   = ".partial"
)

// Folder is the path of one run folder.
type Folder string

// Path is name inside the folder.
func (f Folder) Path(name string) string { return filepath.Join(string(f), name) }

// Scenario is the resolved scenario's path.
func (f Folder) Scenario() string { return f.Path(ScenarioFile) }

// Summary is summary.json's path.
func (f Folder) Summary() string { return f.Path(SummaryFile) }

// Bin is the path of the target's results.
func (f Folder) Bin(target string) string { return f.Path(target + binSuffix) }

// Shard is the path of shard j's results, before they are merged into Bin.
func (f Folder) Shard(target string, j int) string {
	return f.Path(fmt.Sprintf("%s.shard-%d%s", target, j, binSuffix))
}

// Timeline is the path of the target's sampled gauges.
func (f Folder) Timeline(target string) string { return f.Path(target + timelineSuffix) }

// Predicted is the path of the target's predicted series.
func (f Folder) Predicted(target string) string { return f.Path(target + predictedSuffix) }

// Band is the path of the target's predicted band: each gauge's range
// over the replicas.
func (f Folder) Band(target string) string { return f.Path(target + bandSuffix) }

// Kernel is the path of the target's kernel-side figures.
func (f Folder) Kernel(target string) string { return f.Path(target + kernelSuffix) }

// Record is the path of the target's verdict record (verdict.Record):
// what loadgen judge needs to judge the target again.
func (f Folder) Record(target string) string { return f.Path(target + recordSuffix) }

// Partial is where the file at path grows until it is complete.
func Partial(path string) string { return path + partialSuffix }

// Create makes root/runID, or root/runID-2, -3… when it exists, and
// returns it. The run id must pass names.CheckRunID: it cannot name a
// folder outside root.
func Create(root, runID string) (Folder, error) {
	if err := names.CheckRunID(runID); err != nil {
		return "", fmt.Errorf("run id: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	for i := 1; i < 100; i++ {
		dir := filepath.Join(root, runID)
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return Folder(dir), nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("too many runs named %s in %s", runID, root)
}

// WriteScenario writes the resolved scenario, as scenario.Marshal gives it;
// scenario.Load reads it back.
func (f Folder) WriteScenario(resolved []byte) error {
	return atomicfile.WriteBytes(f.Scenario(), resolved)
}
