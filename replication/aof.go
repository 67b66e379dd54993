package replication

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// FsyncPolicy is appendfsync: when appended operations reach the disk.
type FsyncPolicy int

const (
	// FsyncEverySec writes and fsyncs in the background once a second.
	FsyncEverySec FsyncPolicy = iota
	// FsyncAlways acknowledges a write only once it is fsynced; concurrent
	// writers share each fsync (group commit).
	FsyncAlways
	// FsyncNo writes in the background and leaves flushing to the OS.
	FsyncNo
)

// ParseFsyncPolicy reads an appendfsync value.
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("unknown appendfsync policy %q", s)
}

// ErrCorruptLog is returned when an append-only file is damaged anywhere
// but in its last frame.
var ErrCorruptLog = errors.New("append-only file is corrupt")

// History is what an append-only file holds: its replication ID, the
// sequence before its first operation, and the operations, grouped as they
// were logged.
type History struct {
	ReplID string
	Base   uint64
	Last   uint64
	Groups [][]engine.Effect
}

// LoadAOF reads the append-only file at path. A missing file gives a nil
// History. A last frame that is truncated or fails its checksum (a crash
// in the middle of a write) is cut off, with a warning saying how many
// bytes were dropped; damage anywhere else fails with ErrCorruptLog naming
// the file and offset. dbs bounds the database indexes.
func LoadAOF(path string, dbs int, logger *slog.Logger) (*History, error) {
	return LoadAOFProgress(path, dbs, logger, nil)
}

// LoadAOFProgress is LoadAOF that calls progress (when not nil) now and
// then with the bytes read so far and the file's size.
func LoadAOFProgress(path string, dbs int, logger *slog.Logger, progress func(read, size int64)) (*History, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc, err := scanAOF(f, path, dbs, progress)
	if err != nil {
		return nil, err
	}
	if sc.corrupt != nil {
		return nil, sc.corrupt
	}
	if sc.good < sc.size {
		if sc.history == nil {
			logger.Warn("append-only file has only a torn header; starting a new one", "file", path, "bytes_dropped", sc.size)
		} else {
			logger.Warn("append-only file ends with an incomplete write; cutting it off", "file", path, "bytes_dropped", sc.size-sc.good, "last_sequence", sc.history.Last)
		}
		if err := f.Truncate(sc.good); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	return sc.history, nil
}

// aofScan is what scanAOF found in a file.
type aofScan struct {
	history *History // nil: no complete header
	size    int64    // the file's size
	good    int64    // end of the last complete group (or header): all before it is valid
	// corrupt, when not nil, wraps ErrCorruptLog: damage with a valid frame
	// after it, at corruptAt. Otherwise anything from good on is a torn tail.
	corrupt   error
	corruptAt int64
}

// scanAOF reads and verifies a whole append-only file without changing it.
// Only I/O failures are returned as errors.
func scanAOF(f *os.File, path string, dbs int, progress func(read, size int64)) (*aofScan, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sc := &aofScan{size: st.Size()}
	if sc.size == 0 {
		return sc, nil // created, but the header was never written
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	cr := &countingReader{r: f}
	rd := NewReader(cr, DefaultMaxFrame)
	var (
		op    Op
		group []engine.Effect
		seq   uint64
	)
	corrupt := func(at int64, format string, args ...any) (*aofScan, error) {
		sc.corruptAt = at
		sc.corrupt = fmt.Errorf("%w: %s at offset %d: %s", ErrCorruptLog, path, at, fmt.Sprintf(format, args...))
		return sc, nil
	}
	for frames := 0; ; frames++ {
		start := cr.n - int64(rd.Buffered())
		if progress != nil && frames%4096 == 0 {
			progress(start, sc.size)
		}
		err := rd.Next(&op)
		if errors.Is(err, io.EOF) {
			return sc, nil
		}
		end := cr.n - int64(rd.Buffered())
		if err != nil {
			// A crash in the middle of a write leaves a damaged tail with
			// no valid frame after it. A valid frame after the damage
			// means the damage is inside the file: refuse, never cut.
			torn, terr := noFrameAfter(f, start, sc.size)
			if terr != nil {
				return nil, terr
			}
			if torn {
				return sc, nil
			}
			return corrupt(start, "%v", err)
		}
		h := sc.history
		if h == nil {
			if op.Type != OpMetadata || op.Has&FieldReplID == 0 {
				return corrupt(0, "no header frame")
			}
			if op.Sequence == math.MaxUint64 {
				return corrupt(0, "header sequence out of range")
			}
			sc.history = &History{ReplID: string(op.ReplID), Base: op.Sequence, Last: op.Sequence}
			seq, sc.good = op.Sequence, end
			continue
		}
		if op.Sequence != seq+1 {
			return corrupt(start, "sequence %d after %d", op.Sequence, seq)
		}
		if !isData(op.Type) || op.Type == OpMetadata || (op.Has&FieldGroup != 0 && op.Group < 1) {
			return corrupt(start, "%s frame with group %d in the log", op.Type, op.Group)
		}
		ef, ok, err := effectOf(&op, dbs, time.Now().UnixMilli())
		if err != nil {
			return corrupt(start, "%v", err)
		}
		seq = op.Sequence
		if ok {
			group = append(group, ef)
		}
		size1 := 1
		if op.Has&FieldGroup != 0 {
			size1 = op.Group
		}
		if pending := int(seq - h.Last); pending >= size1 {
			h.Groups = append(h.Groups, group)
			group, h.Last, sc.good = nil, seq, end
		}
	}
}

// CheckAOF verifies the append-only file at path and describes what it
// found, in lines meant for a person. ok reports a file that loads without
// losing anything. With fix, a damaged file is cut at the end of its last
// intact group: a torn tail loses only the incomplete write, a corruption
// loses everything from the damaged group on.
func CheckAOF(path string, dbs int, fix bool) (report []string, ok bool, err error) {
	mode := os.O_RDONLY
	if fix {
		mode = os.O_RDWR
	}
	f, err := os.OpenFile(path, mode, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	sc, err := scanAOF(f, path, dbs, nil)
	if err != nil {
		return nil, false, err
	}
	if h := sc.history; h != nil {
		report = append(report, fmt.Sprintf("%s: replication ID %s, sequences %d..%d, %d operations in %d groups, %d bytes",
			path, h.ReplID, h.Base+1, h.Last, h.Last-h.Base, len(h.Groups), sc.size))
	}
	switch {
	case sc.corrupt != nil:
		report = append(report, sc.corrupt.Error(),
			fmt.Sprintf("intact up to offset %d; cutting there would drop %d bytes", sc.good, sc.size-sc.good))
	case sc.good < sc.size && sc.history == nil:
		report = append(report, fmt.Sprintf("%s: the header is torn (%d bytes): the file holds no operation", path, sc.size))
	case sc.good < sc.size:
		report = append(report, fmt.Sprintf("the last %d bytes (from offset %d) are an incomplete write; a start would cut them off", sc.size-sc.good, sc.good))
	default:
		if sc.size == 0 {
			report = append(report, path+": empty (no header yet)")
		}
		return append(report, "ok"), true, nil
	}
	if !fix {
		return report, false, nil
	}
	if err := f.Truncate(sc.good); err != nil {
		return report, false, err
	}
	if err := f.Sync(); err != nil {
		return report, false, err
	}
	return append(report, fmt.Sprintf("repaired: cut to %d bytes", sc.good)), true, nil
}

// noFrameAfter reports whether no valid frame starts anywhere in the file
// after offset start: the damage at start is then a torn tail.
func noFrameAfter(f *os.File, start, size int64) (bool, error) {
	rest := make([]byte, size-start)
	if _, err := f.ReadAt(rest, start); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	var d Decoder
	var op Op
	for i := 1; i+5 <= len(rest); i++ {
		n := int(binary.BigEndian.Uint32(rest[i:]))
		if rest[i+4] != '{' || n < 2 || n > len(rest)-i-4 {
			continue
		}
		if d.DecodePayload(rest[i+4:i+4+n], &op) == nil {
			return false, nil
		}
	}
	return true, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// AOF appends logged operations to a file as NADB frames, the same bytes a
// secondary receives. A background goroutine writes and fsyncs according to
// the policy; Close stops it.
type AOF struct {
	path   string
	policy atomic.Int32 // FsyncPolicy; CONFIG SET appendfsync changes it
	logger *slog.Logger
	f      *os.File

	mu       sync.Mutex // guards the fields below
	buf      []byte     // encoded frames not yet written
	bufLast  uint64     // sequence of the last frame in buf
	written  uint64     // last sequence handed to the OS (write returned)
	synced   uint64     // last sequence fsynced
	err      error      // the last write or fsync error, until one succeeds
	changed  chan struct{}
	kick     chan struct{}
	closed   bool // Close was called: the writer does its last flush
	flushing bool // a flush is writing to the file; see flushLocked
	// fsyncFailed makes a.err permanent: see flush.
	fsyncFailed bool
	stopped     bool // the last flush is done: nothing more will be synced

	enc   Encoder
	build opBuilder
	op    Op

	done chan struct{}
}

// OpenAOF opens path for appending, creating it with a header frame for
// history (replID, base) when it does not exist or is empty. last is the
// sequence of the last operation already in the file (base for a new one).
func OpenAOF(path, replID string, base, last uint64, policy FsyncPolicy, logger *slog.Logger) (*AOF, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	a := &AOF{path: path, logger: logger, f: f, written: last, synced: last, bufLast: last,
		changed: make(chan struct{}), kick: make(chan struct{}, 1), done: make(chan struct{})}
	if st.Size() == 0 {
		var enc Encoder
		hdr, err := enc.AppendFrame(nil, &Op{Type: OpMetadata, Sequence: base, Timestamp: nowSeconds(), ReplID: []byte(replID), Has: FieldReplID})
		if err == nil {
			_, err = f.Write(hdr)
		}
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	a.policy.Store(int32(policy))
	go a.run()
	return a, nil
}

// add encodes e into the buffer. It runs under the log's lock, in the
// order operations are logged.
func (a *AOF) add(e *Entry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.build.fill(&a.op, e, e.TimeMs)
	buf, err := a.enc.AppendFrame(a.buf, &a.op)
	if err != nil {
		a.logger.Error("cannot encode an operation for the append-only file", "sequence", e.Seq, "err", err)
		return
	}
	a.buf, a.bufLast = buf, e.Seq
	// Writers waiting for their reply flush the buffer themselves; wake
	// the background writer only for a large buffer (operations logged
	// without a waiting client, such as expiry, otherwise go out within
	// a second).
	if len(a.buf) > 1<<20 {
		select {
		case a.kick <- struct{}{}:
		default:
		}
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
		a.flushLocked(sync || (closed && policy != FsyncNo))
		a.mu.Unlock()
		if closed {
			return
		}
	}
}

// waitChangeLocked waits, with a.mu held, until the next flush ends.
func (a *AOF) waitChangeLocked() {
	ch := a.changed
	a.mu.Unlock()
	<-ch
	a.mu.Lock()
}

// flushLocked writes what is buffered and, when sync is set, fsyncs the
// file. The caller holds a.mu and no flush is running; a.mu is released
// during the I/O, and a.flushing keeps every other flush out meanwhile, so
// buffers reach the file in the order they were filled. Writers waiting for
// their reply run it themselves when no flush is running (a leader flushes
// for everyone who is waiting: group commit without a goroutine handoff).
func (a *AOF) flushLocked(sync bool) {
	buf, last, fatal := a.buf, a.bufLast, a.fsyncFailed
	needSync := sync && a.synced < last
	a.buf = nil
	a.flushing = true
	a.mu.Unlock()
	var err, syncErr error
	n := 0
	if len(buf) > 0 && !fatal {
		n, err = a.f.Write(buf)
	}
	if err == nil && !fatal && needSync {
		syncErr = a.f.Sync()
	}
	a.mu.Lock()
	a.flushing = false
	switch {
	case fatal:
		a.buf = append(buf, a.buf...)
	case err != nil:
		if a.err == nil {
			a.logger.Error("append-only file write failed; refusing writes until it succeeds", "file", a.path, "err", err)
		}
		a.err = err
		// Keep what was not written; it is written on the next attempt.
		a.buf = append(buf[n:], a.buf...)
	case syncErr != nil:
		// After a failed fsync the kernel may have dropped the pages: a
		// later fsync that succeeds proves nothing. Refuse writes until
		// the server restarts and verifies the file.
		a.logger.Error("append-only file fsync failed; refusing writes until restart", "file", a.path, "err", syncErr)
		a.err, a.fsyncFailed = syncErr, true
	default:
		a.err = nil
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
	for *pos < seq && a.err == nil && !a.stopped {
		if !a.flushing && !a.closed {
			a.flushLocked(sync)
			continue
		}
		a.waitChangeLocked()
	}
	if a.err == nil && *pos < seq {
		return ErrAOFClosed
	}
	return a.err
}

// ErrAOFClosed is returned by WaitDurable for a write that the closed file
// did not take.
var ErrAOFClosed = errors.New("append-only file closed")

// Policy returns the fsync policy.
func (a *AOF) Policy() FsyncPolicy { return FsyncPolicy(a.policy.Load()) }

// SetPolicy changes the fsync policy for writes from now on.
func (a *AOF) SetPolicy(p FsyncPolicy) {
	a.policy.Store(int32(p))
	select { // an fsync owed under the new policy happens now
	case a.kick <- struct{}{}:
	default:
	}
}

// WriteError returns the error of the last write or fsync of the file, or
// nil when it succeeded.
func (a *AOF) WriteError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

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
	select {
	case a.kick <- struct{}{}:
	default:
	}
	<-a.done
	a.mu.Lock()
	a.stopped = true
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		return err
	}
	return a.f.Close()
}
