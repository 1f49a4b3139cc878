package engine

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conclab/conclab/loadgen/scenario"
)

func tarOf(t *testing.T, entries ...tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, h := range entries {
		if err := w.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			_, _ = w.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTheRunFolderComesBackAndNothingLandsOutsideIt(t *testing.T) {
	dir := t.TempDir()
	ok := tarOf(t, tar.Header{Typeflag: tar.TypeDir, Name: "run/", Mode: 0o755},
		tar.Header{Typeflag: tar.TypeReg, Name: "run/summary.json", Mode: 0o644, Size: 3})
	if err := extract(bytes.NewReader(ok), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "run", "summary.json")); err != nil || string(b) != "xxx" {
		t.Errorf("run/summary.json: %q, %v", b, err)
	}
	for name, h := range map[string]tar.Header{
		"a parent":  {Typeflag: tar.TypeReg, Name: "../escape", Mode: 0o644, Size: 1},
		"an abs":    {Typeflag: tar.TypeReg, Name: "/etc/escape", Mode: 0o644, Size: 1},
		"a symlink": {Typeflag: tar.TypeSymlink, Name: "run/link", Linkname: "/etc/passwd"},
	} {
		if err := extract(bytes.NewReader(tarOf(t, h)), dir); err == nil {
			t.Errorf("%s (%s): extracted", name, h.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
		t.Error("a file landed outside the folder")
	}
}

func TestTheInboxIsNobodys(t *testing.T) {
	var got []string
	for _, tree := range inbox([]byte("name: x\n")) {
		if tree.UID != 65534 || tree.GID != 65534 {
			t.Errorf("%s: owner %d:%d, want 65534:65534 (nobody, loadgen's user)", tree.Top, tree.UID, tree.GID)
		}
		got = append(got, tree.Top)
		for _, f := range tree.Files {
			got = append(got, tree.Top+"/"+f.Name+"="+string(f.Data))
		}
	}
	if strings.Join(got, " ") != "in in/scenario.yaml=name: x\n results" {
		t.Errorf("inbox holds %q", got)
	}
}

func TestAScenarioThatNeedsThisMachineIsRefused(t *testing.T) {
	values := filepath.Join(t.TempDir(), "values.txt")
	if err := os.WriteFile(values, []byte("10ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{
		"sleep: {dist: mix, of: [{weight: 1, sleep: {file: " + values + "}}]}\ntargets:\n  - {name: a, model: nethttp}\n": "values file",
		"targets:\n  - {name: a, url: \"http://127.0.0.1:1/\"}\n":                                                         "target a is external",
		"targets:\n  - {name: a, model: nethttp, admin: none}\n":                                                          "admin: none",
	} {
		s, err := scenario.Parse("t.yaml", []byte("name: t\nrequests: 1\nrate: 1\n"+doc))
		if err != nil {
			t.Fatal(err)
		}
		err = Runnable(s)
		if _, bad := err.(*BadInput); !bad || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a *BadInput naming %q", doc, err, want)
		}
	}
}
