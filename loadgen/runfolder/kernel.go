package runfolder

import (
	"io"
	"math"
	"time"

	"github.com/conclab/conclab/internal/atomicfile"
)

// KernelRow is one sample of a target measured from the kernel side.
type KernelRow struct {
	T time.Duration // since the run's start, as the timeline's row
	// Port is the server side of the target's port; nil when it could not
	// be read.
	Port *KernelPort
	// The watched processes, with their descendants.
	Processes, Threads int
	RSSBytes, PSSBytes int64
	// Where is the rebuild of where requests were; nil without one (no
	// service time known).
	Where *KernelWhere
}

// KernelPort is what sock_diag reports of the port's sockets.
type KernelPort struct {
	Listeners, AcceptQueue, Backlog                    int
	Established, SynRecv, CloseWait, Closing, TimeWait int
	Accepted                                           int // accepted and open
}

// KernelWhere is the rebuild of where the requests were at the sample.
type KernelWhere struct {
	Running, Waiting, Connecting, Undetermined int
	InKernel, InApp, AppFromKernel             int
}

// KernelHeader is the first line of <target>.kernel.csv.
var KernelHeader = []string{"t_s", "listeners", "accept_queue", "backlog", "established", "syn_recv", "close_wait",
	"closing", "time_wait", "accepted", "processes", "threads", "rss_bytes", "pss_bytes",
	"running", "waiting", "connecting", "undetermined", "in_kernel", "in_app", "app_from_kernel"}

// The column groups: t_s, then the port's, the processes', the rebuild's.
const (
	portColumns    = 9
	processColumns = 4
	whereColumns   = 7
)

func (r KernelRow) cells() []float64 {
	out := []float64{r.T.Seconds()}
	if p := r.Port; p != nil {
		out = append(out, float64(p.Listeners), float64(p.AcceptQueue), float64(p.Backlog), float64(p.Established),
			float64(p.SynRecv), float64(p.CloseWait), float64(p.Closing), float64(p.TimeWait), float64(p.Accepted))
	} else {
		out = appendNaN(out, portColumns)
	}
	out = append(out, float64(r.Processes), float64(r.Threads), float64(r.RSSBytes), float64(r.PSSBytes))
	if w := r.Where; w != nil {
		out = append(out, float64(w.Running), float64(w.Waiting), float64(w.Connecting), float64(w.Undetermined),
			float64(w.InKernel), float64(w.InApp), float64(w.AppFromKernel))
	} else {
		out = appendNaN(out, whereColumns)
	}
	return out
}

func appendNaN(xs []float64, n int) []float64 {
	for range n {
		xs = append(xs, math.NaN())
	}
	return xs
}

// WriteKernel writes rows under KernelHeader; what is unknown is empty.
func WriteKernel(w io.Writer, rows []KernelRow) error {
	table := make([][]float64, len(rows))
	for i, r := range rows {
		table[i] = r.cells()
	}
	return writeTable(w, KernelHeader, table)
}

// ReadKernel reads a file written by WriteKernel.
func ReadKernel(r io.Reader) ([]KernelRow, error) {
	table, err := readTable(r, KernelHeader, "kernel figures")
	if err != nil {
		return nil, err
	}
	rows := make([]KernelRow, len(table))
	for i, v := range table {
		rows[i] = kernelRow(v)
	}
	return rows, nil
}

// kernelRow is the row of one record's cells, in KernelHeader's order.
func kernelRow(v []float64) KernelRow {
	n := func(i int) int { return int(v[i]) }
	r := KernelRow{T: seconds(v[0])}
	if p := v[1 : 1+portColumns]; !math.IsNaN(p[0]) {
		r.Port = &KernelPort{Listeners: n(1), AcceptQueue: n(2), Backlog: n(3), Established: n(4), SynRecv: n(5),
			CloseWait: n(6), Closing: n(7), TimeWait: n(8), Accepted: n(9)}
	}
	r.Processes, r.Threads, r.RSSBytes, r.PSSBytes = n(10), n(11), int64(v[12]), int64(v[13])
	if w := v[1+portColumns+processColumns:]; !math.IsNaN(w[0]) {
		r.Where = &KernelWhere{Running: n(14), Waiting: n(15), Connecting: n(16), Undetermined: n(17),
			InKernel: n(18), InApp: n(19), AppFromKernel: n(20)}
	}
	return r
}

// WriteKernel writes the target's kernel-side figures atomically.
func (f Folder) WriteKernel(target string, rows []KernelRow) error {
	return atomicfile.Write(f.Kernel(target), func(w io.Writer) error { return WriteKernel(w, rows) })
}
