package catalog

import (
	"slices"
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
	if got := UsingKnob(Limit); !slices.Equal(got, []string{"semaphore", "limitlistener", "fasthttp"}) {
		t.Errorf("UsingKnob(Limit) = %v", got)
	}
}
