package engine

import (
	"strconv"
)

// The stream commands. Each runs in one critical section and reports
// what it changed as EffectApply operations (streamApplyOps): XADD with
// the ID it gave, then XTRIM with the number of entries its trimming
// removed, so that a replica's stream is the primary's entry for entry.
// Entries returned are copies.

// StreamEntry is one entry as the stream commands return it.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte // field, value, field, value...
}

// XAddID is the ID XADD asks for: ID itself, or with Auto ("*") the
// next one by the clock, or with AutoSeq ("ms-*") the next one in ID.Ms.
type XAddID struct {
	ID            StreamID
	Auto, AutoSeq bool
}

// streamWrite returns key's entry and stream for a change; found is
// false for a missing key.
func (e *Engine) streamWrite(d int, key string) (entry, *streamObj, bool, error) {
	en, c, found, err := e.collWrite(d, key, TypeStream)
	if c == nil {
		return en, nil, found, err
	}
	return en, c.(*streamObj), found, nil
}

// streamRead returns key's stream for a read (nil when missing).
func (e *Engine) streamRead(d int, key string) (*streamObj, error) {
	c, err := e.collRead(d, key, TypeStream)
	if c == nil {
		return nil, err
	}
	return c.(*streamObj), nil
}

// nextID returns the ID XADD gives: an error when it is not above the
// stream's last (or none is left).
func (s *streamObj) nextID(want XAddID, now int64) (StreamID, error) {
	if s.last == MaxStreamID {
		return StreamID{}, ErrStreamExhausted
	}
	switch {
	case want.Auto:
		ms := max(uint64(max(now, 0)), s.last.Ms)
		if ms == s.last.Ms {
			id, _ := s.last.Next()
			return id, nil
		}
		return StreamID{ms, 0}, nil
	case want.AutoSeq:
		switch {
		case want.ID.Ms < s.last.Ms:
			return StreamID{}, ErrStreamIDSmall
		case want.ID.Ms == s.last.Ms && s.last.Seq == MaxStreamID.Seq:
			return StreamID{}, ErrStreamSeqExhausted
		case want.ID.Ms == s.last.Ms:
			return StreamID{want.ID.Ms, s.last.Seq + 1}, nil
		}
		return StreamID{want.ID.Ms, 0}, nil
	}
	if want.ID.Compare(s.last) <= 0 {
		return StreamID{}, ErrStreamIDSmall
	}
	return want.ID, nil
}

// XAdd adds an entry of pairs (field, value alternating) to key's stream,
// creating it unless noMk (then a missing key gives ok false), and trims
// it as trim says (nil: not at all). It returns the entry's ID.
func (e *Engine) XAdd(d int, key string, want XAddID, pairs [][]byte, noMk bool, trim *StreamTrim) (id StreamID, ok bool, err error) {
	e.lock()
	defer e.unlock()
	en, s, found, err := e.streamWrite(d, key)
	switch {
	case err != nil:
		return id, false, err
	case !found && noMk:
		return id, false, nil
	case !found:
		s = newStream()
	}
	if id, err = s.nextID(want, e.nowMs()); err != nil {
		return id, false, err
	}
	var data []byte
	for _, p := range pairs {
		data = AppendPacked(data, p)
	}
	s.appendEntry(id, data)
	s.added++
	k := keyOf(&en, found, key)
	e.saveColl(d, key, &en, found, s)
	words := make([][]byte, 0, len(pairs)+2)
	words = append(words, word("XADD"), id.Append(nil))
	e.emitApply(d, k, append(words, pairs...)...)
	e.notify(EventStream, "xadd", d, k)
	if trim != nil {
		e.trimLocked(d, k, s, trim)
	}
	return id, true, nil
}

// trimLocked trims s, key's stream, as t says, and returns how many
// entries went.
func (e *Engine) trimLocked(d int, key string, s *streamObj, t *StreamTrim) int {
	n := s.trimCount(t)
	if n == 0 {
		return 0
	}
	s.trimFirst(n)
	en, _ := e.getLocked(d, key)
	e.saveColl(d, key, &en, true, s)
	e.emitApply(d, en.key, word("XTRIM"), intWord(int64(n)))
	e.notify(EventStream, "xtrim", d, en.key)
	return n
}

// XTrim trims key's stream as t says and returns how many entries went.
func (e *Engine) XTrim(d int, key string, t StreamTrim) (int, error) {
	e.lock()
	defer e.unlock()
	_, s, found, err := e.streamWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	return e.trimLocked(d, key, s, &t), nil
}

// XDel removes the entries of ids from key's stream and returns how many
// there were.
func (e *Engine) XDel(d int, key string, ids []StreamID) (int, error) {
	e.lock()
	defer e.unlock()
	en, s, found, err := e.streamWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	words := [][]byte{word("XDEL")}
	for _, id := range ids {
		if s.delete(id) {
			words = append(words, id.Append(nil))
		}
	}
	if len(words) == 1 {
		return 0, nil
	}
	k := en.key
	e.saveColl(d, key, &en, found, s)
	e.emitApply(d, k, words...)
	e.notify(EventStream, "xdel", d, k)
	return len(words) - 1, nil
}

// XLen returns the number of entries of key's stream (0 when missing).
func (e *Engine) XLen(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	s, err := e.streamRead(d, key)
	if s == nil {
		return 0, err
	}
	return s.live, nil
}

// entryOut is a copy of en as the commands return it.
func entryOut(en *streamEntry) StreamEntry {
	out := StreamEntry{ID: en.id}
	_ = EachPacked(en.data, func(w []byte) bool {
		out.Fields = append(out.Fields, append([]byte{}, w...))
		return true
	})
	return out
}

// rangeOf returns the entries of s from start to end inclusive, at most
// count (0: all), from the end when rev.
func (s *streamObj) rangeOf(start, end StreamID, count int64, rev bool) []StreamEntry {
	out := []StreamEntry{}
	if start.Compare(end) > 0 {
		return out
	}
	lo, hi := s.search(start), s.search(end)
	if hi < len(s.ents) && s.ents[hi].id == end {
		hi++
	}
	for i := range hi - lo {
		if count > 0 && int64(len(out)) >= count {
			break
		}
		j := lo + i
		if rev {
			j = hi - 1 - i
		}
		if !s.ents[j].dead() {
			out = append(out, entryOut(&s.ents[j]))
		}
	}
	return out
}

// XRange returns the entries of key's stream between start and end
// inclusive (XRANGE; from the end with rev, XREVRANGE), at most count
// when count > 0. A missing key gives none.
func (e *Engine) XRange(d int, key string, start, end StreamID, count int64, rev bool) ([]StreamEntry, error) {
	e.lock()
	defer e.unlock()
	s, err := e.streamRead(d, key)
	if s == nil {
		return []StreamEntry{}, err
	}
	return s.rangeOf(start, end, count, rev), nil
}

// StreamRead is one key's part of XREAD's reply.
type StreamRead struct {
	Key     string
	Entries []StreamEntry
}

// XRead returns, for each of keys in turn, its entries after the ID at
// the same place of after, at most count each (0: all); keys that are
// missing or have no such entries are left out. ErrWrongType when a key
// holds another type.
func (e *Engine) XRead(d int, keys []string, after []StreamID, count int64) ([]StreamRead, error) {
	e.lock()
	defer e.unlock()
	var out []StreamRead
	for i, k := range keys {
		s, err := e.streamRead(d, k)
		if err != nil {
			return nil, err
		}
		if s == nil {
			continue
		}
		from, ok := after[i].Next()
		if !ok {
			continue
		}
		if ents := s.rangeOf(from, MaxStreamID, count, false); len(ents) > 0 {
			out = append(out, StreamRead{k, ents})
		}
	}
	return out, nil
}

// XLastID returns the last ID of key's stream (0-0 when missing): what
// XREAD's "$" stands for. It counts no access.
func (e *Engine) XLastID(d int, key string) (StreamID, error) {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil {
		return StreamID{}, err
	}
	return c.(*streamObj).last, nil
}

// XHasAfter reports whether key holds a stream whose last ID is after id
// (a blocked XREAD's wait is over, as Redis decides it: even when the
// entries after id were trimmed or deleted since).
func (e *Engine) XHasAfter(d int, key string, id StreamID) bool {
	e.lock()
	defer e.unlock()
	c, _ := e.collPeek(d, key, TypeStream)
	return c != nil && c.(*streamObj).last.Compare(id) > 0
}

// XReadAfter returns the entries of key's stream after id, at most count
// (0: all), none when there are none: a blocked XREAD's reply.
func (e *Engine) XReadAfter(d int, key string, id StreamID, count int64) ([]StreamEntry, error) {
	e.lock()
	defer e.unlock()
	s, err := e.streamRead(d, key)
	if s == nil {
		return []StreamEntry{}, err
	}
	from, ok := id.Next()
	if !ok {
		return []StreamEntry{}, nil
	}
	return s.rangeOf(from, MaxStreamID, count, false), nil
}

// XSetID sets the last ID of key's stream, and its entries added and
// largest deleted ID when given (non-nil).
func (e *Engine) XSetID(d int, key string, last StreamID, added *uint64, maxDel *StreamID) error {
	e.lock()
	defer e.unlock()
	en, s, found, err := e.streamWrite(d, key)
	switch {
	case err != nil:
		return err
	case !found:
		return ErrNoSuchKey
	case len(s.ents) > 0 && last.Compare(s.ents[len(s.ents)-1].id) < 0:
		return ErrSetIDSmall
	case added != nil && *added < uint64(s.live):
		return ErrSetIDAdded
	}
	s.last = last
	if added != nil {
		s.added = *added
	}
	if maxDel != nil && *maxDel != (StreamID{}) {
		s.maxDel = *maxDel // 0-0 leaves it, as in Redis
	}
	k := en.key
	e.saveColl(d, key, &en, found, s)
	e.emitApply(d, k, word("XSETID"), s.last.Append(nil), strconv.AppendUint(nil, s.added, 10), s.maxDel.Append(nil))
	e.notify(EventStream, "xsetid", d, k)
	return nil
}

// StreamInfo is XINFO STREAM's answer.
type StreamInfo struct {
	Length                  int
	Nodes                   int // runs of streamNodeEntries entries (Redis's radix tree keys)
	Last, MaxDeleted, First StreamID
	Added                   uint64
	FirstEntry, LastEntry   *StreamEntry  // nil when empty
	Entries                 []StreamEntry // FULL: the first count entries (all when count is 0)
	Groups                  int
	GroupInfo               []GroupInfo // FULL
}

// XInfo returns key's stream's information; ok is false when missing.
// With full, Entries holds its first count entries (all for 0).
func (e *Engine) XInfo(d int, key string, full bool, count int64) (StreamInfo, bool, error) {
	e.lock()
	defer e.unlock()
	c, err := e.collPeek(d, key, TypeStream)
	if c == nil {
		return StreamInfo{}, false, err
	}
	s := c.(*streamObj)
	in := StreamInfo{Length: s.live, Last: s.last, MaxDeleted: s.maxDel, Added: s.added,
		Nodes: (s.live + streamNodeEntries - 1) / streamNodeEntries}
	if n := len(s.ents); n > 0 {
		in.First = s.ents[0].id
		first, last := entryOut(&s.ents[0]), entryOut(&s.ents[n-1])
		in.FirstEntry, in.LastEntry = &first, &last
	}
	in.Groups = len(s.groups)
	if full {
		in.Entries = s.rangeOf(StreamID{}, MaxStreamID, count, false)
		for _, g := range s.groups {
			in.GroupInfo = append(in.GroupInfo, s.groupInfo(g, true, count))
		}
	}
	return in, true, nil
}
