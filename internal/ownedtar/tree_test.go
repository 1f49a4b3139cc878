package ownedtar

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestATreeIsATarOfItsFolderAndFilesOwnedByItsUser(t *testing.T) {
	tr := Tree{Top: "secrets", UID: 472, GID: 0, DirMode: 0o500,
		Files: []File{{Name: "a", Data: []byte("one\n")}, {Name: "b", Data: []byte("two\n")}, {Name: "run", Data: []byte("#!\n"), Exec: true}}}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b, err := tr.Tar(now)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(bytes.NewReader(b))
	var got []string
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r)
		got = append(got, fmt.Sprintf("%s %c %o %d:%d %q %v", h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, body, h.ModTime.Equal(now)))
	}
	want := []string{
		`secrets/ 5 500 472:0 "" true`,
		`secrets/a 0 400 472:0 "one\n" true`,
		`secrets/b 0 400 472:0 "two\n" true`,
		`secrets/run 0 500 472:0 "#!\n" true`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tar entries\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
