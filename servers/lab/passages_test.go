package lab

import (
	"slices"
	"testing"

	"github.com/conclab/conclab/internal/adminapi"
)

// Keeping three, the fifth passage takes the place of the first and the
// sixth of the second: the newest three stay, two are counted dropped, and
// since keeps those that reached the gate at or after it, oldest first.
func TestPassagesKeepTheNewestAndAnswerThoseSinceAnInstant(t *testing.T) {
	p := &Passages{limit: 3}
	for i := range int64(5) {
		p.Keep(adminapi.Passage{ID: string(rune('a' + i)), Arrived: 10 * (i + 1)})
	}
	ids := func(ps adminapi.Passages) []string {
		var out []string
		for _, q := range ps.Passages {
			out = append(out, q.ID)
		}
		return out
	}
	if got := p.since(0); !slices.Equal(ids(got), []string{"c", "d", "e"}) || got.Dropped != 2 {
		t.Errorf("since 0: %v, %d dropped; want [c d e], 2", ids(got), got.Dropped)
	}
	if got := p.since(40); !slices.Equal(ids(got), []string{"d", "e"}) {
		t.Errorf("since 40: %v, want [d e]", ids(got))
	}
	if got := (&Passages{}).since(0); got.Passages == nil || len(got.Passages) != 0 {
		t.Errorf("none kept: %+v, want an empty list", got)
	}
}
