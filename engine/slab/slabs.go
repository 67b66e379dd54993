package slab

import (
	"encoding/binary"
	"unsafe"
)

// A record is a header, the expiry time when it has one, the key and the
// value's room, padded to 8 bytes:
//
//	0  key length    uint32 (low 31 bits; the top bit: an expiry follows)
//	4  value length  uint32
//	8  meta          uint32 (the caller's)
//	12 kind          uint8  (the caller's)
//	13 flags         uint8  (flagGreedy, flagDead)
//	14 (reserved)    2 bytes
//	16 expiry time   int64  (Unix ms; 0: none), only when the top bit is set
//	16 or 24: key, then value
//
// A key without an expiry, most of them in a cache or a store, saves the
// expiry's 8 bytes. A record has the expiry word exactly when it has an
// expiry, so its size follows from its key, value and whether it expires.
// The bit is fixed when the record is written (it sits in the key length
// word, which is never written again while a Frozen may read the record;
// the flags byte is): giving a key an expiry, or taking it away, writes a
// new record; changing it writes it in place.
//
// The room of a value is its length, or for a greedy record (one built by
// Append) roomFor(length), so that appending in place keeps the record's
// size computable from its header alone. A record whose room is more
// than auxRoom bytes also has an aux word, the caller's, in its last 8
// bytes: a hash of a long value, say, that would be slow to compute again.
const (
	offValLen  = 4
	offMeta    = 8
	offKind    = 12
	offFlags   = 13
	offExpire  = 16
	headerSize = 16
	expireSize = 8
	// expireBit, in the key length word, says the expiry word follows
	// the header.
	expireBit = 1 << 31
)

// Record flags: flagGreedy marks a record whose value has room to grow
// (see roomFor); flagDead one replaced or deleted, which compaction skips
// without looking it up.
const (
	flagGreedy = 1 << iota
	flagDead
)

const (
	// chunkSize is the size of a slab.
	chunkSize = 1 << 20
	// bigRecord is the largest record that shares a slab: a larger one
	// gets a slab of its own, freed with it.
	bigRecord = chunkSize / 4
)

// roomFor is the room a greedy record keeps for a value of n bytes: the
// next power of two (at least 16) up to a slab, then whole slabs, as
// Redis's strings grow by doubling and then by a megabyte at a time.
// Within one room every length maps to the same room, so a value
// appended to in place keeps the record's size.
func roomFor(n int) int {
	if n <= 16 {
		return 16
	}
	if n <= chunkSize {
		r := 16
		for r < n {
			r <<= 1
		}
		return r
	}
	return (n + chunkSize - 1) / chunkSize * chunkSize
}

// auxRoom is the largest room of a record without an aux word.
const auxRoom = 4 << 10

// recSize is the size of a record: exp says it has the expiry word.
func recSize(keyLen, room int, exp bool) int {
	n := headerSize + keyLen + room
	if exp {
		n += expireSize
	}
	n = (n + 7) &^ 7
	if room > auxRoom {
		n += auxSize
	}
	return n
}

// auxSize is the size of the aux word.
const auxSize = 8

// auxOf returns the record's aux word, if it has one.
func auxOf(rec []byte) (uint64, bool) {
	if room(rec) <= auxRoom {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[len(rec)-auxSize:]), true
}

// setAux writes the record's aux word, if it has one.
func setAux(rec []byte, aux uint64) {
	if room(rec) > auxRoom {
		binary.LittleEndian.PutUint64(rec[len(rec)-auxSize:], aux)
	}
}

func keyLen(rec []byte) int { return int(binary.LittleEndian.Uint32(rec) &^ expireBit) }

// hasExpireWord reports whether the record keeps an expiry word.
func hasExpireWord(rec []byte) bool { return binary.LittleEndian.Uint32(rec)&expireBit != 0 }

// keyOff is where the record's key starts.
func keyOff(rec []byte) int {
	if hasExpireWord(rec) {
		return headerSize + expireSize
	}
	return headerSize
}

// expireOf is the record's expiry time (0: none).
func expireOf(rec []byte) int64 {
	if !hasExpireWord(rec) {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(rec[offExpire:]))
}

// recordSize is the size of the record starting at rec.
func recordSize(rec []byte) int { return recSize(keyLen(rec), room(rec), hasExpireWord(rec)) }
func valLen(rec []byte) int     { return int(binary.LittleEndian.Uint32(rec[offValLen:])) }

// room is the value room of the record starting at rec.
func room(rec []byte) int {
	n := valLen(rec)
	if rec[offFlags]&flagGreedy != 0 {
		return roomFor(n)
	}
	return n
}

// recKey is the record's key; only the record's key length word and key
// need be in rec (a lookup compares keys).
func recKey(rec []byte) []byte {
	w := binary.LittleEndian.Uint32(rec)
	k := headerSize
	if w&expireBit != 0 {
		k += expireSize
	}
	n := k + int(w&^expireBit)
	return rec[k:n:n]
}

// recValue is the record's value.
func recValue(rec []byte) []byte {
	v := keyOff(rec) + keyLen(rec)
	n := v + valLen(rec)
	return rec[v:n:n]
}

func entryOf(rec []byte) Entry {
	w := binary.LittleEndian.Uint32(rec)
	k, exp := headerSize, int64(0)
	if w&expireBit != 0 {
		k, exp = headerSize+expireSize, int64(binary.LittleEndian.Uint64(rec[offExpire:]))
	}
	v := k + int(w&^expireBit)
	n := v + valLen(rec)
	aux, hasAux := auxOf(rec)
	return Entry{
		Key:      rec[k:v:v],
		Value:    rec[v:n:n],
		ExpireAt: exp,
		Meta:     binary.LittleEndian.Uint32(rec[offMeta:]),
		Kind:     rec[offKind],
		Size:     len(rec),
		Aux:      aux,
		HasAux:   hasAux,
	}
}

// fields are a record's header values other than the lengths.
type fields struct {
	expireAt int64
	meta     uint32
	kind     uint8
	flags    uint8
	aux      uint64
}

func fieldsOf(rec []byte) fields {
	aux, _ := auxOf(rec)
	return fields{
		expireAt: expireOf(rec),
		meta:     binary.LittleEndian.Uint32(rec[offMeta:]),
		kind:     rec[offKind],
		flags:    rec[offFlags],
		aux:      aux,
	}
}

// writeHeader writes the header of a record of a key of kl bytes and a
// value of vl, with the expiry word when f has an expiry, and returns
// where the key goes.
func writeHeader(rec []byte, kl, vl int, f fields) int {
	w := uint32(kl)
	if f.expireAt != 0 {
		w |= expireBit
	}
	binary.LittleEndian.PutUint32(rec, w)
	binary.LittleEndian.PutUint32(rec[offValLen:], uint32(vl))
	binary.LittleEndian.PutUint32(rec[offMeta:], f.meta)
	rec[offKind] = f.kind
	rec[offFlags] = f.flags
	rec[offFlags+1], rec[offFlags+2] = 0, 0
	if f.expireAt == 0 {
		return headerSize
	}
	binary.LittleEndian.PutUint64(rec[offExpire:], uint64(f.expireAt))
	return headerSize + expireSize
}

// aliasString returns b as a string without copying: only for bytes that
// are never modified again (a record's key).
func aliasString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// chunk is one slab: records are appended to buf until its capacity.
// Bytes once written within a record's key and value length are never
// written again, so slices handed out stay valid: a dropped slab is left
// to the garbage collector, never reused, and lives on while a slice of
// it does.
type chunk struct {
	buf   []byte
	live  int64  // bytes of its records in use
	alone bool   // one big record's own slab
	epoch uint64 // the slabs' epoch when it was made (see Table.Pin)
}

// slabs holds the records. A ref names one: the slab's index plus one in
// the high 32 bits (so no ref is 0), the record's offset in the low.
type slabs struct {
	chunks []chunk
	free   []int // indexes of dropped slabs, for reuse by new ones
	cur    int   // the slab being filled, -1 before the first
	// The slab being emptied by compaction, -1 when none; the offset of
	// its next record to look at, and the bytes moved out of it so far.
	moving          int
	movingOff, kept int
	live, dead      int64 // bytes of records in use, and of records replaced or deleted
	// grow: slabs start small and grow with the records in use (a
	// table of a hash's fields), instead of all being chunkSize.
	grow bool
	// prefault: a new shared slab has its pages mapped at once (see
	// Table.Prefault).
	prefault bool
	// epoch counts the Table's Pin calls (see Table.Pin).
	epoch uint64
}

// minGrownChunk is the first slab of a growing table.
const minGrownChunk = 4 << 10

// chunkLimit is the size of the next shared slab: chunkSize, or for a
// growing table the power of two nearest a quarter of the bytes in use,
// between minGrownChunk and chunkSize.
func (s *slabs) chunkLimit() int {
	if !s.grow {
		return chunkSize
	}
	n := minGrownChunk
	for n < chunkSize && int64(n) < s.live/4 {
		n *= 2
	}
	return n
}

func makeRef(c, off int) uint64      { return uint64(c+1)<<32 | uint64(off) }
func splitRef(ref uint64) (int, int) { return int(ref>>32) - 1, int(uint32(ref)) }

// entry returns the record ref names.
func (s *slabs) entry(ref uint64) Entry {
	return entryOf(s.record(ref))
}

// record returns the bytes of the record ref names.
// keyAt returns the key of the record ref names, without working out the
// record's size.
func (s *slabs) keyAt(ref uint64) []byte {
	c, off := splitRef(ref)
	return recKey(s.chunks[c].buf[off:])
}

func (s *slabs) record(ref uint64) []byte {
	c, off := splitRef(ref)
	b := s.chunks[c].buf
	end := off + recordSize(b[off:])
	return b[off:end:end]
}

// newChunk returns the index of a new, empty slab of size bytes.
func (s *slabs) newChunk(size int, alone bool) int {
	ch := chunk{buf: make([]byte, 0, size), alone: alone, epoch: s.epoch}
	if !alone && size == chunkSize {
		adviseHugeSlab(ch.buf)
	}
	if s.prefault && !alone {
		prefault(ch.buf)
	}
	if n := len(s.free); n > 0 {
		c := s.free[n-1]
		s.free = s.free[:n-1]
		s.chunks[c] = ch
		return c
	}
	s.chunks = append(s.chunks, ch)
	return len(s.chunks) - 1
}

// put appends a record of key and value followed by tail (with room for
// roomLen bytes of value) and returns its ref.
func (s *slabs) put(key string, value, tail []byte, roomLen int, f fields) uint64 {
	size := recSize(len(key), roomLen, f.expireAt != 0)
	limit := s.chunkLimit()
	var c int
	switch {
	case size > limit/4:
		c = s.newChunk(size, true)
	case s.cur < 0 || len(s.chunks[s.cur].buf)+size > cap(s.chunks[s.cur].buf):
		s.cur = s.newChunk(limit, false)
		c = s.cur
	default:
		c = s.cur
	}
	ch := &s.chunks[c]
	off := len(ch.buf)
	ch.buf = ch.buf[:off+size]
	rec := ch.buf[off:]
	k := writeHeader(rec, len(key), len(value)+len(tail), f)
	copy(rec[k:], key)
	copy(rec[k+len(key)+copy(rec[k+len(key):], value):], tail)
	setAux(rec, f.aux)
	ch.live += int64(size)
	s.live += int64(size)
	return makeRef(c, off)
}

// release marks the record of size bytes at ref dead, and drops its slab
// once nothing in it is in use.
func (s *slabs) release(ref uint64, size int) {
	c, off := splitRef(ref)
	ch := &s.chunks[c]
	ch.buf[off+offFlags] |= flagDead
	ch.live -= int64(size)
	s.live -= int64(size)
	s.dead += int64(size)
	if ch.live == 0 && c != s.cur && c != s.moving {
		s.drop(c, int64(len(ch.buf)))
	}
}

// drop forgets slab c, none of whose records is in use any more; dead is
// the bytes of its records that were counted dead.
func (s *slabs) drop(c int, dead int64) {
	s.dead -= dead
	s.chunks[c] = chunk{}
	s.free = append(s.free, c)
}

// emptiest returns the shared slab, other than the one being filled, with
// the least in use, or -1.
func (s *slabs) emptiest() int {
	best, bestLive := -1, int64(chunkSize)
	for c := range s.chunks {
		ch := &s.chunks[c]
		if c == s.cur || c == s.moving || ch.alone || len(ch.buf) == 0 {
			continue
		}
		if ch.live < bestLive {
			best, bestLive = c, ch.live
		}
	}
	return best
}

// footprint is the slabs' capacity.
func (s *slabs) footprint() int64 {
	var n int64
	for i := range s.chunks {
		n += int64(cap(s.chunks[i].buf))
	}
	return n
}
