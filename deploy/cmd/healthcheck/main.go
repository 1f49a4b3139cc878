// Command healthcheck is the Docker HEALTHCHECK of the lab image, which is
// built FROM scratch and so has no shell or curl: it GETs one URL and exits
// 0 when the answer is 200 OK, 1 otherwise.
//
//	healthcheck http://127.0.0.1:9080/healthz
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: healthcheck URL")
		os.Exit(2)
	}
	os.Exit(check(os.Args[1], 2*time.Second, os.Stderr))
}

// check returns 0 when url answers 200 within timeout.
func check(url string, timeout time.Duration, stderr io.Writer) int {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: nil}}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck:", url, resp.Status)
		return 1
	}
	return 0
}
