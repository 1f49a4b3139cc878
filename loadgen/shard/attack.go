package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/conclab/conclab/loadgen/attack"
	"github.com/conclab/conclab/loadgen/launch"
	"github.com/conclab/conclab/loadgen/runfolder"
)

// Attack drives one target through worker processes. Its Counters are the
// sum of theirs.
type Attack struct {
	Counters attack.Counters
	// StatusEvery is how often each worker reports its counters
	// (WorkerOptions.StatusEvery); 0: DefaultStatusEvery.
	StatusEvery time.Duration

	loadgen string // the loadgen binary the workers run
	opt     attack.Options
	folder  runfolder.Folder

	mu     sync.Mutex
	status []status
	files  []string
	errs   []error
}

// NewAttack prepares opt's attack, split into opt.Shards workers that run
// the loadgen binary and write their .bin files into folder.
func NewAttack(loadgen string, opt attack.Options, folder runfolder.Folder) *Attack {
	return &Attack{loadgen: loadgen, opt: opt, folder: folder}
}

// Run starts every worker, with the schedule beginning at start, and
// waits for them all. Cancelling ctx interrupts them, and they write
// what they have.
func (sa *Attack) Run(ctx context.Context, start time.Time) {
	k := sa.opt.Shards
	sa.status = make([]status, k)
	var wg sync.WaitGroup
	for j := range k {
		o := WorkerOptions{Attack: sa.opt, Scenario: sa.folder.Scenario(), Start: start, Out: sa.folder.Shard(sa.opt.Name, j),
			StatusEvery: sa.StatusEvery}
		o.Attack.Shard = j
		sa.files = append(sa.files, o.Out)
		p, lines, err := launch.StartWorker(sa.loadgen, o.Args(), func(line []byte) {
			var st status
			if json.Unmarshal(line, &st) == nil {
				sa.update(j, st)
			}
		})
		if err != nil {
			sa.fail(fmt.Errorf("worker %d: %w", j, err))
			continue
		}
		wg.Go(func() {
			stop := context.AfterFunc(ctx, func() { p.Signal(syscall.SIGINT) })
			defer stop()
			<-lines
			if err := p.Err(); err != nil {
				sa.fail(fmt.Errorf("worker %d: %w: %s", j, err, p.Output.LastLine()))
			}
		})
	}
	wg.Wait()
}

func (sa *Attack) fail(err error) {
	sa.mu.Lock()
	sa.errs = append(sa.errs, err)
	sa.mu.Unlock()
}

// update takes worker j's status and sums every worker's into Counters.
func (sa *Attack) update(j int, st status) {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.status[j] = st
	var sum status
	for _, s := range sa.status {
		sum.Sent += s.Sent
		sum.Done += s.Done
		sum.Inflight += s.Inflight
		sum.OK += s.OK
		sum.Errors += s.Errors
	}
	c := &sa.Counters
	c.Sent.Store(sum.Sent)
	c.Done.Store(sum.Done)
	c.Inflight.Store(sum.Inflight)
	c.OK.Store(sum.OK)
	c.Errors.Store(sum.Errors)
}

// Merge merges the shard files of opt's target into its one .bin in
// folder, calling each with the record of every result in schedule order,
// for a schedule that began at began: the Seq of every result is its place
// in the whole schedule, whichever worker sent it.
func Merge(folder runfolder.Folder, opt attack.Options, files []string, began time.Time, each func(attack.Hit)) error {
	return runfolder.MergeBins(folder.Bin(opt.Name), files, func(r *vegeta.Result) {
		h := opt.HitOf(r, began)
		h.Connect, h.Dialed = attack.ConnectTime(r)
		h.Syn = attack.SynTime(r)
		h.RTO = attack.RTOTime(r)
		each(h)
	})
}

// Merge writes the workers' results as the target's one .bin, calling
// each with the record of every result in schedule order, for a schedule
// that began at began, and reports what failed in the workers too.
func (sa *Attack) Merge(began time.Time, each func(attack.Hit)) error {
	err := Merge(sa.folder, sa.opt, sa.files, began, each)
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return errors.Join(append([]error{err}, sa.errs...)...)
}
