package engine

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/system"

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

// A client program must run in a container of the lab image: a Linux
// executable, static (the image has no C library), for the engine's
// architecture.
func TestAClientProgramThatCannotRunInTheLabImageIsRefused(t *testing.T) {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Skip("no /proc/self/exe here:", err)
	}
	f, err := elf.NewFile(bytes.NewReader(self))
	if err != nil {
		t.Skip("this test binary is not ELF:", err)
	}
	dynamic := false
	for _, p := range f.Progs {
		dynamic = dynamic || p.Type == elf.PT_INTERP
	}
	other := map[elf.Machine]string{elf.EM_X86_64: "aarch64", elf.EM_AARCH64: "x86_64"}[f.Machine]
	own := map[elf.Machine]string{elf.EM_X86_64: "x86_64", elf.EM_AARCH64: "aarch64"}[f.Machine]
	for name, tc := range map[string]struct {
		program []byte
		arch    string
		want    string
	}{
		"a script": {[]byte("#!/bin/sh\necho hi\n"), own, "the client program is not a Linux executable: "},
		"another architecture": {self, other,
			"the client program is built for " + f.Machine.String() + ", and the engine at unix:///x runs " + other},
	} {
		err := checkProgram(system.Info{Architecture: tc.arch}, "unix:///x", tc.program)
		var bad *BadInput
		if !errors.As(err, &bad) || !strings.HasPrefix(bad.Msg, tc.want) {
			t.Errorf("%s: %v, want a BadInput starting %q", name, err, tc.want)
		}
	}
	err = checkProgram(system.Info{Architecture: own}, "unix:///x", self)
	switch {
	case dynamic && (err == nil || !strings.Contains(err.Error(), "dynamically linked")):
		t.Errorf("a dynamic program: %v, want it refused as dynamically linked", err)
	case !dynamic && err != nil:
		t.Errorf("a static program for the engine's architecture: %v, want it taken", err)
	}
}
