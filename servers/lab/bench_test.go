package lab

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/conclab/conclab/internal/adminapi"
)

// BenchmarkProbeAcceptQueue is one getsockopt(TCP_INFO) on a listener.
func BenchmarkProbeAcceptQueue(b *testing.B) {
	ln, err := Listen("listen", "127.0.0.1:0", 128)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ProbeAcceptQueue(ln); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScrape is one /metrics response: every conclab metric, the Go
// and process collectors, TCP_INFO, /proc/net/netstat, and a sock_diag
// dump once a second.
func BenchmarkScrape(b *testing.B) {
	ln, err := Listen("listen", "127.0.0.1:0", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	m := NewMetrics(ln, map[string]string{"model": "bench"})
	h := adminHandler(m, adminapi.Config{Model: "bench"}, &Passages{})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}
