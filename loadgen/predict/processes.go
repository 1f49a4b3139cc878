package predict

// processes are a semaphore's worker processes (Limits.Processes), as
// gunicorn's: each has Limit slots and a queue of its own, and an accepted
// request goes to one of them. Which one is the kernel's affair (whose
// accept wins): in turn in the central prediction, at random in a replica,
// as labserver picks. catalog.Semaphore takes several only with an
// unbounded queue without a timeout, which needs no count of waiters per
// process.
type processes struct {
	noTimer
	procs []*semaphore
	of    map[int]int // the process of each request it holds
	next  int
}

func newProcesses(l Limits) *processes {
	p := &processes{procs: make([]*semaphore, l.Processes), of: map[int]int{}}
	for i := range p.procs {
		p.procs[i] = newSemaphore(l)
	}
	return p
}

func (p *processes) willAccept(*engine) bool { return true }

func (p *processes) accepted(e *engine, r int) {
	i := p.next % len(p.procs)
	p.next++
	if e.rng != nil {
		i = e.rng.IntN(len(p.procs))
	}
	p.of[r] = i
	p.procs[i].accepted(e, r)
}

func (p *processes) workEnded(e *engine, r int) {
	p.procs[p.of[r]].workEnded(e, r)
	delete(p.of, r)
}
