package stackfiles

import (
	"archive/tar"
	"bytes"
	"path"
	"time"
)

// tree is one folder to lay on the engine: the folder top and its files,
// owned by uid:gid. As a tar stream extracted at the root of a container
// where top is a mount point, it sets the owner and mode of the mounted
// volume or folder itself as well as of its files: docker cp keeps the
// owners the stream gives.
type tree struct {
	top      string // a name, without slashes
	uid, gid int
	dirMode  int64
	files    []treeFile
}

// treeFile is one file of a tree, readable by its owner only.
type treeFile struct {
	name string
	data []byte
}

// tar returns the tree as a tar stream.
func (t tree) tar(now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	hdr := &tar.Header{Typeflag: tar.TypeDir, Name: t.top + "/", Mode: t.dirMode,
		Uid: t.uid, Gid: t.gid, ModTime: now, Format: tar.FormatPAX}
	if err := w.WriteHeader(hdr); err != nil {
		return nil, err
	}
	for _, f := range t.files {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: path.Join(t.top, f.name), Mode: 0o400,
			Size: int64(len(f.data)), Uid: t.uid, Gid: t.gid, ModTime: now, Format: tar.FormatPAX}
		if err := w.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
