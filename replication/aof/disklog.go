package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// HistoryStart returns the base of the oldest segment from which every
// segment on disk belongs to history replID: a partial resync of that
// history can start right after it.
func (a *AOF) HistoryStart(replID string) (uint64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := len(a.segs)
	for i > 0 && a.segs[i-1].ReplID == replID {
		i--
	}
	if i == len(a.segs) {
		return 0, false
	}
	return a.segs[i].Base, true
}

// ErrCompacted is returned when a position has already left the log: the
// in-memory one, or the segments on disk.
var ErrCompacted = errors.New("position is no longer in the operation log")

// readBytes bounds the frames one read of the log back returns (at least
// one entry).
const readBytes = 4 << 20

// NewCursor returns a Cursor over the segments of history replID, for an
// engine of dbs databases.
func (a *AOF) NewCursor(replID string, dbs int) frame.Cursor {
	return &Cursor{aof: a, replID: replID, dbs: dbs}
}

// Cursor reads the log back from its segments on disk, for a secondary
// whose position has left the in-memory log. It reads sequentially and
// keeps its file open between calls; Close releases it.
type Cursor struct {
	aof    *AOF
	replID string
	dbs    int

	f      *os.File
	rd     *frame.Reader
	next   uint64 // the sequence the next entry returned holds
	segEnd uint64 // the last sequence of the open segment (MaxUint64: the newest)
	op     frame.Op
	// rest are the operations of a batch read but not returned yet (the
	// batch started before the position asked, or ran past a limit),
	// from next on, without frames.
	rest []frame.Entry
}

func (c *Cursor) Close() {
	if c != nil && c.f != nil {
		_ = c.f.Close()
		c.f = nil
	}
}

// open positions the cursor at sequence seq of history c.replID.
func (c *Cursor) open(seq uint64) error {
	c.Close()
	segs := c.aof.Segments()
	i := -1
	for j, s := range segs {
		if s.Base < seq && (j == len(segs)-1 || seq <= segs[j+1].Base) {
			i = j
			break
		}
	}
	if i < 0 {
		return ErrCompacted
	}
	for _, s := range segs[i:] {
		if s.ReplID != c.replID {
			return ErrCompacted
		}
	}
	f, err := os.Open(segs[i].Path)
	if errors.Is(err, os.ErrNotExist) {
		return ErrCompacted // deleted by a snapshot meanwhile
	}
	if err != nil {
		return err
	}
	c.f, c.rd = f, frame.NewReader(bufio.NewReaderSize(f, 64<<10), frame.FileMaxFrame(math.MaxUint32))
	c.segEnd = math.MaxUint64
	if i < len(segs)-1 {
		c.segEnd = segs[i+1].Base
	}
	if err := c.rd.Next(&c.op); err != nil || c.op.Type != frame.OpMetadata || c.op.Sequence != segs[i].Base {
		return fmt.Errorf("%w: %s: bad segment header", ErrCorruptLog, segs[i].Path)
	}
	c.rest = c.rest[:0]
	for pos := segs[i].Base; pos+1 < seq; {
		if err := c.rd.Next(&c.op); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorruptLog, segs[i].Path, err)
		}
		if c.op.Sequence != pos+1 {
			return fmt.Errorf("%w: %s: sequence %d after %d", ErrCorruptLog, segs[i].Path, c.op.Sequence, pos)
		}
		if c.op.Type != frame.OpOpBatch {
			pos++
			continue
		}
		if pos += c.op.Count; pos >= seq {
			// seq is inside this batch: its operations from seq on wait.
			items, err := opBatchItems(&c.op, c.dbs, time.Now().UnixMilli())
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorruptLog, segs[i].Path, err)
			}
			for _, it := range items[seq-c.op.Sequence:] {
				c.rest = append(c.rest, it.entry())
			}
			break
		}
	}
	c.next = seq
	return nil
}

// Read appends to buf the entries from seq on, at most max of them and
// none after limit (the last sequence known to be in the files).
func (c *Cursor) Read(seq uint64, max int, limit uint64, buf []frame.Entry) ([]frame.Entry, error) {
	if seq > limit {
		return buf, nil
	}
	if c.f == nil || seq != c.next || seq > c.segEnd {
		if err := c.open(seq); err != nil {
			return buf, err
		}
	}
	reopened := false
	now := time.Now().UnixMilli()
	// Operations of a batch read before come first.
	for len(c.rest) > 0 && max > 0 && c.next <= limit {
		buf = append(buf, c.rest[0])
		c.rest = c.rest[1:]
		c.next++
		max--
	}
	if len(c.rest) > 0 {
		return buf, nil
	}
	// The frames go out as the file holds them: one buffer for this read,
	// each entry's Frame (a batch's first entry's Batch) a slice of it
	// once it no longer grows.
	type mark struct {
		entry, end int // the entry (in buf) that gets the frame ending at end in raw
		batch      bool
	}
	var raw []byte
	var marks []mark
	defer func() {
		off := 0
		for _, m := range marks {
			if m.batch {
				buf[m.entry].Batch = raw[off:m.end:m.end]
			} else {
				buf[m.entry].Frame = raw[off:m.end:m.end]
			}
			off = m.end
		}
	}()
	for max > 0 && c.next <= limit && len(raw) < readBytes {
		if c.next > c.segEnd {
			if err := c.open(c.next); err != nil {
				return buf, err
			}
		}
		err := c.rd.Next(&c.op)
		if errors.Is(err, io.EOF) && !reopened {
			// The segment ended at a cut made after it was opened.
			reopened = true
			if err := c.open(c.next); err != nil {
				return buf, err
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("%w: reading the log back: %v", ErrCorruptLog, err)
		}
		if c.op.Sequence != c.next {
			return buf, fmt.Errorf("%w: reading the log back: sequence %d, expected %d", ErrCorruptLog, c.op.Sequence, c.next)
		}
		if c.op.Type == frame.OpOpBatch {
			items, err := opBatchItems(&c.op, c.dbs, now)
			if err != nil {
				return buf, fmt.Errorf("%w: reading the log back: %v", ErrCorruptLog, err)
			}
			first := len(buf)
			for i, it := range items {
				if it.seq > limit {
					// Past what the files are known to hold: later.
					for _, r := range items[i:] {
						c.rest = append(c.rest, r.entry())
					}
					break
				}
				buf = append(buf, it.entry())
				c.next++
				max--
			}
			if len(c.rest) == 0 {
				// The whole batch is returned: it goes as it is.
				raw = c.rd.AppendLast(raw)
				marks = append(marks, mark{entry: first, end: len(raw), batch: true})
				buf[first].BatchLen = len(items)
			}
			if len(c.rest) > 0 {
				return buf, nil
			}
			continue
		}
		ef, ok, err := frame.EffectOf(&c.op, c.dbs, now)
		if err != nil {
			return buf, err
		}
		if !ok {
			return buf, fmt.Errorf("%w: %s at %d carries no change", ErrCorruptLog, c.op.Type, c.op.Sequence)
		}
		buf = append(buf, frame.Entry{Seq: c.next, Effect: ef, Group: c.groupOf(), TimeMs: int64(c.op.Timestamp * 1000)})
		raw = c.rd.AppendLast(raw)
		marks = append(marks, mark{entry: len(buf) - 1, end: len(raw)})
		c.next++
		max--
	}
	return buf, nil
}

func (c *Cursor) groupOf() int {
	if c.op.Has&frame.FieldGroup != 0 && c.op.Group > 1 {
		return c.op.Group
	}
	return 1
}
