package summary

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAPeakThatNoSampleCarriedIsWrittenAsNullAndReadBackAsNaN(t *testing.T) {
	p := Peak{Inflight: 40, Queued: 960, AcceptQueue: math.NaN(), ClientInflight: 1000}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"inflight":40,"queued":960,"accept_queue":null,"connections":0,"goroutines":0,"rss_bytes":0,"client_inflight":1000}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Peak
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.AcceptQueue) || back.Inflight != 40 || back.Queued != 960 || back.ClientInflight != 1000 {
		t.Errorf("read back %+v", back)
	}
}

func TestAPeakFromBeforeNullReadsAMissingKeyAsZero(t *testing.T) {
	var p Peak
	if err := json.Unmarshal([]byte(`{"inflight":3}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Inflight != 3 || p.AcceptQueue != 0 || math.IsNaN(p.AcceptQueue) {
		t.Errorf("got %+v", p)
	}
}
