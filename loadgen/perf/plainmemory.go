package perf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/conclab/conclab/internal/catalog"
)

// PlainMemory holds n sleeping requests against a nethttp labserver with a
// plain net/http client in this process, a goroutine per request and an
// http.Transport without keep-alive, at the rate Memory sends loadgen's
// (heldGap), and reads this process's resident memory growth per held
// request: what a Go client that does nothing but hold requests costs.
func PlainMemory(o Options, sizes []int) ([]ClientMemoryRow, error) {
	return clientMemory(o, sizes, "net/http client", plainHolding)
}

func plainHolding(o Options, n int) (ClientMemoryRow, error) {
	srv, err := startServer(o.Labserver, modelArgs(catalog.NetHTTP, n)...)
	if err != nil {
		return ClientMemoryRow{}, err
	}
	defer srv.Stop()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	debug.FreeOSMemory()
	before := rss(0)
	url := srv.URL + "?sleep=2m"
	began := time.Now()
	for i := range n {
		time.Sleep(time.Until(began.Add(time.Duration(i) * heldGap)))
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	held := waitHeld(srv, n, 60*time.Second)
	time.Sleep(500 * time.Millisecond)
	if held == 0 {
		return ClientMemoryRow{}, fmt.Errorf("the server holds no request of the client's")
	}
	return ClientMemoryRow{Held: held, ClientPerConnB: (rss(0) - before) / float64(held)}, nil
}
