package runfolder

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/conclab/conclab/internal/atomicfile"
	"github.com/conclab/conclab/loadgen/verdict"
)

// WriteRecord writes a target's verdict record as gzipped JSON, about
// 70 kB for 1,000 requests.
func WriteRecord(w io.Writer, rec verdict.Record) error {
	zw := gzip.NewWriter(w)
	if err := json.NewEncoder(zw).Encode(rec); err != nil {
		return err
	}
	return zw.Close()
}

// ReadRecord reads a record written by WriteRecord.
func ReadRecord(r io.Reader) (verdict.Record, error) {
	var rec verdict.Record
	zr, err := gzip.NewReader(r)
	if err != nil {
		return rec, err
	}
	defer zr.Close()
	if err := json.NewDecoder(zr).Decode(&rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// WriteRecord writes the target's verdict record atomically.
func (f Folder) WriteRecord(target string, rec verdict.Record) error {
	return atomicfile.Write(f.Record(target), func(w io.Writer) error { return WriteRecord(w, rec) })
}

// ReadRecord reads the target's verdict record.
func (f Folder) ReadRecord(target string) (verdict.Record, error) {
	file, err := os.Open(f.Record(target))
	if err != nil {
		return verdict.Record{}, err
	}
	defer file.Close()
	rec, err := ReadRecord(file)
	if err != nil {
		return rec, fmt.Errorf("%s: %w", f.Record(target), err)
	}
	return rec, nil
}
