// Package ownedtar writes a folder and its files as a tar stream with the
// owner and modes a container needs, for docker cp (the engine API's
// archive upload), which keeps the owners the stream gives.
package ownedtar

import (
	"archive/tar"
	"bytes"
	"path"
	"time"
)

// Tree is one folder to lay into a container: the folder Top and its
// files, owned by UID:GID. Extracted at the root of a container where Top
// is a mount point, it sets the owner and mode of the mounted volume or
// folder itself as well as of its files.
type Tree struct {
	Top      string // a name, without slashes
	UID, GID int
	DirMode  int64
	Files    []File
}

// File is one file of a tree, readable by its owner only, and executable
// by its owner too when Exec is set (a program copied in to run).
type File struct {
	Name string
	Data []byte
	Exec bool
}

// Tar returns the tree as a tar stream, every entry stamped now.
func (t Tree) Tar(now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	hdr := &tar.Header{Typeflag: tar.TypeDir, Name: t.Top + "/", Mode: t.DirMode,
		Uid: t.UID, Gid: t.GID, ModTime: now, Format: tar.FormatPAX}
	if err := w.WriteHeader(hdr); err != nil {
		return nil, err
	}
	for _, f := range t.Files {
		mode := int64(0o400)
		if f.Exec {
			mode = 0o500
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: path.Join(t.Top, f.Name), Mode: mode,
			Size: int64(len(f.Data)), Uid: t.UID, Gid: t.GID, ModTime: now, Format: tar.FormatPAX}
		if err := w.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
