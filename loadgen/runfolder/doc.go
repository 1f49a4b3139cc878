// Package runfolder is a run's folder, results/<run_id>/: where each file
// goes, and the codec of each format. loadgen run writes the folder,
// loadgen report and compare read it, and so do the Docker backfill and
// the Python comparison.
//
// # Layout
//
// A run folder holds the resolved scenario ([ScenarioFile]),
// [SummaryFile], the report ([ReportMarkdown], [ReportHTML] and the
// [ChartsDir] folder), and for each target:
//
//   - <target>.bin: every result, vegeta's gob encoding, which
//     `vegeta report` reads;
//   - <target>.timeline.csv: the sampled server and client gauges;
//   - <target>.predicted.csv: the prediction's series of the same gauges;
//   - <target>.band.csv: each gauge's predicted range over the replicas;
//   - <target>.kernel.csv: the kernel-side figures of a target measured
//     from the kernel side, when it is one.
//
// # Formats
//
// Each format has its reader and its writer side by side, in one file:
// [WriteTimeline] and [ReadTimeline], [WriteSeries] and [ReadSeries],
// [WriteBand] and [ReadBand],
// [WriteKernel] and [ReadKernel], [WriteSummary] and [ReadSummary], and
// [BinWriter] with [ReadBin]. A CSV's first line is its header; an empty
// cell is a value that is unknown (NaN in the timeline).
//
// # Writing
//
// Every file is written whole and renamed into place ([Folder] methods
// use internal/atomicfile), so a reader never sees half a file. The .bin
// is the exception: it grows as results arrive, as <target>.bin.partial,
// flushed at least once a second, and is renamed when the run ends, so
// that a killed loadgen still leaves its results readable.
package runfolder
