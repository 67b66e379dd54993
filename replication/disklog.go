package replication

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"
)

// historyStart returns the base of the oldest segment from which every
// segment on disk belongs to history replID: a partial resync of that
// history can start right after it.
func (a *AOF) historyStart(replID string) (uint64, bool) {
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

// diskCursor reads the log back from its segments on disk, for a secondary
// whose position has left the in-memory log. It reads sequentially and
// keeps its file open between calls.
type diskCursor struct {
	aof    *AOF
	replID string
	dbs    int

	f      *os.File
	rd     *Reader
	next   uint64 // the sequence the next frame read holds
	segEnd uint64 // the last sequence of the open segment (MaxUint64: the newest)
	op     Op
}

func (c *diskCursor) close() {
	if c != nil && c.f != nil {
		_ = c.f.Close()
		c.f = nil
	}
}

// open positions the cursor at sequence seq of history c.replID.
func (c *diskCursor) open(seq uint64) error {
	c.close()
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
	c.f, c.rd = f, NewReader(bufio.NewReaderSize(f, 64<<10), fileMaxFrame(math.MaxUint32))
	c.segEnd = math.MaxUint64
	if i < len(segs)-1 {
		c.segEnd = segs[i+1].Base
	}
	if err := c.rd.Next(&c.op); err != nil || c.op.Type != OpMetadata || c.op.Sequence != segs[i].Base {
		return fmt.Errorf("%w: %s: bad segment header", ErrCorruptLog, segs[i].Path)
	}
	for pos := segs[i].Base; pos+1 < seq; pos++ {
		if err := c.rd.Next(&c.op); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorruptLog, segs[i].Path, err)
		}
		if c.op.Sequence != pos+1 {
			return fmt.Errorf("%w: %s: sequence %d after %d", ErrCorruptLog, segs[i].Path, c.op.Sequence, pos)
		}
	}
	c.next = seq
	return nil
}

// read appends to buf the entries from seq on, at most max of them and
// none after limit (the last sequence known to be in the files).
func (c *diskCursor) read(seq uint64, max int, limit uint64, buf []Entry) ([]Entry, error) {
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
	// The frames go out as the file holds them: one buffer for this read,
	// each entry's Frame a slice of it once it no longer grows.
	start := len(buf)
	var raw []byte
	var ends []int
	defer func() {
		off := 0
		for i, end := range ends {
			buf[start+i].Frame = raw[off:end:end]
			off = end
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
		ef, ok, err := effectOf(&c.op, c.dbs, now)
		if err != nil {
			return buf, err
		}
		if !ok {
			return buf, fmt.Errorf("%w: %s at %d carries no change", ErrCorruptLog, c.op.Type, c.op.Sequence)
		}
		buf = append(buf, Entry{Seq: c.next, Effect: ef, Group: c.groupOf(), TimeMs: int64(c.op.Timestamp * 1000)})
		raw = c.rd.AppendLast(raw)
		ends = append(ends, len(raw))
		c.next++
		max--
	}
	return buf, nil
}

func (c *diskCursor) groupOf() int {
	if c.op.Has&FieldGroup != 0 && c.op.Group > 1 {
		return c.op.Group
	}
	return 1
}
