package engine

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/conclab/conclab/internal/ownedtar"
)

// inbox is what the loadgen container's volume gets before it starts: the
// scenario, and an empty results folder, each nobody's, so that loadgen,
// which runs as nobody, reads the one and writes in the other.
func inbox(scenario []byte) []ownedtar.Tree {
	return []ownedtar.Tree{
		{Top: inDir, UID: 65534, GID: 65534, DirMode: 0o500, Files: []ownedtar.File{{Name: scenarioFile, Data: scenario}}},
		{Top: resultsDir, UID: 65534, GID: 65534, DirMode: 0o755},
	}
}

// extract writes the folders and regular files of the tar stream r under
// dir, as the current user. An entry that would land outside dir, or of
// another kind (a link, a device), is refused: the stream comes from a
// container.
func extract(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the run folder's archive: %w", err)
		}
		name := filepath.Clean(filepath.FromSlash(hdr.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("the run folder's archive names %q, outside the folder", hdr.Name)
		}
		path := filepath.Join(dir, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(path, tr); err != nil {
				return err
			}
		default:
			return fmt.Errorf("the run folder's archive holds %q, which is neither a folder nor a file", hdr.Name)
		}
	}
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
