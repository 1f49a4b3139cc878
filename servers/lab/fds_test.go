package lab

import (
	"os"
	"testing"
)

func TestOpenFDsCountsEachDescriptor(t *testing.T) {
	before, err := OpenFDs()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	during, err := OpenFDs()
	r.Close()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	after, _ := OpenFDs()
	if during != before+2 || after != before {
		t.Errorf("open fds %d, then %d with a pipe open, then %d: want +2 and back", before, during, after)
	}
}
