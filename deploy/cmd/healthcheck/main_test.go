package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer bad.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	for _, tc := range []struct {
		url  string
		want int
	}{
		{ok.URL, 0},
		{bad.URL, 1},
		{closedURL, 1},
		{"::not a url", 1},
	} {
		if got := check(tc.url, time.Second, io.Discard); got != tc.want {
			t.Errorf("check(%q) = %d, want %d", tc.url, got, tc.want)
		}
	}
}
