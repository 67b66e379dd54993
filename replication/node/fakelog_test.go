package node

import (
	"sync"

	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// fakeLog is an in-memory Log for the node's unit tests: what it is given
// is "on disk" at once, a write error can be injected, and reading back
// serves the entries it holds, as the segments of one history would.
type fakeLog struct {
	mu      sync.Mutex // guards the fields below
	replID  string
	base    uint64 // the sequence before entries[0]
	entries []frame.Entry
	err     error
	gen     uint64
	moved   chan struct{} // closed and replaced when Safe moves
	reads   int           // entries read back through cursors
	closed  bool
}

func newFakeLog(replID string) *fakeLog {
	return &fakeLog{replID: replID, moved: make(chan struct{})}
}

func (f *fakeLog) lastLocked() uint64 { return f.base + uint64(len(f.entries)) }

func (f *fakeLog) AddEntries(entries []frame.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return
	}
	f.entries = append(f.entries, entries...)
	close(f.moved)
	f.moved = make(chan struct{})
}

func (f *fakeLog) Wait(uint64) error { return f.WriteError() }

func (f *fakeLog) Safe() (uint64, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastLocked(), f.moved
}

func (f *fakeLog) Kick() {}

func (f *fakeLog) WriteError() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// fail makes writes fail with err from now on (nil: work again).
func (f *fakeLog) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeLog) HistoryStart(replID string) (uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.base, replID == f.replID
}

func (f *fakeLog) NewCursor(replID string, _ int) frame.Cursor {
	return &fakeCursor{log: f, replID: replID}
}

// readBack returns how many entries cursors have read.
func (f *fakeLog) readBack() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

func (f *fakeLog) Continue(last uint64, replID, _ string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if last != f.lastLocked() {
		return false
	}
	f.replID = replID
	return true
}

func (f *fakeLog) Cut(uint64, string, string) {}

func (f *fakeLog) Reset(base uint64, replID, _ string, before func() error) error {
	f.mu.Lock()
	f.entries, f.base, f.replID = nil, base, replID
	f.gen++
	f.mu.Unlock()
	if before != nil {
		return before()
	}
	return nil
}

func (f *fakeLog) Exclusive(fn func() error) error { return fn() }

func (f *fakeLog) Generation() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen
}

func (f *fakeLog) WaitSegment(uint64) error { return nil }

func (f *fakeLog) DropBefore(seq uint64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for len(f.entries) > 0 && f.entries[0].Seq <= seq {
		f.entries, f.base = f.entries[1:], f.entries[0].Seq
		n++
	}
	return n, nil
}

func (f *fakeLog) LogBytes() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for _, e := range f.entries {
		n += int64(len(e.Frame))
	}
	return n
}

func (f *fakeLog) Segments() []aof.Segment { return nil }

func (f *fakeLog) SetPolicy(aof.FsyncPolicy) {}

func (f *fakeLog) SetSegmentLimit(int64) {}

func (f *fakeLog) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

// fakeCursor reads a fakeLog back.
type fakeCursor struct {
	log    *fakeLog
	replID string
}

func (c *fakeCursor) Read(seq uint64, max int, limit uint64, buf []frame.Entry) ([]frame.Entry, error) {
	f := c.log
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.replID != f.replID || seq <= f.base {
		return buf, aof.ErrCompacted
	}
	for i := seq - f.base - 1; i < uint64(len(f.entries)) && max > 0 && f.entries[i].Seq <= limit; i++ {
		buf = append(buf, f.entries[i])
		f.reads++
		max--
	}
	return buf, nil
}

func (c *fakeCursor) Close() {}

var _ Log = (*fakeLog)(nil)
