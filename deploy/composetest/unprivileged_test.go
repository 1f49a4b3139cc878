package composetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/conclab/conclab/deploy/internal/deploytest"
)

const labImage = "${CONCLAB_IMAGE:-conclab:local}"

// service returns a service of docker-compose.yml as a plain map, anchors
// and merge keys resolved.
func service(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	m, ok := doc["services"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("docker-compose.yml: no service %s", name)
	}
	return m
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// interpolationDefault is what compose makes of ${VAR:-default} when VAR
// is unset, for every such expression in s.
var interpolationDefault = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

func withDefaults(s string) string { return interpolationDefault.ReplaceAllString(s, "$1") }

// TestEveryContainerOfTheLabImageIsUnprivileged reads docker-compose.yml
// and deploy/Dockerfile and fails when a service of the lab image lacks
// any of: no capabilities, no-new-privileges, a read-only root filesystem,
// a memory limit, a user other than root (by default too).
func TestEveryContainerOfTheLabImageIsUnprivileged(t *testing.T) {
	_, doc := deploytest.Compose(t)
	n := 0
	for _, name := range sortedKeys(doc["services"].(map[string]any)) {
		m := service(t, doc, name)
		if m["image"] != labImage {
			continue
		}
		n++
		if got := strs(m["cap_drop"]); !slices.Equal(got, []string{"ALL"}) {
			t.Errorf("service %s: cap_drop %q, want [ALL]", name, got)
		}
		if got := strs(m["security_opt"]); !slices.Contains(got, "no-new-privileges:true") {
			t.Errorf("service %s: security_opt %q, want no-new-privileges:true", name, got)
		}
		if m["read_only"] != true {
			t.Errorf("service %s: read_only %v, want true", name, m["read_only"])
		}
		if v, ok := m["mem_limit"]; !ok || withDefaults(fmt.Sprint(v)) == "" {
			t.Errorf("service %s: no mem_limit", name)
		}
		// A user in the file, or the image's.
		if u, ok := m["user"]; ok {
			if uid, _, _ := strings.Cut(withDefaults(fmt.Sprint(u)), ":"); uid == "" || uid == "0" || uid == "root" {
				t.Errorf("service %s: user %q runs as root by default", name, u)
			}
		}
	}
	// The 9 servers of the seed, loadgen and config.
	if n != 11 {
		t.Errorf("%d services of the lab image found, want 11", n)
	}
	b, err := os.ReadFile(filepath.Join(deploytest.Root(t), "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	user := regexp.MustCompile(`(?m)^USER\s+(\S+)\s*$`).FindSubmatch(b)
	if user == nil || !regexp.MustCompile(`^[1-9][0-9]*:[1-9][0-9]*$`).Match(user[1]) {
		t.Errorf("deploy/Dockerfile: USER %q, want a numeric uid:gid other than root (FROM scratch has no /etc/passwd)", user)
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
