package runfolder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BinWriter writes a target's results as a vegeta .bin. They go to the
// file's Partial path as they come, flushed at least once a second, and
// Close renames the file into place.
type BinWriter struct {
	path    string
	f       *os.File
	buf     *bufio.Writer
	enc     vegeta.Encoder
	err     error
	flushed time.Time
}

// CreateBin starts the .bin at path.
func CreateBin(path string) (*BinWriter, error) {
	f, err := os.Create(Partial(path))
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 256<<10)
	return &BinWriter{path: path, f: f, buf: buf, enc: vegeta.NewEncoder(buf), flushed: time.Now()}, nil
}

// Write appends r. After an error it drops every result, and Close
// returns the error.
func (w *BinWriter) Write(r *vegeta.Result) {
	if w.err != nil {
		return
	}
	w.err = w.enc.Encode(r)
	// A killed loadgen leaves a readable .bin.partial that misses at most
	// a second of results.
	if now := time.Now(); w.err == nil && now.Sub(w.flushed) > time.Second {
		w.err, w.flushed = w.buf.Flush(), now
	}
}

// Close flushes and closes the file, and renames it into place when
// nothing failed.
func (w *BinWriter) Close() error {
	if err := w.closeFile(); err != nil {
		return err
	}
	return os.Rename(Partial(w.path), w.path)
}

// closeFile flushes and closes the file where it is.
func (w *BinWriter) closeFile() error {
	return errors.Join(w.err, w.buf.Flush(), w.f.Sync(), w.f.Close())
}

// Abort closes the file and removes it, for a run that never started.
func (w *BinWriter) Abort() {
	_ = w.f.Close()
	_ = os.Remove(Partial(w.path))
}

// ReadBin calls each for every result of the .bin at path, in file order,
// and returns how many there were. A file that ends in the middle of a
// result (a writer killed mid-write) keeps what came before, and the
// error says why it stopped. The error wraps fs.ErrNotExist when there is
// no file.
func ReadBin(path string, each func(*vegeta.Result)) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	for n := 0; ; n++ {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		each(&r)
	}
}

// MergeBins reads the shards' .bin files, calls each for every result in
// the order of the whole schedule (Seq), and writes them all to out. When
// a shard cannot be read whole, out stays at its Partial path, as a run
// that did not end leaves it, and the shards stay too; otherwise they are
// removed. A shard that never wrote a file adds nothing.
func MergeBins(out string, shards []string, each func(*vegeta.Result)) error {
	var all []*vegeta.Result
	var errs []error
	for _, path := range shards {
		_, err := ReadBin(path, func(r *vegeta.Result) { all = append(all, r) })
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %w", filepath.Base(path), err))
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	w, err := CreateBin(out)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, r := range all {
		each(r)
		w.Write(r)
	}
	if len(errs) > 0 {
		return errors.Join(append(errs, w.closeFile())...)
	}
	if err := w.Close(); err != nil {
		return err
	}
	for _, path := range shards {
		_ = os.Remove(path)
	}
	return nil
}
