package models_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conclab/conclab/servers/lab"
	"github.com/conclab/conclab/servers/labtest"
)

var allModels = []string{"nethttp", "gin", "echo", "semaphore", "limitlistener", "pool", "fasthttp"}

// modelArgs are the flags that start model with its defaults; the pool has
// no default core.
func modelArgs(model string, more ...string) []string {
	args := []string{"--model", model}
	if model == "pool" {
		args = append(args, "--core", "4")
	}
	return append(args, more...)
}

// A POST with a body whose client leaves frees its place at once, running or
// waiting, and counts as 499: its body is read before the wait, so net/http
// watches the connection from then on. fasthttp is the documented exception.
func TestAPostWithABodyFreesItsPlaceWhenTheClientLeaves(t *testing.T) {
	post := labtest.Request{Method: http.MethodPost, Query: "sleep=60s", Body: "x=1&y=2"}
	for _, tc := range []struct {
		name string
		args []string
		held map[string]float64 // with 5 clients holding
	}{
		{"nethttp", []string{"--model", "nethttp"}, map[string]float64{"conclab_requests_inflight": 5}},
		{"gin", []string{"--model", "gin"}, map[string]float64{"conclab_requests_inflight": 5}},
		{"echo", []string{"--model", "echo"}, map[string]float64{"conclab_requests_inflight": 5}},
		{"semaphore", []string{"--model", "semaphore", "--limit", "2"},
			map[string]float64{"conclab_requests_inflight": 2, "conclab_requests_queued": 3}},
		{"pool", []string{"--model", "pool", "--core", "2", "--max", "2"},
			map[string]float64{"conclab_requests_inflight": 2, "conclab_requests_queued": 3, "conclab_pool_workers": 2}},
		{"limitlistener", []string{"--model", "limitlistener", "--limit", "2"},
			map[string]float64{"conclab_requests_inflight": 2, "conclab_connections_open": 2, "conclab_accept_queue_length": 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, tc.args...)
			c := labtest.HoldRequest(t, srv, 5, post, 2*time.Second)
			labtest.WaitFor(t, srv, settle, tc.held)
			c.Close()
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight":                  0,
				"conclab_requests_queued":                    0,
				"conclab_connections_open":                   0,
				key("conclab_requests_total", "code", "499"): 5,
				key("conclab_requests_total", "code", "200"): 0,
			})
			// Every place is free again: two quick POSTs run at once.
			quick := labtest.HoldRequest(t, srv, 2, labtest.Request{Method: http.MethodPost, Query: "sleep=0", Body: "x"}, 2*time.Second)
			for _, r := range quick.Wait(t, settle) {
				if r.Status != 200 {
					t.Fatalf("after the clients left: %+v", r)
				}
			}
		})
	}
}

// A client that leaves halfway through its body never got a place, and its
// request counts as 499, on every model.
func TestAClientThatLeavesMidBodyCounts499(t *testing.T) {
	for _, model := range allModels {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, modelArgs(model)...)
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fmt.Fprintf(conn, "POST /?sleep=60s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"); err != nil {
				t.Fatal(err)
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": 1})
			conn.Close()
			labtest.WaitFor(t, srv, settle, map[string]float64{
				"conclab_requests_inflight":                  0,
				"conclab_connections_open":                   0,
				key("conclab_requests_total", "code", "499"): 1,
				key("conclab_requests_total", "code", "200"): 0,
			})
		})
	}
}

// exchange sends raw on a new connection, writing while it reads, and
// returns the answer's status, Allow header and body.
func exchange(t *testing.T, addr, method, raw string) (int, string, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A server may answer before it has read everything.
	go func() { _, _ = io.WriteString(conn, raw) }()
	_ = conn.SetReadDeadline(time.Now().Add(settle))
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %.60q: no answer: %v", method, raw, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %.60q: reading the answer: %v", method, raw, err)
	}
	return resp.StatusCode, resp.Header.Get("Allow"), string(body)
}

func rawRequest(method, path, headers, body string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n%s", method, path, headers, body)
}

func withLength(body string) string { return fmt.Sprintf("Content-Length: %d\r\n", len(body)) }

// chunked frames body in 1 KiB chunks.
func chunked(body string) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 1024)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// The methods a load tool sends do the work, with a body of up to 64 KiB;
// any other method gets 405 and a larger body 413, on every model, and each
// answer is counted under its code.
func TestMethodsAndBodiesGetTheSameAnswersOnEveryModel(t *testing.T) {
	small := "a=1&b=2"
	atCap := strings.Repeat("b", lab.MaxBodyBytes)
	overCap := strings.Repeat("c", lab.MaxBodyBytes+1)
	cases := []struct {
		method, path, headers, body string
		status                      int
	}{
		{"GET", "/?sleep=0", "", "", 200},
		{"HEAD", "/?sleep=0", "", "", 200},
		{"POST", "/?sleep=0", withLength(small), small, 200},
		{"PUT", "/?sleep=0", withLength(small), small, 200},
		{"PATCH", "/?sleep=0", withLength(small), small, 200},
		{"DELETE", "/?sleep=0", "", "", 200},
		{"GET", "/any/path?sleep=0", "", "", 200},
		{"POST", "/?sleep=0", withLength(atCap), atCap, 200},
		{"POST", "/?sleep=0", "Transfer-Encoding: chunked\r\n", chunked(atCap), 200},
		// Refused on its declared length, before the body is sent.
		{"POST", "/?sleep=0", withLength(overCap), "", 413},
		{"POST", "/?sleep=0", "Transfer-Encoding: chunked\r\n", chunked(overCap), 413},
		{"OPTIONS", "/?sleep=0", "", "", 405},
		{"TRACE", "/?sleep=0", "", "", 405},
		{"PROPFIND", "/?sleep=0", "", "", 405},
	}
	for _, model := range allModels {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, modelArgs(model)...)
			count := map[int]float64{}
			for _, tc := range cases {
				status, allow, body := exchange(t, srv.Addr(), tc.method, rawRequest(tc.method, tc.path, tc.headers, tc.body))
				count[tc.status]++
				if status != tc.status {
					t.Errorf("%s %s (%d body bytes): status %d, want %d; body %q", tc.method, tc.path, len(tc.body), status, tc.status, body)
					continue
				}
				checkAnswer(t, model, tc.method, status, allow, body)
			}
			want := map[string]float64{}
			for code, n := range count {
				want[key("conclab_requests_total", "code", fmt.Sprint(code))] = n
			}
			labtest.WaitFor(t, srv, settle, want)
		})
	}
}

// checkAnswer checks the body of an answer, and the Allow header of a 405.
func checkAnswer(t *testing.T, model, method string, status int, allow, body string) {
	t.Helper()
	switch {
	case method == "HEAD":
		if body != "" {
			t.Errorf("HEAD: body %q, want none", body)
		}
	case status == 200:
		var reply lab.Reply
		if err := json.Unmarshal([]byte(body), &reply); err != nil || reply.Model != model {
			t.Errorf("%s: reply %q (%v)", method, body, err)
		}
	default:
		var e map[string]string
		if err := json.Unmarshal([]byte(body), &e); err != nil || e["error"] == "" {
			t.Errorf("%s %d: body %q, want a JSON error", method, status, body)
		}
	}
	wantAllow := ""
	if status == http.StatusMethodNotAllowed {
		wantAllow = "GET, HEAD, POST, PUT, PATCH, DELETE"
	}
	if allow != wantAllow {
		t.Errorf("%s %d: Allow %q, want %q", method, status, allow, wantAllow)
	}
}

// A client that sends its body too slowly loses its connection, and so its
// limitlistener slot, at the default --read-timeout (10 s), with a 408; the
// next client is then served. fasthttp answers and counts it the same way.
func TestASlowBodyIsCutAtTheDefaultReadTimeout(t *testing.T) {
	const readTimeout = 10 * time.Second
	for _, model := range []string{"limitlistener", "fasthttp"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, "--model", model, "--limit", "1")
			start := time.Now()
			slow, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			if _, err := io.WriteString(slow, "POST /?sleep=0 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"); err != nil {
				t.Fatal(err)
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": 1})
			_ = slow.SetReadDeadline(time.Now().Add(readTimeout + settle))
			resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
			if err != nil {
				t.Fatalf("slow client: no answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("slow client: status %d, want 408", resp.StatusCode)
			}
			if d := time.Since(start); d < readTimeout {
				t.Errorf("slow client cut after %s, before --read-timeout %s", d, readTimeout)
			}
			// fasthttp frees its slot before it closes the connection.
			labtest.WaitFor(t, srv, settle, map[string]float64{"conclab_connections_open": 0})
			next := labtest.Hold(t, srv, 1, "sleep=0", 2*time.Second)
			if r := next.Wait(t, settle)[0]; r.Status != 200 {
				t.Fatalf("next client: %+v", r)
			}
			labtest.WaitFor(t, srv, settle, map[string]float64{
				key("conclab_requests_total", "code", "408"): 1,
				key("conclab_requests_total", "code", "200"): 1,
				"conclab_connections_open":                   0,
			})
			if srv.Config.ReadTimeoutS != readTimeout.Seconds() {
				t.Errorf("/config read_timeout_s %v, want %v", srv.Config.ReadTimeoutS, readTimeout.Seconds())
			}
		})
	}
}

// The read timeout covers reading the request, not the work: a sleep longer
// than it, with or without a body, is not cut.
func TestTheReadTimeoutDoesNotCutTheWork(t *testing.T) {
	for _, model := range []string{"nethttp", "semaphore", "limitlistener", "pool", "fasthttp"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, modelArgs(model, "--read-timeout", "300ms", "--read-header-timeout", "300ms")...)
			get := labtest.HoldRequest(t, srv, 1, labtest.Request{Query: "sleep=1.5s"}, 2*time.Second)
			post := labtest.HoldRequest(t, srv, 1, labtest.Request{Method: http.MethodPost, Query: "sleep=1.5s", Body: "x"}, 2*time.Second)
			for _, c := range []*labtest.Clients{get, post} {
				r := c.Wait(t, settle)[0]
				var reply lab.Reply
				if r.Status != 200 || json.Unmarshal([]byte(r.Body), &reply) != nil || reply.SleptS < 1.5 {
					t.Errorf("%+v", r)
				}
			}
		})
	}
}

// The header has --read-header-timeout and the body --read-timeout, also on
// fasthttp, which has one read deadline that the lab renews for the body: a
// body slower than the header's timeout but within the read timeout is
// served, and a slow header is still cut at its own timeout.
func TestTheBodyHasTheReadTimeoutAndTheHeaderItsOwn(t *testing.T) {
	const headerTimeout, bodyPause, readTimeout = 300 * time.Millisecond, time.Second, 10 * time.Second
	for _, model := range []string{"nethttp", "fasthttp"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			srv := labtest.Start(t, "--model", model, "--read-header-timeout", headerTimeout.String())
			conn, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, rawRequest("POST", "/?sleep=0", "Content-Length: 6\r\n", "abc")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(bodyPause)
			if _, err := io.WriteString(conn, "def"); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(settle))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("a body %s slow: no answer: %v", bodyPause, err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("a body %s slow: status %d, want 200", bodyPause, resp.StatusCode)
			}

			start := time.Now()
			slow, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			if _, err := io.WriteString(slow, "GET /?sleep=0 HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
				t.Fatal(err)
			}
			_ = slow.SetReadDeadline(time.Now().Add(readTimeout + settle))
			_, _ = io.Copy(io.Discard, slow) // until the server closes
			if d := time.Since(start); d < headerTimeout || d >= readTimeout {
				t.Errorf("slow header cut after %s, want its --read-header-timeout %s", d, headerTimeout)
			}
		})
	}
}
