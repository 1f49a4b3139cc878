package runfolder

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestZZProbe(t *testing.T) {
	path := os.Getenv("PROBE_BIN")
	if path == "" {
		t.Skip()
	}
	var acc, read, syn, conn, post []float64
	ReadBin(path, func(r *vegeta.Result) {
		var b struct {
			Accepted time.Time `json:"accepted"`
			Arrived  time.Time `json:"arrived"`
			End      time.Time `json:"end"`
		}
		_ = json.Unmarshal(r.Body, &b)
		s, _ := strconv.ParseFloat(r.Headers.Get("X-Conclab-Syn-Ms"), 64)
		c, _ := strconv.ParseFloat(r.Headers.Get("X-Conclab-Connect-Ms"), 64)
		syn = append(syn, s)
		conn = append(conn, c)
		if !b.Accepted.IsZero() {
			acc = append(acc, float64(b.Accepted.Sub(r.Timestamp))/1e6-s)
			read = append(read, float64(b.Arrived.Sub(b.Accepted))/1e6)
		}
		if !b.End.IsZero() {
			post = append(post, float64(r.Timestamp.Add(r.Latency).Sub(b.End))/1e6)
		}
	})
	q := func(name string, xs []float64) {
		if len(xs) == 0 {
			return
		}
		sort.Float64s(xs)
		fmt.Printf("%-22s n %5d p50 %8.3f p90 %8.3f p99 %8.3f max %8.3f ms\n", name, len(xs), xs[len(xs)/2], xs[len(xs)*9/10], xs[len(xs)*99/100], xs[len(xs)-1])
	}
	q("syn after send", syn)
	q("connect (client)", conn)
	q("syn->accept", acc)
	q("accept->gate", read)
	q("end->client got it", post)
}
