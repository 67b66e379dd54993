package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// A stream is a collection (see coll.go) of entries in the order of their
// IDs, each ID two 64-bit numbers, milliseconds and a sequence, and each
// entry its field-value pairs packed in one byte slice (AppendPacked),
// so that an entry costs its bytes and one small header rather than a Go
// string per field. A stream also keeps what Redis keeps beside its
// entries: the last ID it gave (never smaller than any entry's), how many
// entries were ever added, and the largest ID XDEL removed. A stream
// left without entries (XDEL, XTRIM) stays, as in Redis.
//
// XDEL of an entry in the middle leaves a tombstone (its data nil) rather
// than moving the entries after it; the first and the last entry are
// never tombstones, and the slice is compacted once half of it is.
//
// The value hash sums a hash of each entry (its ID and fields: IDs are
// unique, so the order is implied) and mixes in the three numbers, so
// appending, deleting and trimming update it in O(1) per entry.

// StreamID is a stream entry's ID.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the largest ID (Redis's "+").
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare orders IDs: -1, 0 or 1.
func (a StreamID) Compare(b StreamID) int {
	switch {
	case a.Ms != b.Ms:
		if a.Ms < b.Ms {
			return -1
		}
		return 1
	case a.Seq != b.Seq:
		if a.Seq < b.Seq {
			return -1
		}
		return 1
	}
	return 0
}

// String is the ID as Redis writes it: "ms-seq".
func (a StreamID) String() string { return string(a.Append(nil)) }

// Append appends the ID's text to dst.
func (a StreamID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

// Next is the ID just after a (false when a is the last possible).
func (a StreamID) Next() (StreamID, bool) {
	switch {
	case a.Seq < math.MaxUint64:
		return StreamID{a.Ms, a.Seq + 1}, true
	case a.Ms < math.MaxUint64:
		return StreamID{a.Ms + 1, 0}, true
	}
	return a, false
}

// Prev is the ID just before a (false when a is 0-0).
func (a StreamID) Prev() (StreamID, bool) {
	switch {
	case a.Seq > 0:
		return StreamID{a.Ms, a.Seq - 1}, true
	case a.Ms > 0:
		return StreamID{a.Ms - 1, math.MaxUint64}, true
	}
	return a, false
}

// ParseStreamID reads "ms-seq", or "ms" with the sequence missingSeq, as
// Redis's streamParseID does: decimal numbers, no sign, no spaces.
// hasSeq reports whether the sequence was given.
func ParseStreamID(b []byte, missingSeq uint64) (id StreamID, hasSeq, ok bool) {
	if len(b) == 0 || len(b) > 127 {
		return id, false, false
	}
	ms, seq, dash := b, []byte(nil), false
	for i, c := range b {
		if c == '-' {
			ms, seq, dash = b[:i], b[i+1:], true
			break
		}
	}
	if id.Ms, ok = idPart(ms); !ok {
		return id, false, false
	}
	if !dash {
		id.Seq = missingSeq
		return id, false, true
	}
	if id.Seq, ok = idPart(seq); !ok {
		return id, false, false
	}
	return id, true, true
}

// idPart reads one part of a client's stream ID as Redis's string2ull
// does: a decimal that reads as a 64-bit integer (no sign but a minus, no
// leading zero) must not be negative; anything else is read by strtoull,
// which skips leading white space, takes a sign (a minus negates modulo
// 2^64: "-01" is 2^64 - 1) and refuses a number beyond 64 bits, and must
// be read to its end.
func idPart(b []byte) (uint64, bool) {
	if n, ok := ParseInt(b); ok {
		return uint64(n), n >= 0
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	return ParseSignedUint(b[i:])
}

// ParseSignedUint reads what C's strtoull reads after the white space it
// skips: an optional sign, then at least one digit and nothing else; a
// value past 2^64-1 is refused, and a minus negates modulo 2^64.
func ParseSignedUint(b []byte) (uint64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if len(b) > 0 && (b[0] == '+' || neg) {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false // no digit
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseUint64 reads an unsigned decimal as strtoull with Redis's checks:
// digits only, within 64 bits.
func parseUint64(b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, errors.New("empty")
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
	}
	return strconv.ParseUint(string(b), 10, 64)
}

// streamEntry is one entry: its ID and its packed fields and values (nil:
// a tombstone, see remove).
type streamEntry struct {
	id   StreamID
	data []byte
}

func (en *streamEntry) dead() bool { return en.data == nil }

// streamEntryOverhead is what an entry is accounted beyond its packed
// fields: its place in the slice and its data's allocation.
const streamEntryOverhead = 56

func (en *streamEntry) hash() uint64 {
	var b [48]byte
	h := elemHash(en.id.Append(b[:0]))
	return mix(h^elemHash(en.data), kF)
}

// streamObj is a stream.
type streamObj struct {
	ents   []streamEntry
	live   int      // entries that are not tombstones
	dead   int      // tombstones
	last   StreamID // the last ID given (Redis's last_id)
	maxDel StreamID // the largest ID XDEL removed
	added  uint64   // entries ever added
	sum    uint64   // Σ of the entries' hashes
	mem    int64
	groups []*streamGroup // by name (streamgroup.go)
	ghash  uint64         // Σ of the groups' hashes
	gmem   int64          // Σ of the groups' memory
}

func newStream() *streamObj { return &streamObj{} }

func (s *streamObj) typ() ValueType   { return TypeStream }
func (s *streamObj) length() int      { return s.live }
func (s *streamObj) memory() int64    { return s.mem + s.gmem }
func (s *streamObj) encoding() string { return "stream" }

func (s *streamObj) valueHash() uint64 {
	var b [96]byte
	meta := s.last.Append(b[:0])
	meta = strconv.AppendUint(append(meta, ' '), s.added, 10)
	meta = s.maxDel.Append(append(meta, ' '))
	return mix(s.sum+elemHash(meta)+mix(s.ghash, kD), kE) | 1
}

func (s *streamObj) clone() coll {
	c := *s
	c.ents, c.dead = make([]streamEntry, 0, s.live), 0
	for _, en := range s.ents {
		if !en.dead() {
			// An entry's data is never written again (deleting one
			// drops its slice), so the copy shares it.
			c.ents = append(c.ents, en)
		}
	}
	c.groups = make([]*streamGroup, len(s.groups))
	for i, g := range s.groups {
		c.groups[i] = g.clone()
	}
	return &c
}

// pack appends the packed form: the last ID, the entries added, the
// largest deleted ID, the number of entries, then each entry's ID, its
// number of field-value pairs and its fields and values, then the number
// of consumer groups and each group (streamGroup.pack).
func (s *streamObj) pack(dst []byte) []byte {
	var b [48]byte
	dst = AppendPacked(dst, s.last.Append(b[:0]))
	dst = AppendPacked(dst, strconv.AppendUint(b[:0], s.added, 10))
	dst = AppendPacked(dst, s.maxDel.Append(b[:0]))
	dst = AppendPacked(dst, strconv.AppendInt(b[:0], int64(s.live), 10))
	for _, en := range s.ents {
		if en.dead() {
			continue
		}
		dst = AppendPacked(dst, en.id.Append(b[:0]))
		n := 0
		_ = EachPacked(en.data, func([]byte) bool { n++; return true })
		dst = AppendPacked(dst, strconv.AppendInt(b[:0], int64(n/2), 10))
		dst = append(dst, en.data...)
	}
	dst = AppendPacked(dst, strconv.AppendInt(b[:0], int64(len(s.groups)), 10))
	for _, g := range s.groups {
		dst = g.pack(dst)
	}
	return dst
}

// errBadStream refuses a malformed packed stream.
var errBadStream = errors.New("stream: malformed value")

// streamFromPacked builds a stream from its packed form, refusing one
// whose IDs are not increasing, whose last ID is below an entry's or its
// largest deleted ID, or that counts fewer entries added than it holds.
func streamFromPacked(p []byte, _ CollLimits) (coll, error) {
	var words [][]byte
	if err := EachPacked(p, func(w []byte) bool { words = append(words, w); return true }); err != nil {
		return nil, fmt.Errorf("stream: %w", err)
	}
	next := func() ([]byte, bool) {
		if len(words) == 0 {
			return nil, false
		}
		w := words[0]
		words = words[1:]
		return w, true
	}
	id := func() (StreamID, bool) {
		w, ok := next()
		if !ok {
			return StreamID{}, false
		}
		v, hasSeq, ok := ParseStreamID(w, 0)
		return v, ok && hasSeq
	}
	count := func() (int, bool) {
		w, ok := next()
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(string(w))
		return n, err == nil && n >= 0 && n <= len(words)
	}
	s := newStream()
	var ok1, ok2, ok3 bool
	s.last, ok1 = id()
	addedW, ok2 := next()
	s.maxDel, ok3 = id()
	if !ok1 || !ok2 || !ok3 {
		return nil, errBadStream
	}
	added, err := parseUint64(addedW)
	if err != nil {
		return nil, errBadStream
	}
	n, ok := count()
	if !ok || uint64(n) > added {
		return nil, errBadStream
	}
	for range n {
		eid, ok := id()
		if !ok || (len(s.ents) > 0 && eid.Compare(s.ents[len(s.ents)-1].id) <= 0) || eid.Compare(s.last) > 0 {
			return nil, errBadStream
		}
		pairs, ok := count()
		if !ok || pairs == 0 || 2*pairs > len(words) {
			return nil, errBadStream
		}
		var data []byte
		for _, w := range words[:2*pairs] {
			data = AppendPacked(data, w)
		}
		words = words[2*pairs:]
		s.appendEntry(eid, data)
	}
	s.added = added
	if !s.parseGroups(words) {
		return nil, errBadStream
	}
	return s, nil
}

// appendEntry adds an entry after the last one (id above every entry's)
// and makes id the last ID; the caller counts it added.
func (s *streamObj) appendEntry(id StreamID, data []byte) {
	en := streamEntry{id, data}
	s.ents = append(s.ents, en)
	s.live++
	s.sum += en.hash()
	s.mem += int64(len(data)) + streamEntryOverhead
	if id.Compare(s.last) > 0 {
		s.last = id
	}
}

// search returns the index of the first entry whose ID is at least id.
func (s *streamObj) search(id StreamID) int {
	i, _ := slices.BinarySearchFunc(s.ents, id, func(en streamEntry, id StreamID) int { return en.id.Compare(id) })
	return i
}

// remove deletes the entry with id, reporting whether there was one. An
// entry in the middle becomes a tombstone; one at either end goes, with
// the tombstones it uncovers.
func (s *streamObj) remove(id StreamID) bool {
	i := s.search(id)
	if i == len(s.ents) || s.ents[i].id != id || s.ents[i].dead() {
		return false
	}
	s.forget(&s.ents[i])
	s.live--
	switch {
	case i == len(s.ents)-1:
		j := i
		for j > 0 && s.ents[j-1].dead() {
			j--
		}
		s.dead -= i - j
		clear(s.ents[j:])
		s.ents = s.ents[:j]
	case i == 0:
		s.ents[0].data = nil
		s.dead++ // counted off again by dropLeadingDead
		s.dropLeadingDead()
	default:
		s.ents[i].data = nil
		s.dead++
		if s.dead > 32 && s.dead > len(s.ents)/2 {
			s.compact()
		}
	}
	return true
}

// dropLeadingDead removes the tombstones at the head.
func (s *streamObj) dropLeadingDead() {
	n := 0
	for n < len(s.ents) && s.ents[n].dead() {
		n++
	}
	s.dead -= n
	s.dropHead(n)
}

// dropHead removes the first n slots (entries already forgotten, and
// tombstones already counted off).
func (s *streamObj) dropHead(n int) {
	clear(s.ents[:n])
	s.ents = s.ents[n:]
	if cap(s.ents) > 64 && len(s.ents) < cap(s.ents)/4 {
		s.ents = slices.Clone(s.ents) // give back what trimming left behind
	}
}

// compact removes the tombstones.
func (s *streamObj) compact() {
	out := make([]streamEntry, 0, s.live)
	for _, en := range s.ents {
		if !en.dead() {
			out = append(out, en)
		}
	}
	s.ents, s.dead = out, 0
}

// forget takes en out of the hash and the memory count.
func (s *streamObj) forget(en *streamEntry) {
	s.sum -= en.hash()
	s.mem -= int64(len(en.data)) + streamEntryOverhead
}

// trimFirst removes the first n entries.
func (s *streamObj) trimFirst(n int) {
	j := 0
	for ; j < len(s.ents) && n > 0; j++ {
		if s.ents[j].dead() {
			s.dead--
		} else {
			s.forget(&s.ents[j])
			s.live--
			n--
		}
	}
	s.dropHead(j)
	s.dropLeadingDead()
}

// liveBefore counts the entries (not tombstones) before index i.
func (s *streamObj) liveBefore(i int) int {
	if s.dead == 0 {
		return i
	}
	n := 0
	for _, en := range s.ents[:i] {
		if !en.dead() {
			n++
		}
	}
	return n
}

// streamNodeEntries is how many entries Redis packs in one node of a
// stream (stream-node-max-entries): approximate trimming (~) removes
// whole nodes only, which this server counts as runs of that many
// entries from the first.
const streamNodeEntries = 100

// StreamTrim is XTRIM's (and XADD's) trimming: MAXLEN keeps at most
// MaxLen entries, MINID drops the entries below MinID; Approx (~) trims
// whole nodes only, at most Limit entries (0: no limit).
type StreamTrim struct {
	MinID  bool
	MaxLen int64
	Min    StreamID
	Approx bool
	Limit  int64
}

// trimCount returns how many first entries t removes from s.
func (s *streamObj) trimCount(t *StreamTrim) int {
	var n int
	if t.MinID {
		n = s.liveBefore(s.search(t.Min))
	} else {
		n = max(s.live-int(min(t.MaxLen, int64(s.live))), 0)
	}
	if t.Approx {
		// Whole nodes only: runs of streamNodeEntries from the first
		// entry, the last run however short.
		if n < s.live {
			n -= n % streamNodeEntries
		}
		if t.Limit > 0 && int64(n) > t.Limit {
			n = int(t.Limit) - int(t.Limit)%streamNodeEntries
		}
	}
	return n
}

// streamApplyOps are the operations a stream's EffectApply carries:
// XADD id field value..., XDEL id..., XTRIM n (the first n entries),
// XSETID last-id entries-added max-deleted-id.
var streamApplyOps = map[string]applyOp{
	"XADD": {typ: TypeStream, min: 3, max: -1, check: func(args [][]byte) error {
		if _, hasSeq, ok := ParseStreamID(args[0], 0); !ok || !hasSeq || len(args)%2 != 1 {
			return errBadStream
		}
		return nil
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		id, _, _ := ParseStreamID(args[0], 0)
		if len(s.ents) > 0 && id.Compare(s.ents[len(s.ents)-1].id) <= 0 {
			return // not after the last entry: not what a primary sends
		}
		var data []byte
		for _, w := range args[1:] {
			data = AppendPacked(data, w)
		}
		s.appendEntry(id, data)
		s.added++
	}},
	"XDEL": {typ: TypeStream, min: 1, max: -1, check: checkStreamIDs, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		for _, a := range args {
			id, _, _ := ParseStreamID(a, 0)
			s.delete(id)
		}
	}},
	"XTRIM": {typ: TypeStream, min: 1, max: 1, check: func(args [][]byte) error {
		if n, err := strconv.Atoi(string(args[0])); err != nil || n < 0 {
			return errBadStream
		}
		return nil
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		n, _ := strconv.Atoi(string(args[0]))
		c.(*streamObj).trimFirst(n)
	}},
	"XSETID": {typ: TypeStream, min: 3, max: 3, check: func(args [][]byte) error {
		if checkStreamIDs([][]byte{args[0], args[2]}) != nil {
			return errBadStream
		}
		if _, err := parseUint64(args[1]); err != nil {
			return errBadStream
		}
		return nil
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		last, _, _ := ParseStreamID(args[0], 0)
		maxDel, _, _ := ParseStreamID(args[2], 0)
		added, _ := parseUint64(args[1])
		if n := len(s.ents); (n > 0 && last.Compare(s.ents[n-1].id) < 0) || added < uint64(s.live) {
			return // not what a primary sends
		}
		s.last, s.added, s.maxDel = last, added, maxDel
	}},
}

// checkStreamIDs refuses words that are not whole stream IDs.
func checkStreamIDs(args [][]byte) error {
	for _, a := range args {
		if _, hasSeq, ok := ParseStreamID(a, 0); !ok || !hasSeq {
			return errBadStream
		}
	}
	return nil
}

// delete removes the entry with id as XDEL does, noting the largest ID
// removed; it reports whether there was one.
func (s *streamObj) delete(id StreamID) bool {
	if !s.remove(id) {
		return false
	}
	if id.Compare(s.maxDel) > 0 {
		s.maxDel = id
	}
	return true
}
