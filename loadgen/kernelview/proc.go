package kernelview

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Tree is one sample of a set of processes and all their descendants.
type Tree struct {
	PIDs      []int // every process counted, ascending
	Processes int
	Threads   int
	RSSBytes  int64 // summed resident sets: a page shared by forked processes counts once per process
	PSSBytes  int64 // summed proportional sets (smaps_rollup Pss); 0 when unreadable
}

// proc is what ReadTree needs of one process.
type proc struct {
	pid, ppid int
	threads   int
	rssPages  int64
}

// procRoot is /proc; tests point it elsewhere.
var procRoot = "/proc"

// pageSize converts /proc/PID/stat's rss field to bytes.
var pageSize = int64(os.Getpagesize())

// ReadTree samples roots and every descendant of theirs. Roots that no
// longer exist are left out; an empty Tree (Processes 0) means none exists.
func ReadTree(roots ...int) (Tree, error) {
	all, err := readAll()
	if err != nil {
		return Tree{}, err
	}
	children := map[int][]int{}
	for _, p := range all {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	seen := map[int]bool{}
	var stack []int
	for _, r := range roots {
		if _, ok := all[r]; ok && !seen[r] {
			seen[r] = true
			stack = append(stack, r)
		}
	}
	var t Tree
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p := all[pid]
		t.PIDs = append(t.PIDs, pid)
		t.Processes++
		t.Threads += p.threads
		t.RSSBytes += p.rssPages * pageSize
		t.PSSBytes += readPss(pid)
		for _, c := range children[pid] {
			if !seen[c] {
				seen[c] = true
				stack = append(stack, c)
			}
		}
	}
	slices.Sort(t.PIDs)
	return t, nil
}

// allPIDs lists every process in /proc, ascending.
func allPIDs() ([]int, error) {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("kernelview: %w", err)
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids, nil
}

// readAll reads the stat line of every process.
func readAll() (map[int]proc, error) {
	pids, err := allPIDs()
	if err != nil {
		return nil, err
	}
	all := make(map[int]proc, len(pids))
	for _, pid := range pids {
		b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
		if err != nil {
			continue // it ended meanwhile
		}
		if p, ok := parseStat(pid, b); ok {
			all[pid] = p
		}
	}
	return all, nil
}

// parseStat reads ppid (field 4), num_threads (20) and rss (24) from a
// /proc/PID/stat line. The command name (field 2) is in parentheses and may
// hold spaces and parentheses itself, so fields are counted after the last
// ')'.
func parseStat(pid int, b []byte) (proc, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 22 {
		return proc{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	threads, err2 := strconv.Atoi(f[17])
	rss, err3 := strconv.ParseInt(f[21], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return proc{}, false
	}
	return proc{pid: pid, ppid: ppid, threads: threads, rssPages: rss}, true
}

// readPss returns the Pss line of /proc/PID/smaps_rollup in bytes, 0 when
// it cannot be read.
func readPss(pid int) int64 {
	f, err := os.Open(filepath.Join(procRoot, strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Pss:") {
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
		return 0
	}
	return 0
}

// ListenerPIDs returns the processes that hold any of the socket inodes,
// ascending, by reading every /proc/PID/fd link: "socket:[INODE]". Only
// processes whose fd folders this user may read are searched, which
// without privileges means this user's own.
func ListenerPIDs(inodes []uint64) ([]int, error) {
	if len(inodes) == 0 {
		return nil, nil
	}
	want := map[string]bool{}
	for _, in := range inodes {
		want["socket:["+strconv.FormatUint(in, 10)+"]"] = true
	}
	all, err := allPIDs()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, pid := range all {
		dir := filepath.Join(procRoot, strconv.Itoa(pid), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err == nil && want[link] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids, nil
}

// FindProcesses returns the processes whose name (/proc/PID/comm, at most
// 15 characters as the kernel keeps it) is name, ascending.
func FindProcesses(name string) ([]int, error) {
	if len(name) > 15 {
		name = name[:15]
	}
	all, err := allPIDs()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, pid := range all {
		b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "comm"))
		if err == nil && strings.TrimRight(string(b), "\n") == name {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Roots reduces pids to those whose parent is not among them: the tops of
// the trees they form. ReadTree of the roots counts each process once
// anyway; Roots makes a readable list.
func Roots(pids []int) []int {
	all, err := readAll()
	if err != nil {
		return pids
	}
	in := map[int]bool{}
	for _, p := range pids {
		in[p] = true
	}
	var out []int
	for _, p := range pids {
		// Walk up: a pid under another listed pid is not a root.
		top := true
		for q, hops := all[p].ppid, 0; q > 1 && hops < 64; q, hops = all[q].ppid, hops+1 {
			if in[q] {
				top = false
				break
			}
		}
		if top {
			out = append(out, p)
		}
	}
	return out
}
