package replication

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
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
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	cr := &countingReader{r: f}
	rd := NewReader(cr, DefaultMaxFrame)
	var (
		op    Op
		h     *History
		group []engine.Effect
		good  int64 // end of the last complete group: where a torn file is cut
		seq   uint64
	)
	for {
		start := cr.n - int64(rd.Buffered())
		err := rd.Next(&op)
		if errors.Is(err, io.EOF) {
			break
		}
		end := cr.n - int64(rd.Buffered())
		if err != nil {
			if errors.Is(err, ErrTruncated) || (end == size && errors.Is(err, ErrBadChecksum)) || (start+4 <= size && end >= size) {
				break // a torn last frame
			}
			return nil, fmt.Errorf("%w: %s at offset %d: %v", ErrCorruptLog, path, start, err)
		}
		if h == nil {
			if op.Type != OpMetadata || op.Has&FieldReplID == 0 {
				return nil, fmt.Errorf("%w: %s at offset 0: no header frame", ErrCorruptLog, path)
			}
			h = &History{ReplID: string(op.ReplID), Base: op.Sequence, Last: op.Sequence}
			seq, good = op.Sequence, end
			continue
		}
		if op.Sequence != seq+1 {
			return nil, fmt.Errorf("%w: %s at offset %d: sequence %d after %d", ErrCorruptLog, path, start, op.Sequence, seq)
		}
		ef, ok, err := effectOf(&op, dbs, time.Now().UnixMilli())
		if err != nil {
			return nil, fmt.Errorf("%w: %s at offset %d: %v", ErrCorruptLog, path, start, err)
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
			group, h.Last, good = nil, seq, end
		}
	}
	if h == nil {
		return nil, fmt.Errorf("%w: %s: no header frame", ErrCorruptLog, path)
	}
	if good < size {
		logger.Warn("append-only file ends with an incomplete write; cutting it off", "file", path, "bytes_dropped", size-good, "last_sequence", h.Last)
		if err := f.Truncate(good); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	return h, nil
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
	policy FsyncPolicy
	logger *slog.Logger
	f      *os.File

	mu      sync.Mutex // guards the fields below
	buf     []byte     // encoded frames not yet written
	bufLast uint64     // sequence of the last frame in buf
	synced  uint64     // last sequence written (and fsynced, unless FsyncNo)
	err     error      // the last write or fsync error, until one succeeds
	changed chan struct{}
	kick    chan struct{}
	closed  bool

	enc   Encoder
	build opBuilder
	op    Op

	done chan struct{}
}

// OpenAOF opens path for appending, creating it with a header frame for
// history (replID, base) when it does not exist or is empty.
func OpenAOF(path, replID string, base uint64, policy FsyncPolicy, logger *slog.Logger) (*AOF, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	a := &AOF{path: path, policy: policy, logger: logger, f: f, synced: base, bufLast: base,
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
	if a.policy == FsyncAlways || len(a.buf) > 1<<20 {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// run writes the buffer: at once when kicked (always, or a large buffer),
// otherwise once a second.
func (a *AOF) run() {
	defer close(a.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.kick:
		case <-t.C:
		}
		a.mu.Lock()
		closed := a.closed
		a.mu.Unlock()
		a.flush()
		if closed {
			return
		}
	}
}

// flush writes what is buffered and, unless the policy is no, fsyncs it.
func (a *AOF) flush() {
	a.mu.Lock()
	buf, last := a.buf, a.bufLast
	a.buf = nil
	a.mu.Unlock()
	var err error
	if len(buf) > 0 {
		_, err = a.f.Write(buf)
	}
	if err == nil && a.policy != FsyncNo && (len(buf) > 0 || a.policy == FsyncEverySec) {
		err = a.f.Sync()
	}
	a.mu.Lock()
	if err != nil {
		if a.err == nil {
			a.logger.Error("append-only file write failed", "file", a.path, "err", err)
		}
		a.err = err
		// Keep the frames: they are written again on the next attempt.
		a.buf = append(buf, a.buf...)
	} else {
		a.err = nil
		a.synced = last
	}
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
}

// WaitDurable blocks until sequence seq is on disk (fsynced), or a write
// error occurs, which it returns. With FsyncAlways it is what a write's
// reply waits for.
func (a *AOF) WaitDurable(seq uint64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.synced < seq && a.err == nil && !a.closed {
		ch := a.changed
		a.mu.Unlock()
		<-ch
		a.mu.Lock()
	}
	return a.err
}

// Policy returns the fsync policy.
func (a *AOF) Policy() FsyncPolicy { return a.policy }

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
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	if err := a.f.Sync(); err != nil {
		a.f.Close()
		return err
	}
	return a.f.Close()
}
