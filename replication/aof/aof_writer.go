package aof

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// Segment is one file of the operation log on disk: the operations after
// sequence Base, up to the next segment's Base.
type Segment struct {
	Base   uint64
	Path   string
	ReplID string
	Role   string // RolePrimary or RoleReplica: who wrote it
}

// Roles recorded in a segment's header (its METADATA frame's mode).
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
)

// aofCut is a segment boundary queued in the buffer: the bytes before off
// go to the current segment, those after it to a new segment for history
// replID that starts after sequence base.
type aofCut struct {
	off    int
	base   uint64
	replID string
	role   string
}

// AOF appends logged operations to the log segments of a data directory as
// NADB frames, the same bytes a secondary receives. A background goroutine
// writes and fsyncs according to the policy; Close stops it. The log is cut
// into a new segment when the current one passes its size limit, when the
// history changes and when a snapshot starts, so the segments a snapshot
// covers can be deleted whole.
type AOF struct {
	policy   atomic.Int32 // FsyncPolicy; CONFIG SET appendfsync changes it
	segLimit atomic.Int64 // bytes after which a segment is cut (0: never)
	logger   *slog.Logger
	nameFor  func(base uint64) string
	// afterStep, set by tests only, runs after each file operation of a
	// Reset; an error stops the Reset there, as a crash would.
	afterStep func() error
	// dirMu keeps a Reset, which rewrites the directory, apart from a
	// snapshot being put in place (see Exclusive).
	dirMu sync.Mutex

	mu   sync.Mutex // guards the fields below
	f    *os.File   // the current segment; only a flush uses it
	segs []Segment  // every segment on disk, oldest first; the last is current
	buf  []byte     // encoded frames not yet written
	// spare is the buffer the last flush wrote, kept for the next frames:
	// a buffer that is used again has its pages mapped already.
	spare    []byte
	cuts     []aofCut // segment boundaries within buf, in order
	bufLast  uint64   // sequence of the last frame in buf
	tailSize int64    // bytes of the newest segment, buffer included
	logBytes int64    // bytes of every segment, buffer included
	replID   string   // history and role of the newest segment
	role     string
	gen      uint64 // counts Resets: a snapshot captured before one is stale
	resets   uint64 // counts Resets as they start (gen moves as they end)
	complete uint64 // sequence ending the last complete group added
	written  uint64 // last sequence handed to the OS (write returned)
	synced   uint64 // last sequence fsynced
	err      error  // the last write or fsync error, until one succeeds
	changed  chan struct{}
	kick     chan struct{}
	closed   bool // Close was called: the writer does its last flush
	flushing bool // a flush is writing to the file; see flushLocked
	// fsyncFailed makes a.err permanent: see flush.
	fsyncFailed bool
	stopped     bool // the last flush is done: nothing more will be synced
	// beforeSync and afterSync, set by tests only, run before the fsync of
	// the once a second (syncBehindLocked) and once its outcome is settled
	// (a.mu held).
	beforeSync, afterSync func()

	enc   frame.Encoder
	build frame.Builder
	op    frame.Op

	done chan struct{}
}

// AOFOptions configures OpenAOF.
type AOFOptions struct {
	// Segments are the segments already on disk, oldest first; the last
	// one is appended to when it belongs to history ReplID and Role.
	Segments []Segment
	// NameFor names the segment that starts after sequence base.
	NameFor func(base uint64) string
	ReplID  string // the history appended from now on
	Role    string // RolePrimary or RoleReplica
	// Last is the sequence of the last operation already on disk (the
	// history's base for a new one).
	Last         uint64
	Policy       FsyncPolicy
	SegmentLimit int64 // cut a new segment after this many bytes (0: never)
	Logger       *slog.Logger
}

// maxSpare bounds the written buffer a flush keeps for reuse (see spare):
// one larger, left by a burst, goes back to the garbage collector.
const maxSpare = 8 << 20

// OpenAOF opens the log for appending: the last segment when it continues
// history o.ReplID as o.Role, otherwise a new segment starting after o.Last.
func OpenAOF(o AOFOptions) (*AOF, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Role == "" {
		o.Role = RolePrimary
	}
	a := &AOF{logger: o.Logger, nameFor: o.NameFor, segs: slices.Clone(o.Segments), replID: o.ReplID, role: o.Role,
		written: o.Last, synced: o.Last, bufLast: o.Last, complete: o.Last,
		changed: make(chan struct{}), kick: make(chan struct{}, 1), done: make(chan struct{})}
	a.policy.Store(int32(o.Policy))
	a.segLimit.Store(o.SegmentLimit)
	if n := len(a.segs); n > 0 && a.segs[n-1].ReplID == o.ReplID && a.segs[n-1].Role == o.Role {
		s := a.segs[n-1]
		f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if st.Size() == 0 {
			// Created, but the header never made it: write it again.
			if err := writeHeader(f, s.Base, s.ReplID, s.Role); err != nil {
				f.Close()
				return nil, err
			}
			st, _ = f.Stat()
		}
		a.f, a.tailSize = f, st.Size()
	} else {
		f, seg, err := a.createSegment(o.Last, o.ReplID, o.Role)
		if err != nil {
			return nil, err
		}
		a.f = f
		if n := len(a.segs); n > 0 && a.segs[n-1].Base == seg.Base {
			// The last segment starts where the new history does, so it
			// held nothing after its header, and it was just rewritten
			// for the new history: it is the same file, listed once (a
			// snapshot at that sequence must not delete it as an older
			// segment).
			a.segs[n-1] = seg
		} else {
			a.segs = append(a.segs, seg)
		}
		a.tailSize = a.sizeOf(f)
	}
	for _, s := range a.segs {
		if st, err := os.Stat(s.Path); err == nil {
			a.logBytes += st.Size()
		}
	}
	go a.run()
	return a, nil
}

// sizeOf returns f's size, 0 when it cannot be read.
func (a *AOF) sizeOf(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

// writeHeader writes and fsyncs a segment's METADATA frame.
func writeHeader(f *os.File, base uint64, replID, role string) error {
	var enc frame.Encoder
	hdr, err := enc.AppendFrame(nil, &frame.Op{Type: frame.OpMetadata, Sequence: base, Timestamp: frame.NowSeconds(),
		ReplID: []byte(replID), Mode: frame.SyncMode(role), Has: frame.FieldReplID | frame.FieldMode})
	if err != nil {
		return err
	}
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	return f.Sync()
}

// createSegment creates the segment that starts after base, with its
// header written and fsynced and its directory entry made durable.
func (a *AOF) createSegment(base uint64, replID, role string) (*os.File, Segment, error) {
	seg := Segment{Base: base, Path: a.nameFor(base), ReplID: replID, Role: role}
	f, err := os.OpenFile(seg.Path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, seg, err
	}
	if err := writeHeader(f, base, replID, role); err != nil {
		f.Close()
		return nil, seg, err
	}
	if err := syncDir(filepath.Dir(seg.Path)); err != nil {
		f.Close()
		return nil, seg, err
	}
	return f, seg, nil
}

// clearSegments deletes every log segment (those listed in known, and any
// other in dir), newest first: a crash on the way leaves a snapshot and a
// prefix of the segments after it, which loads.
func clearSegments(dir string, known []Segment, step func() error) error {
	files, err := ListDir(dir)
	if err != nil {
		return err
	}
	var paths []string
	for i := len(files.Segments) - 1; i >= 0; i-- {
		paths = append(paths, SegmentPath(dir, files.Segments[i]))
	}
	for i := len(known) - 1; i >= 0; i-- {
		if filepath.Dir(known[i].Path) != dir {
			paths = append(paths, known[i].Path)
		}
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := runStep(step); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// runStep runs step, when not nil: a test's stand-in for a crash between
// two file operations.
func runStep(step func() error) error {
	if step == nil {
		return nil
	}
	return step()
}

// clearSnapshots deletes dir's snapshots but the one at keep (every one
// when keepAny is false), newest first: a start loads the newest snapshot,
// which a crash on the way leaves either the one at keep or an older
// state's, never nothing.
func clearSnapshots(dir string, keep uint64, keepAny bool, step func() error) error {
	files, err := ListDir(dir)
	if err != nil {
		return err
	}
	for _, s := range files.Snapshots { // newest first already
		if keepAny && s == keep {
			continue
		}
		if err := os.Remove(SnapshotPath(dir, s)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := runStep(step); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir makes the directory entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// maxPendingAfterError bounds the buffer while writes to the file fail.
const maxPendingAfterError = 64 << 20

// AddEntries appends entries, in order, each ending a group where its
// GroupEnd says so. An entry that starts an operation batch (Batch, which
// holds whole groups) is written as that one frame with the BatchLen-1
// entries after it, when they are all there.
func (a *AOF) AddEntries(entries []frame.Entry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := 0; i < len(entries); i++ {
		e := &entries[i]
		if e.BatchLen > 0 && i+e.BatchLen <= len(entries) {
			i += e.BatchLen - 1
			a.addLocked(e, e.Batch, entries[i].Seq)
			e = &entries[i]
		} else {
			a.addLocked(e, e.Frame, e.Seq)
		}
		if e.GroupEnd {
			a.groupEndLocked()
		}
	}
}

// addLocked appends fr, the frame of e (nil: encode it) or the batch that
// starts with e and ends with sequence last.
func (a *AOF) addLocked(e *frame.Entry, fr []byte, last uint64) {
	if a.fsyncFailed {
		// Nothing more reaches this file until a restart; the file
		// stays a prefix of the history, which a restart resumes from.
		a.bufLast = last
		return
	}
	if a.err != nil && len(a.buf) > maxPendingAfterError {
		// The file has been failing for a while and nothing bounds what
		// a secondary applies meanwhile: give up on it until a restart
		// rather than buffer without limit.
		a.logger.Error("append-only file still failing; dropping its buffer and refusing writes until restart", "err", a.err, "buffered", len(a.buf))
		a.fsyncFailed, a.buf, a.cuts = true, nil, nil
		a.bufLast = last
		return
	}
	if a.buf == nil {
		a.buf, a.spare = a.spare, nil
	}
	n := len(a.buf)
	buf := append(a.buf, fr...)
	if fr == nil {
		// Entries come encoded (MemLog.Publish, or as a secondary received
		// them); this is for entries built by hand.
		a.build.Fill(&a.op, e, e.TimeMs)
		var err error
		if buf, err = a.enc.AppendFrame(a.buf, &a.op); err != nil {
			a.logger.Error("cannot encode an operation for the append-only file", "sequence", e.Seq, "err", err)
			return
		}
	}
	a.buf, a.bufLast = buf, last
	a.tailSize += int64(len(buf) - n)
	a.logBytes += int64(len(buf) - n)
	// Writers waiting for their reply flush the buffer themselves; wake
	// the background writer only for a large buffer (operations logged
	// without a waiting client, such as expiry, otherwise go out within
	// a second).
	if len(a.buf) > 1<<20 {
		a.Kick()
	}
}

// groupEndLocked follows the last operation of a group: positions may
// stand there, and a new segment is cut when the current one has passed
// its size limit.
func (a *AOF) groupEndLocked() {
	a.complete = a.bufLast
	if limit := a.segLimit.Load(); limit > 0 && a.tailSize >= limit {
		a.cutLocked(a.bufLast, a.replID, a.role)
	}
}

// Cut ends the current segment after sequence last, which must be the last
// operation added; what follows goes to a new segment of history replID
// written as role. The caller holds the log's lock (or the engine's), so
// last is a group boundary. The new file is created by the next flush.
func (a *AOF) Cut(last uint64, replID, role string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cutLocked(last, replID, role)
}

func (a *AOF) cutLocked(last uint64, replID, role string) {
	if last != a.bufLast {
		a.logger.Error("segment cut away from the end of the log; ignored", "at", last, "last", a.bufLast)
		return
	}
	if a.tailBase() == last && a.replID == replID && a.role == role {
		return // the newest segment starts here already
	}
	a.cuts = append(a.cuts, aofCut{off: len(a.buf), base: last, replID: replID, role: role})
	a.replID, a.role, a.tailSize = replID, role, 0
}

// tailBase returns the base of the newest segment, cuts not yet made
// included. The caller holds a.mu.
func (a *AOF) tailBase() uint64 {
	if n := len(a.cuts); n > 0 {
		return a.cuts[n-1].base
	}
	return a.segs[len(a.segs)-1].Base
}

// Continue makes sure what is added from now on goes to a segment of
// history replID written as role, cutting one after last when needed. It
// reports false when last is not the last sequence the log holds: the log
// cannot continue there, and the caller must Reset it.
func (a *AOF) Continue(last uint64, replID, role string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bufLast != last {
		return false
	}
	if a.replID != replID || a.role != role {
		a.cutLocked(last, replID, role)
	}
	return true
}

// Reset starts the log again after sequence base, for history replID
// written as role: what is buffered is dropped, every segment is deleted,
// then before (when not nil) runs, writing the snapshot at base that the
// new log continues; only once it succeeded are the other snapshots
// deleted, and a new segment is created. A secondary does this after a
// full resynchronisation, which replaces its dataset. A crash at any step
// leaves a directory that loads: the old state (its newest snapshot,
// perhaps without its log) until the new snapshot is durable, the new one
// after.
func (a *AOF) Reset(base uint64, replID, role string, before func() error) error {
	a.dirMu.Lock()
	defer a.dirMu.Unlock()
	a.mu.Lock()
	for a.flushing {
		a.waitChangeLocked()
	}
	if a.closed {
		a.mu.Unlock()
		return ErrAOFClosed
	}
	a.flushing = true
	a.resets++ // an fsync running beside (syncBehindLocked) now counts for nothing
	old := a.segs
	a.buf, a.cuts = nil, nil
	a.mu.Unlock()

	_ = a.f.Close()
	dir := filepath.Dir(a.nameFor(base))
	err := clearSegments(dir, old, a.afterStep)
	if err == nil && before != nil {
		err = before()
		if err == nil {
			err = runStep(a.afterStep)
		}
	}
	if err == nil {
		err = clearSnapshots(dir, base, before != nil, a.afterStep)
	}
	var f *os.File
	var seg Segment
	if err == nil {
		f, seg, err = a.createSegment(base, replID, role)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	a.flushing = false
	if err != nil {
		// No segment without the snapshot it continues: a start then
		// finds an empty (or older, consistent) directory. Without a log
		// the node cannot acknowledge writes: refuse them until a
		// restart.
		a.logger.Error("cannot start the log again; refusing writes until restart", "err", err)
		a.err, a.fsyncFailed = err, true
		a.f, a.segs, a.tailSize, a.logBytes = nil, nil, 0, 0
	} else {
		if !a.fsyncFailed {
			// A write error of the old files no longer applies: what
			// failed to be written was dropped with them.
			a.err = nil
		}
		a.f = f
		a.segs = []Segment{seg}
		a.tailSize = a.sizeOf(f)
		a.logBytes = a.tailSize
	}
	a.replID, a.role = replID, role
	a.bufLast, a.written, a.synced, a.complete = base, base, base, base
	a.gen++
	close(a.changed)
	a.changed = make(chan struct{})
	return err
}

// Exclusive runs f while no Reset can run: a snapshot being written,
// renamed and its covered files deleted must not interleave with a Reset
// deleting every file and writing a snapshot of its own.
func (a *AOF) Exclusive(f func() error) error {
	a.dirMu.Lock()
	defer a.dirMu.Unlock()
	return f()
}

// Generation returns how many Resets the log went through.
func (a *AOF) Generation() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen
}

// Kick wakes the background writer.
func (a *AOF) Kick() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// run is the background writer: once a second (and for a large buffer) it
// writes what no waiting writer has flushed yet, and fsyncs with
// FsyncEverySec (and FsyncAlways). Replies do not depend on it: a writer
// waiting for its reply flushes itself (see wait), so a reply never gets
// ahead of the file and an acknowledged write survives a crash of the
// process under every policy.
func (a *AOF) run() {
	defer close(a.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		policy := a.Policy()
		sync := policy == FsyncAlways
		select {
		case <-a.kick:
		case <-t.C:
			sync = policy != FsyncNo
		}
		a.mu.Lock()
		closed := a.closed
		for a.flushing {
			a.waitChangeLocked()
		}
		if sync && policy == FsyncEverySec && !closed {
			a.flushLocked(false)
			a.syncBehindLocked()
		} else {
			a.flushLocked(sync || (closed && policy != FsyncNo))
		}
		a.mu.Unlock()
		if closed {
			return
		}
	}
}

// syncBehindLocked is the fsync of appendfsync everysec: of what was
// written, outside any flush, so writers waiting for their reply
// (WaitWritten) keep writing while the disk takes it, as Redis fsyncs in
// a background thread. Without this every client stalled once a second
// for as long as the fsync took. The caller holds a.mu, which is released
// during the fsync. A cut meanwhile fsyncs the segment it ends itself; a
// Reset started meanwhile closes the file without one and moves the
// positions back, and the result is dropped; so is it after an fsync that
// failed meanwhile (the kernel reports a failure once: a later success
// proves nothing).
func (a *AOF) syncBehindLocked() {
	if a.fsyncFailed || a.err != nil || a.f == nil || a.synced >= a.written {
		return
	}
	f, last, resets, before, after := a.f, a.written, a.resets, a.beforeSync, a.afterSync
	a.mu.Unlock()
	if before != nil {
		before()
	}
	err := f.Sync()
	if errors.Is(err, os.ErrClosed) {
		// A cut closed it meanwhile, after its own fsync of the segment.
		err = nil
	}
	a.mu.Lock()
	if after != nil {
		defer after()
	}
	if resets != a.resets || (err == nil && a.fsyncFailed) {
		return
	}
	switch {
	case err != nil && !a.fsyncFailed:
		// As in flushLocked: after a failed fsync nothing proves the
		// pages reached the disk; refuse writes until restart.
		a.logger.Error("append-only file fsync failed; refusing writes until restart", "file", f.Name(), "err", err)
		a.err, a.fsyncFailed = err, true
	case err == nil && last > a.synced:
		a.synced = last
	default:
		return
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

// waitChangeLocked waits, with a.mu held, until the next flush ends.
func (a *AOF) waitChangeLocked() {
	ch := a.changed
	a.mu.Unlock()
	<-ch
	a.mu.Lock()
}

// flushLocked writes what is buffered, cutting segments where asked, and
// when sync is set fsyncs the file. The caller holds a.mu and no flush is
// running; a.mu is released during the I/O, and a.flushing keeps every
// other flush out meanwhile, so buffers reach the files in the order they
// were filled. Writers waiting for their reply run it themselves when no
// flush is running (a leader flushes for everyone who is waiting: group
// commit without a goroutine handoff).
func (a *AOF) flushLocked(sync bool) {
	// Positions only ever stand at the end of a group: a secondary is
	// never sent half a group, however the flush falls.
	buf, cuts, last, fatal := a.buf, a.cuts, a.complete, a.fsyncFailed
	needSync := sync && a.synced < last
	a.buf, a.cuts = nil, nil
	a.flushing = true
	a.mu.Unlock()
	var (
		err, syncErr error
		n            int // bytes of buf written
		done         int // cuts done
		newSegs      []Segment
		// Sizes of the new segments' files (their headers), and of the
		// files they replaced (an empty segment given a new header).
		newSizes, oldSizes []int64
	)
	if !fatal {
		for _, c := range cuts {
			var m int
			m, err = a.f.Write(buf[n:c.off])
			n += m
			if err != nil {
				break
			}
			// The old segment is complete: make it durable before the
			// new one exists, so no later segment outlives an earlier one.
			if syncErr = a.f.Sync(); syncErr != nil {
				break
			}
			var f *os.File
			var seg Segment
			var old int64
			if st, serr := os.Stat(a.nameFor(c.base)); serr == nil {
				old = st.Size()
			}
			if f, seg, err = a.createSegment(c.base, c.replID, c.role); err != nil {
				break
			}
			_ = a.f.Close()
			a.f = f
			newSegs = append(newSegs, seg)
			newSizes, oldSizes = append(newSizes, a.sizeOf(f)), append(oldSizes, old)
			done++
		}
		if err == nil && syncErr == nil && n < len(buf) {
			var m int
			m, err = a.f.Write(buf[n:])
			n += m
		}
		if err == nil && syncErr == nil && needSync {
			syncErr = a.f.Sync()
		}
	}
	a.mu.Lock()
	a.flushing = false
	for i, seg := range newSegs {
		if n := len(a.segs); n > 0 && a.segs[n-1].Base == seg.Base {
			a.segs[n-1] = seg // an empty segment given a new header
			a.logBytes -= oldSizes[i]
		} else {
			a.segs = append(a.segs, seg)
		}
		a.logBytes += newSizes[i]
	}
	if fatal || err != nil || syncErr != nil {
		// Keep what was not written, and the cuts not made, ahead of what
		// was added meanwhile: the next attempt writes them.
		rest := cuts[done:]
		for i := range rest {
			rest[i].off -= n
		}
		for _, c := range a.cuts {
			c.off += len(buf) - n
			rest = append(rest, c)
		}
		a.buf = append(buf[n:len(buf):len(buf)], a.buf...)
		a.cuts = rest
	}
	switch {
	case fatal:
	case err != nil:
		if a.err == nil {
			a.logger.Error("append-only file write failed; refusing writes until it succeeds", "file", a.f.Name(), "err", err)
		}
		a.err = err
	case syncErr != nil:
		// After a failed fsync the kernel may have dropped the pages: a
		// later fsync that succeeds proves nothing. Refuse writes until
		// the server restarts and verifies the file.
		a.logger.Error("append-only file fsync failed; refusing writes until restart", "file", a.f.Name(), "err", syncErr)
		a.err, a.fsyncFailed = syncErr, true
	default:
		a.err = nil
		if cap(buf) <= maxSpare {
			a.spare = buf[:0]
		}
		a.written = last
		if needSync {
			a.synced = last
		}
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

// WaitDurable blocks until sequence seq is on disk (fsynced), or a write
// error occurs, which it returns. With FsyncAlways it is what a write's
// reply waits for.
func (a *AOF) WaitDurable(seq uint64) error { return a.wait(seq, &a.synced, true) }

// WaitWritten blocks until sequence seq has been written to the file (not
// necessarily fsynced), or a write error occurs, which it returns. With
// FsyncEverySec and FsyncNo it is what a write's reply waits for.
func (a *AOF) WaitWritten(seq uint64) error { return a.wait(seq, &a.written, false) }

// Wait waits as the policy asks before a reply: WaitDurable with
// FsyncAlways, WaitWritten otherwise.
func (a *AOF) Wait(seq uint64) error {
	if a.Policy() == FsyncAlways {
		return a.WaitDurable(seq)
	}
	return a.WaitWritten(seq)
}

// wait blocks until *pos (guarded by a.mu) reaches seq, flushing (with an
// fsync when sync is set) itself whenever no flush is running.
func (a *AOF) wait(seq uint64, pos *uint64, sync bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Nothing after the last complete group added can ever be written (a
	// secondary's applied position may run ahead of its log when part of
	// the stream is not persisted, and a Reset moves the log back).
	for *pos < min(seq, a.complete) && a.err == nil && !a.stopped {
		if !a.flushing && !a.closed {
			a.flushLocked(sync)
			continue
		}
		a.waitChangeLocked()
	}
	if a.err == nil && *pos < min(seq, a.complete) {
		return ErrAOFClosed
	}
	return a.err
}

// Safe returns the last sequence a secondary may be sent: one the file
// keeps whatever happens to this process (written; fsynced with
// FsyncAlways), and a channel closed when it may have moved.
func (a *AOF) Safe() (uint64, <-chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Policy() == FsyncAlways {
		return a.synced, a.changed
	}
	return a.written, a.changed
}

// ErrAOFClosed is returned by WaitDurable for a write that the closed file
// did not take.
var ErrAOFClosed = errors.New("append-only file closed")

// Policy returns the fsync policy.
func (a *AOF) Policy() FsyncPolicy { return FsyncPolicy(a.policy.Load()) }

// SetPolicy changes the fsync policy for writes from now on.
func (a *AOF) SetPolicy(p FsyncPolicy) {
	a.policy.Store(int32(p))
	a.Kick() // an fsync owed under the new policy happens now
}

// SetSegmentLimit changes the size after which a segment is cut.
func (a *AOF) SetSegmentLimit(n int64) { a.segLimit.Store(n) }

// WriteError returns the error of the last write or fsync of the file, or
// nil when it succeeded.
func (a *AOF) WriteError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Segments returns the segments on disk, oldest first.
func (a *AOF) Segments() []Segment {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.segs)
}

// LogBytes returns the size of every segment, with what is buffered.
func (a *AOF) LogBytes() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logBytes
}

// DropBefore deletes the segments that end at or before sequence seq (a
// snapshot at seq covers them) and returns how many it deleted. The
// current segment is never deleted.
func (a *AOF) DropBefore(seq uint64) (int, error) {
	a.mu.Lock()
	var drop []Segment
	for len(a.segs) > 1 && a.segs[1].Base <= seq {
		drop = append(drop, a.segs[0])
		a.segs = a.segs[1:]
	}
	a.mu.Unlock()
	var firstErr error
	for _, s := range drop {
		st, err := os.Stat(s.Path)
		if err == nil {
			a.mu.Lock()
			a.logBytes -= st.Size()
			a.mu.Unlock()
		}
		if err := os.Remove(s.Path); err != nil && !errors.Is(err, os.ErrNotExist) && firstErr == nil {
			firstErr = err
		}
	}
	if len(drop) > 0 && firstErr == nil {
		firstErr = syncDir(filepath.Dir(drop[0].Path))
	}
	return len(drop), firstErr
}

// WaitSegment blocks until the segment starting after base exists on disk
// (its cut was flushed), or the file fails or closes.
func (a *AOF) WaitSegment(base uint64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		for _, s := range a.segs {
			if s.Base == base {
				return nil
			}
		}
		if a.err != nil {
			return a.err
		}
		if a.stopped || a.closed {
			return ErrAOFClosed
		}
		if !a.flushing {
			// Every cut not made yet is queued (a flush in progress
			// holds them, and puts back those it did not make).
			if !slices.ContainsFunc(a.cuts, func(c aofCut) bool { return c.base == base }) {
				return fmt.Errorf("%w: after sequence %d", errNoCut, base)
			}
			a.flushLocked(false)
			continue
		}
		a.waitChangeLocked()
	}
}

// errNoCut is returned by WaitSegment for a segment that no cut will
// create: it was never asked for, or a Reset dropped it.
var errNoCut = errors.New("no segment is cut there")

// Close writes and fsyncs what is buffered, stops the background goroutine
// and closes the file.
func (a *AOF) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		<-a.done
		return nil
	}
	a.closed = true
	a.mu.Unlock()
	a.Kick()
	<-a.done
	a.mu.Lock()
	a.stopped = true
	close(a.changed)
	a.changed = make(chan struct{})
	f := a.f
	a.mu.Unlock()
	if f == nil {
		return nil // a failed Reset left no file
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// segmentName is the file name of the segment that starts after base.
func segmentName(base uint64) string { return fmt.Sprintf("nadb-%020d.aof", base) }

// snapshotName is the file name of the snapshot at sequence seq.
func snapshotName(seq uint64) string { return fmt.Sprintf("nadb-%020d.snap", seq) }
