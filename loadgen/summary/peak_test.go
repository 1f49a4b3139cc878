package summary

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestAPeakThatNoSampleCarriedIsWrittenAsNullAndReadBackAsNaN(t *testing.T) {
	p := Peak{Inflight: 40, Queued: 960, AcceptQueue: math.NaN(), ClientInflight: 1000, SynQueue: 64}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"inflight":40,"queued":960,"accept_queue":null,"connections":0,"goroutines":0,"rss_bytes":0,"client_inflight":1000,"syn_queue":64}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Peak
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.AcceptQueue) || back.Inflight != 40 || back.Queued != 960 || back.ClientInflight != 1000 || back.SynQueue != 64 {
		t.Errorf("read back %+v", back)
	}
}

func TestAPeakFromBeforeNullReadsAMissingKeyAsZeroAndTheSynQueueAsUnknown(t *testing.T) {
	var p Peak
	if err := json.Unmarshal([]byte(`{"inflight":3}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Inflight != 3 || p.AcceptQueue != 0 || math.IsNaN(p.AcceptQueue) || !math.IsNaN(p.SynQueue) {
		t.Errorf("got %+v", p)
	}
}

func TestPeaksJSONCodecCoversEveryFieldUnderItsTag(t *testing.T) {
	var p Peak
	figures := p.figures()
	typ := reflect.TypeFor[Peak]()
	if typ.NumField() != len(figures) {
		t.Fatalf("Peak has %d fields, its codec %d", typ.NumField(), len(figures))
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if tag := f.Tag.Get("json"); tag != figures[i].key {
			t.Errorf("field %s: tag %q, codec key %q", f.Name, tag, figures[i].key)
		}
		if got := reflect.ValueOf(&p).Elem().Field(i).Addr().Interface(); got != figures[i].v {
			t.Errorf("field %s: the codec's key %q points at another field", f.Name, figures[i].key)
		}
	}
}
