package catalog

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestModelNamesAreUniqueAndFound(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Models {
		if m.Name == "" || seen[m.Name] {
			t.Errorf("model name %q is empty or repeated", m.Name)
		}
		seen[m.Name] = true
		if got, ok := Lookup(m.Name); !ok || got.Name != m.Name {
			t.Errorf("Lookup(%q) = %v, %v", m.Name, got.Name, ok)
		}
		if m.Discipline.String() == "unknown discipline" {
			t.Errorf("model %s has no discipline", m.Name)
		}
	}
	if _, ok := Lookup("nosuch"); ok {
		t.Error("Lookup found a model that is not in the catalogue")
	}
}

func TestAModelWithALimitHasADefaultLimitAndNoOtherDoes(t *testing.T) {
	for _, m := range Models {
		if m.Uses(Limit) != (m.DefaultLimit > 0) {
			t.Errorf("model %s: uses limit %v, default limit %d", m.Name, m.Uses(Limit), m.DefaultLimit)
		}
	}
}

func TestEveryKnobIsUsedAndSpelledOnce(t *testing.T) {
	flags, fields := map[string]bool{}, map[string]bool{}
	for _, k := range Knobs {
		if flags[k.Flag] || fields[k.Field] {
			t.Errorf("knob %s/%s is spelled twice", k.Flag, k.Field)
		}
		flags[k.Flag], fields[k.Field] = true, true
		if len(UsingKnob(k)) == 0 {
			t.Errorf("no model uses knob %s", k.Flag)
		}
	}
	if got := UsingKnob(Limit); !slices.Contains(got, Semaphore.Name) || slices.Contains(got, Pool.Name) {
		t.Errorf("UsingKnob(Limit) = %v: want semaphore in it, and not pool", got)
	}
}

// TestTheModelsReferenceIsTheCatalogues keeps docs/models.md's tables the
// catalogue's. UPDATE_DOCS=1 rewrites them.
func TestTheModelsReferenceIsTheCatalogues(t *testing.T) {
	const path = "../../docs/models.md"
	const begin, end = "<!-- catalog:begin -->\n", "<!-- catalog:end -->"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q ... %q section", path, strings.TrimSpace(begin), end)
	}
	want := doc[:i+len(begin)] + Markdown() + doc[j:]
	if want == doc {
		return
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from the catalogue; run UPDATE_DOCS=1 go test ./internal/catalog", path)
}

func TestAKnobsSpellingsComeFromItsSettingsField(t *testing.T) {
	for _, c := range []struct {
		k                         Knob
		name, field, flag, config string
		kind                      Kind
	}{
		{Limit, "Limit", "limit", "limit", "limit", Count},
		{QueueTimeout, "QueueTimeout", "queue_timeout", "queue-timeout", "queue_timeout_s", Span},
		{Order, "Order", "order", "order", "order", Choice},
		{PoolKeepAlive, "PoolKeepAlive", "pool_keepalive", "pool-keepalive", "pool_keepalive_s", Span},
	} {
		if c.k.Name != c.name || c.k.Field != c.field || c.k.Flag != c.flag || c.k.ConfigKey() != c.config || c.k.Kind != c.kind {
			t.Errorf("knob %s: %s %s %s %s %d, want %s %s %s %s %d", c.name, c.k.Name, c.k.Field, c.k.Flag,
				c.k.ConfigKey(), c.k.Kind, c.name, c.field, c.flag, c.config, c.kind)
		}
	}
}

func TestResolveFillsDefaultsChecksAndDerives(t *testing.T) {
	given := func(names ...string) func(Knob) bool {
		return func(k Knob) bool { return slices.Contains(names, k.Field) }
	}
	s := Settings{Core: 4}
	if err := Pool.Resolve(&s, given("core")); err != nil {
		t.Fatal(err)
	}
	want := Settings{Queue: Unbounded, Order: OrderFIFO, Core: 4, Max: 4, Policy: PolicyAbort, PoolKeepAlive: DefaultPoolKeepAlive}
	if s != want {
		t.Errorf("resolved pool %+v, want %+v", s, want)
	}
	for _, c := range []struct {
		model Model
		s     Settings
		given []string
		want  string
	}{
		{Pool, Settings{}, nil, "core: required for model pool: must be >= 1"},
		{Pool, Settings{Core: 4, Max: 2}, []string{"core", "max"}, "max: must be >= core (4), got 2"},
		{Semaphore, Settings{Limit: 0}, []string{"limit"}, "limit: must be >= 1, got 0"},
		{Semaphore, Settings{Queue: -2}, []string{"queue"}, "queue: must be >= -1 (-1 = unbounded, 0 = no queue), got -2"},
		{Semaphore, Settings{Order: "random"}, []string{"order"}, `order: unknown order "random": one of fifo, lifo`},
		{Semaphore, Settings{QueueTimeout: -1}, []string{"queue_timeout"}, "queue_timeout: must be >= 0, got -1ns"},
	} {
		s := c.s
		err := c.model.Resolve(&s, given(c.given...))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s %+v: %v, want %s", c.model.Name, c.s, err, c.want)
		}
	}
}

// A knob that must be given has an example, and the model takes it.
func TestEveryKnobThatMustBeGivenHasAnExampleTheModelTakes(t *testing.T) {
	for _, m := range Models {
		ex := m.Defaults()
		for _, k := range m.Knobs {
			if k.Check(&ex) != "" {
				if k.Example == nil {
					t.Errorf("model %s: knob %s must be given and has no example", m.Name, k.Field)
					continue
				}
				k.Set(&ex, k.Example)
			}
		}
		if err := m.Check(&ex); err != nil {
			t.Errorf("model %s with its example knobs: %v", m.Name, err)
		}
	}
}
