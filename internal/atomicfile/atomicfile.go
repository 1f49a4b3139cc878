// Package atomicfile writes a file so that readers see either the old
// content or the whole new one: write to a temporary file in the same
// folder, sync, rename.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write writes path with whatever fill writes, readable by everyone.
func Write(path string, fill func(io.Writer) error) error {
	return write(path, 0o644, fill)
}

// WritePrivate writes data to path, readable and writable by its owner
// only: the file is never readable by others, not even while it is being
// written.
func WritePrivate(path string, data []byte) error {
	return write(path, 0o600, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// write writes path with whatever fill writes, then gives it perm.
// os.CreateTemp makes the temporary file 0600.
func write(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), perm); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteBytes writes data to path atomically.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
