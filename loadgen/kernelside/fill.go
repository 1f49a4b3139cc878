package kernelside

import (
	"github.com/conclab/conclab/loadgen/runfolder"
	"github.com/conclab/conclab/loadgen/sample"
)

// Fill returns rows with the server columns filled from the kernel and
// the rebuild: inflight (running), queued (waiting in the app),
// accept_queue, accept_limit, connections (accepted, open), syn_queue
// (the port's request sockets, which the kernel view counts at every
// sample), rss_bytes and listen_overflows. A nil Side returns rows as
// they are.
func (s *Side) Fill(rows []sample.Row) []sample.Row {
	out, _ := s.FillWithUndetermined(rows)
	return out
}

// FillWithUndetermined is Fill, and for each filled row how many
// timed-out requests the rebuild cannot place: each was running or
// waiting in the app then (reconstruct's Undetermined). The rows count
// them in neither, so their inflight and queued are lower bounds that this
// much may add to. A nil Side, or one without a service time, has none.
func (s *Side) FillWithUndetermined(rows []sample.Row) ([]sample.Row, []int) {
	if s == nil {
		return rows, nil
	}
	samples, where, _ := s.split()
	out := append([]sample.Row(nil), rows...)
	var undetermined []int
	if where != nil {
		undetermined = make([]int, min(len(out), len(samples)))
	}
	for i := range out[:min(len(out), len(samples))] {
		ks, r := samples[i], &out[i]
		if ks.portErr == nil && ks.port.Listening() {
			r.AcceptQueue = float64(ks.port.AcceptQueue)
			r.AcceptLimit = float64(ks.port.Backlog)
			r.Connections = float64(ks.port.Accepted())
			r.SynQueue = float64(ks.port.SynRecv)
		}
		if ks.tree.Processes > 0 {
			r.RSSBytes = float64(ks.tree.RSSBytes)
		}
		r.Overflows = ks.overflows
		if where != nil {
			r.Inflight = float64(where[i].Running)
			r.Queued = float64(where[i].InApp)
			undetermined[i] = where[i].Undetermined
		}
	}
	return out, undetermined
}

// KernelRows are the kernel figures and the rebuild at each sample, for
// <target>.kernel.csv, timed by the timeline's rows.
func (s *Side) KernelRows(rows []sample.Row) []runfolder.KernelRow {
	if s == nil {
		return nil
	}
	samples, where, _ := s.split()
	var out []runfolder.KernelRow
	for i, ks := range samples[:min(len(samples), len(rows))] {
		tr := ks.tree
		kr := runfolder.KernelRow{T: rows[i].T, Processes: tr.Processes, Threads: tr.Threads,
			RSSBytes: tr.RSSBytes, PSSBytes: tr.PSSBytes}
		if p := ks.port; ks.portErr == nil {
			kr.Port = &runfolder.KernelPort{Listeners: len(p.Listeners), AcceptQueue: p.AcceptQueue, Backlog: p.Backlog,
				Established: p.Established, SynRecv: p.SynRecv, CloseWait: p.CloseWait, Closing: p.Closing,
				TimeWait: p.TimeWait, Accepted: p.Accepted()}
		}
		if where != nil {
			w := where[i]
			kr.Where = &runfolder.KernelWhere{Running: w.Running, Waiting: w.Waiting, Connecting: w.Connecting,
				Undetermined: w.Undetermined, InKernel: w.InKernel, InApp: w.InApp, AppFromKernel: w.AppFromKernel}
		}
		out = append(out, kr)
	}
	return out
}
