package catalog

import (
	"fmt"
	"strings"
)

// Markdown is the reference of the models and their knobs that
// docs/models.md holds between its catalog markers; a test keeps the two
// the same.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| model | what it is | discipline | knobs | default limit |\n|---|---|---|---|---|\n")
	for _, m := range Models {
		var knobs []string
		for _, k := range m.Knobs {
			knobs = append(knobs, "`"+k.Field+"`")
		}
		limit := "-"
		if m.Uses(Limit) {
			limit = fmt.Sprint(m.DefaultLimit)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", m.Name, m.Summary, m.Discipline, orDash(strings.Join(knobs, ", ")), limit)
	}
	b.WriteString("\n| scenario field | labserver flag | /config key | default | values | models | meaning |\n" +
		"|---|---|---|---|---|---|---|\n")
	for _, k := range Knobs {
		fmt.Fprintf(&b, "| `%s` | `--%s` | `%s` | %s | %s | %s | %s |\n",
			k.Field, k.Flag, k.ConfigKey(), k.defaultText(), k.values(), strings.Join(UsingKnob(k), ", "), k.Help)
	}
	return b.String()
}

// defaultText describes a knob's default, for the reference.
func (k Knob) defaultText() string {
	var s Settings
	switch {
	case k.Field == Limit.Field:
		return "the model's"
	case k.Default != nil:
		k.Set(&s, k.Default)
	case k.Check(&s) != "":
		return "required"
	}
	return k.Format(&s)
}

// values describes the values a knob takes, for the reference.
func (k Knob) values() string {
	switch k.Kind {
	case Count:
		s := fmt.Sprintf("%d to %d", k.Min, MaxCount)
		if k.Means != "" {
			s += " (" + k.Means + ")"
		}
		return s
	case Span:
		return fmt.Sprintf("0 to %v", MaxDuration)
	case Rate:
		return fmt.Sprintf("above 0, up to %v per second", MaxRate)
	case Switch:
		return "true, false"
	}
	return strings.Join(k.Choices, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
