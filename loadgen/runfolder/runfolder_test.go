package runfolder

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/internal/adminapi"
	"github.com/conclab/conclab/internal/catalog"
	"github.com/conclab/conclab/loadgen/outcome"
	"github.com/conclab/conclab/loadgen/predict"
	"github.com/conclab/conclab/loadgen/sample"
	"github.com/conclab/conclab/loadgen/verdict"
)

func TestCreateNumbersARunWhoseNameIsTaken(t *testing.T) {
	root := t.TempDir()
	first, err := Create(root, "seed")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Create(root, "seed")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(string(first)) != "seed" || filepath.Base(string(second)) != "seed-2" {
		t.Errorf("folders %s and %s, want seed and seed-2", first, second)
	}
	if got := second.Bin("pool-10"); got != filepath.Join(root, "seed-2", "pool-10.bin") {
		t.Errorf("Bin = %s", got)
	}
}

func TestTimelineKeepsNaNAsAnEmptyCell(t *testing.T) {
	rows := []sample.Row{{T: 1500 * time.Millisecond, Inflight: 40, Queued: 960, AcceptQueue: math.NaN(),
		AcceptLimit: 4096, Connections: 1000, Goroutines: math.NaN(), RSSBytes: 1 << 20, Overflows: math.NaN(),
		Rejected: 0, WastedWork: 2.5, ClientSent: 1000, ClientInflight: 1000, ClientOK: 0, ClientErrors: 0, Limit: math.NaN(),
		Scraped: 1512 * time.Millisecond, SynQueue: math.NaN()}}
	var buf bytes.Buffer
	if err := WriteTimeline(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if want := "1.500,40,960,,4096,1000,,1048576,,0,2.5,1000,1000,0,0,,1.512,\n"; !bytes.HasSuffix(buf.Bytes(), []byte(want)) {
		t.Errorf("timeline:\n%s\nwant the row %q", buf.String(), want)
	}
	back, err := ReadTimeline(&buf)
	if err != nil || len(back) != 1 || back[0].Queued != 960 || !math.IsNaN(back[0].AcceptQueue) || back[0].T != rows[0].T ||
		back[0].Scraped != rows[0].Scraped {
		t.Errorf("read back %+v, %v", back, err)
	}
}

func TestATimelineWrittenBeforeAColumnExistedReadsItAsUnknown(t *testing.T) {
	old := "t_s,inflight,queued,accept_queue,accept_limit,connections,goroutines,rss_bytes,listen_overflows,rejected," +
		"client_sent,client_inflight,client_ok,client_errors\n1.000,40,960,0,4096,1000,12,1048576,0,3,1000,1000,0,0\n"
	back, err := ReadTimeline(strings.NewReader(old))
	if err != nil || len(back) != 1 || back[0].Rejected != 3 || back[0].ClientSent != 1000 || !math.IsNaN(back[0].WastedWork) ||
		!math.IsNaN(back[0].Limit) || !math.IsNaN(back[0].SynQueue) {
		t.Errorf("read %+v, %v; want rejected 3, client_sent 1000, and wasted_work_s, concurrency_limit and syn_queue unknown", back, err)
	}
	for _, bad := range []struct{ csv, want string }{
		{"t_s,inflight,mystery\n1,2,3\n", `timeline: unknown column "mystery"`},
		{"t_s,inflight,inflight\n1,2,3\n", `timeline: column "inflight" twice`},
		{"inflight,t_s\n2,1\n", "timeline: the first column is not t_s"},
	} {
		if _, err := ReadTimeline(strings.NewReader(bad.csv)); err == nil || !strings.HasPrefix(err.Error(), bad.want) {
			t.Errorf("reading %q: %v, want %q", bad.csv, err, bad.want)
		}
	}
}

func TestSeriesReadsBackWhatItWrote(t *testing.T) {
	pts := []predict.Point{{T: 0}, {T: time.Second, Inflight: 40, Queued: 3, AcceptQueue: 129, Connections: 43,
		ClientInflight: 900, SynPending: 771, SynQueue: 64}}
	var buf bytes.Buffer
	if err := WriteSeries(&buf, pts); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSeries(&buf)
	if err != nil || !reflect.DeepEqual(back, pts) {
		t.Errorf("read back %+v, %v; want %+v", back, err, pts)
	}
}

func TestABandAndASeriesWrittenBeforeTheSynQueueReadItAsNone(t *testing.T) {
	series := "t_s,inflight,queued,accept_queue,connections,client_inflight,syn_pending\n1.000,4,0,65,4,300,120\n"
	pts, err := ReadSeries(strings.NewReader(series))
	if want := (predict.Point{T: time.Second, Inflight: 4, AcceptQueue: 65, Connections: 4, ClientInflight: 300, SynPending: 120}); err != nil ||
		len(pts) != 1 || pts[0] != want {
		t.Errorf("series read %+v, %v; want %+v", pts, err, want)
	}
	band := "t_s,inflight_lo,inflight_hi,queued_lo,queued_hi,accept_queue_lo,accept_queue_hi,connections_lo,connections_hi," +
		"client_inflight_lo,client_inflight_hi,syn_pending_lo,syn_pending_hi\n1.000,4,4,0,0,60,65,4,4,280,310,100,130\n"
	b, err := ReadBand(strings.NewReader(band))
	if err != nil || len(b) != 1 || b[0].Lo.SynQueue != 0 || b[0].Hi.SynQueue != 0 || b[0].Hi.SynPending != 130 {
		t.Errorf("band read %+v, %v; want syn_pending up to 130 and no syn_queue", b, err)
	}
}

func TestKernelRowsKeepWhatIsUnknownUnknown(t *testing.T) {
	rows := []KernelRow{
		{T: time.Second, Processes: 3, Threads: 41, RSSBytes: 5 << 20, PSSBytes: 4 << 20,
			Port:  &KernelPort{Listeners: 1, AcceptQueue: 129, Backlog: 128, Established: 229, Accepted: 100},
			Where: &KernelWhere{Running: 100, Waiting: 129, InKernel: 129}},
		{T: 2 * time.Second, Processes: 3, Threads: 41},
	}
	var buf bytes.Buffer
	if err := WriteKernel(&buf, rows); err != nil {
		t.Fatal(err)
	}
	back, err := ReadKernel(&buf)
	if err != nil || !reflect.DeepEqual(back, rows) {
		t.Errorf("read back %+v, %v; want %+v", back, err, rows)
	}
}

func TestABinSurvivesItsWritersDeathAndShardsMergeInScheduleOrder(t *testing.T) {
	folder := Folder(t.TempDir())
	for j, seqs := range [][]uint64{{0, 2, 4}, {1, 3}} {
		w, err := CreateBin(folder.Shard("t", j))
		if err != nil {
			t.Fatal(err)
		}
		for _, seq := range seqs {
			w.Write(&vegeta.Result{Seq: seq, Code: 200, Timestamp: time.Unix(int64(seq), 0)})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var order []uint64
	err := MergeBins(folder.Bin("t"), []string{folder.Shard("t", 0), folder.Shard("t", 1), folder.Shard("t", 2)},
		func(r *vegeta.Result) { order = append(order, r.Seq) })
	if err != nil || !reflect.DeepEqual(order, []uint64{0, 1, 2, 3, 4}) {
		t.Fatalf("merged %v, %v; want 0..4 in order", order, err)
	}
	if _, err := os.Stat(folder.Shard("t", 0)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("shard files are left: %v", err)
	}
	b, err := os.ReadFile(folder.Bin("t"))
	if err != nil {
		t.Fatal(err)
	}
	cut := folder.Path("cut.bin")
	if err := os.WriteFile(cut, b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := ReadBin(cut, func(*vegeta.Result) {})
	if n != 4 || err == nil {
		t.Errorf("a .bin cut in its last result: read %d, %v; want the first 4 and an error", n, err)
	}
	if _, err := ReadBin(folder.Path("none.bin"), func(*vegeta.Result) {}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing .bin: %v, want fs.ErrNotExist", err)
	}
}

func TestAMergeOfACutShardStaysPartialAndKeepsTheShards(t *testing.T) {
	folder := Folder(t.TempDir())
	w, err := CreateBin(folder.Shard("t", 0))
	if err != nil {
		t.Fatal(err)
	}
	for seq := range uint64(3) {
		w.Write(&vegeta.Result{Seq: seq, Code: 200})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(folder.Shard("t", 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(folder.Shard("t", 0), b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := MergeBins(folder.Bin("t"), []string{folder.Shard("t", 0)}, func(*vegeta.Result) { n++ }); err == nil {
		t.Error("a cut shard: want an error")
	}
	if _, err := os.Stat(folder.Bin("t")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the merged .bin is in place although a shard was cut: %v", err)
	}
	if _, err := os.Stat(Partial(folder.Bin("t"))); err != nil || n != 2 {
		t.Errorf("partial merge: %v, %d results; want the 2 whole ones", err, n)
	}
	if _, err := os.Stat(folder.Shard("t", 0)); err != nil {
		t.Errorf("the cut shard was removed: %v", err)
	}
}

func TestAVerdictRecordReadsBackAsWritten(t *testing.T) {
	at := time.Date(2026, 12, 6, 19, 0, 0, 123456789, time.UTC)
	rec := verdict.Record{
		Version:      verdict.RecordVersion,
		Config:       &adminapi.Config{Model: "deadline", Knobs: catalog.Settings{Limit: 4}, Backlog: 4095},
		Kernel:       predict.Kernel{SynRetries: 6, Retransmits: []time.Duration{time.Second, 3 * time.Second}},
		SamplePeriod: 100 * time.Millisecond, Replicas: 200,
		Requests: []verdict.Measured{{Seq: 7, Late: -3 * time.Microsecond, Outcome: outcome.HTTP503, Latency: time.Second,
			Dialed: true, Refused: at, Decided: time.Millisecond,
			Served: &verdict.Served{Slot: "slot-1", Turn: 3, Arrived: at, Start: at.Add(time.Nanosecond)}}},
		Samples: []verdict.Sample{{T: time.Second, Scraped: time.Second + time.Millisecond, Inflight: 4, Queued: 300.5},
			{T: 2 * time.Second, Inflight: math.NaN(), Queued: math.NaN(), AcceptQueue: 3}},
	}
	f := Folder(t.TempDir())
	if err := f.WriteRecord("deadline-4", rec); err != nil {
		t.Fatal(err)
	}
	got, err := f.ReadRecord("deadline-4")
	if err != nil {
		t.Fatal(err)
	}
	// NaN is not equal to itself: the unknown gauges are compared apart.
	nan := got.Samples[1]
	if !math.IsNaN(nan.Inflight) || !math.IsNaN(nan.Queued) || nan.AcceptQueue != 3 {
		t.Errorf("a sample with unknown gauges read back as %+v", nan)
	}
	got.Samples[1].Inflight, got.Samples[1].Queued = 0, 0
	rec.Samples[1].Inflight, rec.Samples[1].Queued = 0, 0
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("read back\n%+v\nwrote\n%+v", got, rec)
	}
	if _, err := f.ReadRecord("none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing record: %v", err)
	}
	rec.Version = verdict.RecordVersion + 1
	if err := f.WriteRecord("later", rec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadRecord("later"); err == nil || !strings.Contains(err.Error(), "version: 2, where this loadgen reads records of version 1") {
		t.Errorf("a record of a later version: %v", err)
	}
}
