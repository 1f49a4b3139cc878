package scenario

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics (not even inside the YAML
// library, whose panics Parse would report as an error), that its errors
// are one line starting with the file name, and that whatever it accepts
// survives Marshal → Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, path := range shipped(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "- a\n- b\n", "\xff\x00", valid, valid + "bogus: 1\n", valid + "    limit: 1.5\n",
		"a: &a [x,x]\nb: &b [*a,*a]\n", "targets: &t [*t]\n", valid + "  - <<: {model: pool, core: 1}\n    name: p\n",
		"name: t\nrequests: 1e400\nrate: .nan\n", "targets: !0 0", "a: &a {<<: *a}\n", "{name: t, requests: 3, rate: 1, targets: [{name: x, url: 'http://h/'}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error has a line break: %q", msg)
			}
			if !strings.HasPrefix(msg, "fuzz.yaml:") {
				t.Fatalf("error does not start with the file name: %q", msg)
			}
			if strings.Contains(msg, "the YAML library failed") {
				t.Fatalf("panic: %s", msg)
			}
			if s != nil {
				t.Fatal("Parse returned a scenario and an error")
			}
			return
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("resolved.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal()) = %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip differs\n got: %+v\nwant: %+v\n%s", back, s, out)
		}
		_, _ = s.Scaled(0.02)
		_ = s.Schedule().LastSend()
	})
}
