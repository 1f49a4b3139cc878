package fasthttp

import (
	"testing"

	valyala "github.com/valyala/fasthttp"

	"github.com/conclab/conclab/internal/catalog"
)

// The catalogue writes fasthttp's default down so that loadgen and the
// prediction need not import fasthttp; this keeps the two in step.
func TestTheCatalogueKnowsFasthttpsDefaultConcurrency(t *testing.T) {
	if catalog.FastHTTP.DefaultLimit != valyala.DefaultConcurrency {
		t.Errorf("catalog.FastHTTP.DefaultLimit %d, fasthttp.DefaultConcurrency %d",
			catalog.FastHTTP.DefaultLimit, valyala.DefaultConcurrency)
	}
}
