package dashboards

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// committed is where `make dashboards` writes the JSON.
const committed = "../grafana/dashboards"

// TestCommittedJSONIsGenerated fails when deploy/grafana/dashboards differs
// from what the generator writes: edit this package, then run make
// dashboards.
func TestCommittedJSONIsGenerated(t *testing.T) {
	files, err := All()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		want = append(want, f.Name)
		b, err := Marshal(f.Dashboard)
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(filepath.Join(committed, f.Name))
		if err != nil {
			t.Errorf("%s: %v: run make dashboards", f.Name, err)
			continue
		}
		if !bytes.Equal(old, b) {
			t.Errorf("deploy/grafana/dashboards/%s differs from the generator (deploy/dashboards): run make dashboards\n%s",
				f.Name, firstDifference(old, b))
		}
	}
	// A file the generator no longer writes would still be provisioned.
	entries, err := os.ReadDir(committed)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && !slices.Contains(want, e.Name()) {
			t.Errorf("deploy/grafana/dashboards/%s is not written by the generator: delete it or generate it", e.Name())
		}
	}
}

func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "first difference at line " + strconv.Itoa(i+1) + ":\n  committed: " + x + "\n  generated: " + y
		}
	}
	return ""
}

// TestDashboardsAreWellFormed checks what Grafana would only show at view
// time: unique panel ids and uids, a query in every panel, and no reference
// to a variable the dashboard does not define.
func TestDashboardsAreWellFormed(t *testing.T) {
	files, err := All()
	if err != nil {
		t.Fatal(err)
	}
	builtin := []string{"__range", "__rate_interval", "__interval", "__all"}
	varRef := regexp.MustCompile(`\$\{?(\w+)`)
	uids := map[string]bool{}
	for _, f := range files {
		b, err := Marshal(f.Dashboard)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID    string `json:"uid"`
			Panels []struct {
				ID      int    `json:"id"`
				Type    string `json:"type"`
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
				GridPos struct{ X, W int } `json:"gridPos"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Name  string `json:"name"`
					Query any    `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if uids[d.UID] {
			t.Errorf("%s: uid %s used twice", f.Name, d.UID)
		}
		uids[d.UID] = true
		vars := slices.Clone(builtin)
		for _, v := range d.Templating.List {
			vars = append(vars, v.Name)
		}
		check := func(where, s string) {
			for _, m := range varRef.FindAllStringSubmatch(s, -1) {
				if !slices.Contains(vars, m[1]) {
					t.Errorf("%s: %s: unknown variable $%s in %q", f.Name, where, m[1], s)
				}
			}
		}
		for _, v := range d.Templating.List {
			if s, ok := v.Query.(string); ok {
				check("variable "+v.Name, s)
			}
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			if ids[p.ID] || p.ID == 0 {
				t.Errorf("%s: panel %q: id %d is zero or used twice", f.Name, p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: panel %q overflows the 24-column grid: %+v", f.Name, p.Title, p.GridPos)
			}
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", f.Name, p.Title)
			}
			for _, q := range p.Targets {
				if strings.TrimSpace(q.Expr) == "" {
					t.Errorf("%s: panel %q has an empty query", f.Name, p.Title)
				}
				check("panel "+p.Title, q.Expr)
			}
		}
	}
}

// TestReadmeDescribesEveryPanel: deploy/README.md says what each panel
// answers; a panel added here must be described there too.
func TestReadmeDescribesEveryPanel(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !bytes.Contains(readme, []byte("### "+*f.Dashboard.Title+"\n")) {
			t.Errorf("deploy/README.md has no section ### %s", *f.Dashboard.Title)
		}
		for _, p := range f.Dashboard.Panels {
			if p.Panel == nil || p.Panel.Title == nil {
				continue // rows
			}
			if !bytes.Contains(readme, []byte("| "+*p.Panel.Title+" |")) {
				t.Errorf("deploy/README.md does not describe panel %q of %s", *p.Panel.Title, f.Name)
			}
		}
	}
}
