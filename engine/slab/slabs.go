package slab

import "encoding/binary"

// A record is a header, the key and the value, padded to 8 bytes:
//
//	0  key length    uint32
//	4  value length  uint32
//	8  expiry time   int64 (Unix ms; 0: none)
//	16 meta          uint32
//	20 kind          uint8
//	21 (reserved)    3 bytes
//	24 key, then value
const (
	offValLen  = 4
	offExpire  = 8
	offMeta    = 16
	offKind    = 20
	headerSize = 24
)

const (
	// chunkSize is the size of a slab.
	chunkSize = 1 << 20
	// bigRecord is the largest record that shares a slab: a larger one
	// gets a slab of its own, freed with it.
	bigRecord = chunkSize / 4
)

func recSize(keyLen, valLen int) int { return (headerSize + keyLen + valLen + 7) &^ 7 }

func recKey(rec []byte) []byte {
	n := binary.LittleEndian.Uint32(rec)
	return rec[headerSize : headerSize+n : headerSize+n]
}

func entryOf(rec []byte) Entry {
	kl := int(binary.LittleEndian.Uint32(rec))
	vl := int(binary.LittleEndian.Uint32(rec[offValLen:]))
	v := headerSize + kl
	return Entry{
		Key:      rec[headerSize:v:v],
		Value:    rec[v : v+vl : v+vl],
		ExpireAt: int64(binary.LittleEndian.Uint64(rec[offExpire:])),
		Meta:     binary.LittleEndian.Uint32(rec[offMeta:]),
		Kind:     rec[offKind],
	}
}

func writeRecord(rec []byte, key string, value []byte, expireAt int64, meta uint32, kind uint8) {
	binary.LittleEndian.PutUint32(rec, uint32(len(key)))
	binary.LittleEndian.PutUint32(rec[offValLen:], uint32(len(value)))
	binary.LittleEndian.PutUint64(rec[offExpire:], uint64(expireAt))
	binary.LittleEndian.PutUint32(rec[offMeta:], meta)
	rec[offKind] = kind
	copy(rec[headerSize:], key)
	copy(rec[headerSize+len(key):], value)
}

// chunk is one slab: records are appended to buf until its capacity.
type chunk struct {
	buf   []byte
	live  int64 // bytes of its records in use
	alone bool  // one big record's own slab
}

// slabs holds the records. A ref names one: the slab's index plus one in
// the high 32 bits (so no ref is 0), the record's offset in the low.
type slabs struct {
	chunks     []chunk
	free       []int // released slabs' indexes, for reuse
	cur        int   // the slab being filled, -1 before the first
	live, dead int64 // bytes of records in use, and of records replaced or deleted
}

func makeRef(c, off int) uint64      { return uint64(c+1)<<32 | uint64(off) }
func splitRef(ref uint64) (int, int) { return int(ref>>32) - 1, int(uint32(ref)) }

// record returns the bytes of the record ref names.
func (s *slabs) record(ref uint64) []byte {
	c, off := splitRef(ref)
	b := s.chunks[c].buf
	kl := int(binary.LittleEndian.Uint32(b[off:]))
	vl := int(binary.LittleEndian.Uint32(b[off+offValLen:]))
	end := off + recSize(kl, vl)
	return b[off:end:end]
}

func (s *slabs) alone(ref uint64) bool {
	c, _ := splitRef(ref)
	return s.chunks[c].alone
}

// newChunk returns the index of an empty slab of size bytes.
func (s *slabs) newChunk(size int, alone bool) int {
	ch := chunk{buf: make([]byte, 0, size), alone: alone}
	if n := len(s.free); n > 0 {
		c := s.free[n-1]
		s.free = s.free[:n-1]
		s.chunks[c] = ch
		return c
	}
	s.chunks = append(s.chunks, ch)
	return len(s.chunks) - 1
}

// put appends a record and returns its ref.
func (s *slabs) put(key string, value []byte, expireAt int64, meta uint32, kind uint8) uint64 {
	size := recSize(len(key), len(value))
	var c int
	switch {
	case size > bigRecord:
		c = s.newChunk(size, true)
	case s.cur < 0 || len(s.chunks[s.cur].buf)+size > chunkSize:
		s.cur = s.newChunk(chunkSize, false)
		c = s.cur
	default:
		c = s.cur
	}
	ch := &s.chunks[c]
	off := len(ch.buf)
	ch.buf = ch.buf[:off+size]
	writeRecord(ch.buf[off:], key, value, expireAt, meta, kind)
	ch.live += int64(size)
	s.live += int64(size)
	return makeRef(c, off)
}

// release marks the record of size bytes at ref dead, and frees its slab
// once nothing in it is in use.
func (s *slabs) release(ref uint64, size int) {
	c, _ := splitRef(ref)
	ch := &s.chunks[c]
	ch.live -= int64(size)
	s.live -= int64(size)
	s.dead += int64(size)
	if ch.live == 0 && c != s.cur {
		s.drop(c, int64(len(ch.buf)))
	}
}

// drop frees slab c, none of whose records is in use any more; dead is
// the bytes of its records that were counted dead.
func (s *slabs) drop(c int, dead int64) {
	s.dead -= dead
	s.chunks[c] = chunk{}
	s.free = append(s.free, c)
}

// emptiest returns the shared slab, other than the one being filled, with
// the least in use for its size, or -1.
func (s *slabs) emptiest() int {
	best, bestLive := -1, int64(chunkSize)
	for c := range s.chunks {
		ch := &s.chunks[c]
		if c == s.cur || ch.alone || ch.buf == nil || len(ch.buf) == 0 {
			continue
		}
		if ch.live < bestLive {
			best, bestLive = c, ch.live
		}
	}
	return best
}

// evacuate copies slab c's records in use to the slab being filled and
// frees c. slot returns where the index keeps a record's ref, nil for a
// dead record.
func (s *slabs) evacuate(c int, slot func(ref uint64, key []byte) *uint64) {
	buf := s.chunks[c].buf
	moved := int64(0)
	for off := 0; off < len(buf); {
		ref := makeRef(c, off)
		rec := s.record(ref)
		off += len(rec)
		p := slot(ref, recKey(rec))
		if p == nil {
			continue
		}
		e := entryOf(rec)
		*p = s.put(string(e.Key), e.Value, e.ExpireAt, e.Meta, e.Kind)
		s.chunks[c].live -= int64(len(rec))
		s.live -= int64(len(rec))
		moved += int64(len(rec))
	}
	s.drop(c, int64(len(buf))-moved)
}

// footprint is the slabs' capacity.
func (s *slabs) footprint() int64 {
	var n int64
	for i := range s.chunks {
		n += int64(cap(s.chunks[i].buf))
	}
	return n
}
