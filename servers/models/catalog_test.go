package models_test

import (
	"testing"

	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/servers/models"
)

func TestEveryCatalogueModelHasOneImplementationInOrder(t *testing.T) {
	if len(models.All) != len(catalog.Models) {
		t.Fatalf("%d implementations for %d catalogue models", len(models.All), len(catalog.Models))
	}
	for i, spec := range models.All {
		if spec.Name != catalog.Models[i].Name {
			t.Errorf("implementation %d is %q, the catalogue's model %d is %q", i, spec.Name, i, catalog.Models[i].Name)
		}
		if spec.New == nil {
			t.Errorf("model %s has no constructor", spec.Name)
		}
	}
}
