package engine

import (
	"encoding/binary"
	"slices"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// A hash has two forms, as in Redis. A listpack (kind encHashLP) lives in
// its key's record itself: the record's value is the hash's value hash
// (the sum of one hash per field and value, order-independent) and then
// its fields and values, packed (AppendPacked) in insertion order. A
// change decodes it, changes it and writes the record again, as Redis
// rewrites a listpack; nothing of it is a Go object. A hash becomes a
// hashtable for good once it has more than hash-max-listpack-entries
// fields or a field or value longer than hash-max-listpack-value bytes:
// then (kind encHash) it is a Go object kept in a side table of its
// database (db.hashes), so that the slabs stay pointer-free, and the
// record holds, as its 20-byte value, the object's index in the table,
// its value hash and the memory it is accounted. Either way the digest
// and the memory count of a key are read from its record alone, as a
// string's are.
//
// A hashtable's fields are the keys and values of a slab.Table of its own
// (NewGrowing: its slabs start at 4 KiB), so a field costs its bytes and a
// record header, and the collector sees no object per field; the table's
// order is fixed while the hash does not change, so HKEYS and HVALS agree,
// as in Redis, and its SCAN cursor and sampling serve HSCAN and
// HRANDFIELD.
//
// A snapshot reads hashtables without the engine's lock: Capture copies
// the side tables (their pointers) and bumps capGen; while a snapshot is
// alive, a write to an object born before the latest capture clones it
// first (copy on write), so what a snapshot holds never changes; a large
// one is changed in place once every such snapshot has a frozen view of
// its table (snapview.go). A listpack needs nothing of this: its record
// is pinned like a string's.

// hashObj is one hash: a listpack's fields decoded from its record, or a
// hashtable, whose fields are the keys and values of a slab.Table of its
// own (pointer-free: a field costs its bytes and a record header, with
// the table's SCAN cursor and sampling). Strings handed out are copies or
// immutable key bytes: a value in a table may be written over in place.
type hashObj struct {
	pairs []string    // a listpack's field, value, field, value...
	tab   *slab.Table // a hashtable's fields; nil for a listpack
	vh    uint64      // the sum of pairHash over the fields
	mem   int64       // the accounted bytes of the fields
	born  uint64      // core.capGen when created or cloned
}

// HashLimits are hash-max-listpack-entries and hash-max-listpack-value.
type HashLimits struct {
	Entries int64 // fields of a listpack hash at most
	Value   int64 // bytes of a listpack field or value at most
}

// DefaultHashLimits are Redis's defaults.
var DefaultHashLimits = HashLimits{Entries: 512, Value: 64}

const (
	hashRecLen    = 20 // idx u32, vh u64, mem u64
	fieldOverhead = 48 // accounted per field beyond its bytes
	hashOverhead  = 64 // accounted per hash beyond its fields
)

func pairHash[F, V ~string | ~[]byte](f F, v V) uint64 {
	return mix(hash64(kD, f)^kE, hash64(kF, v)^kG)
}

func fieldMem[F, V ~string | ~[]byte](f F, v V) int64 { return int64(len(f)+len(v)) + fieldOverhead }

// view is s as bytes, for a table that only reads them (and copies).
func view(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (o *hashObj) len() int {
	if o.tab != nil {
		return o.tab.Len()
	}
	return len(o.pairs) / 2
}

// find returns the index of field f in a listpack's pairs, or -1.
func (o *hashObj) find(f string) int {
	for i := 0; i < len(o.pairs); i += 2 {
		if o.pairs[i] == f {
			return i
		}
	}
	return -1
}

func (o *hashObj) get(f string) (string, bool) {
	if o.tab != nil {
		r, ok := o.tab.Get(f)
		return string(r.Value), ok
	}
	if i := o.find(f); i >= 0 {
		return o.pairs[i+1], true
	}
	return "", false
}

// set sets field f to v and reports whether f is new, converting the hash
// to a hashtable as lim says.
func (o *hashObj) set(f, v string, lim HashLimits) bool {
	if o.tab == nil && (int64(len(f)) > lim.Value || int64(len(v)) > lim.Value) {
		o.convert()
	}
	if o.tab != nil {
		return o.setTable(f, view(v))
	}
	o.vh += pairHash(f, v)
	o.mem += fieldMem(f, v)
	if i := o.find(f); i >= 0 {
		o.vh -= pairHash(f, o.pairs[i+1])
		o.mem -= fieldMem(f, o.pairs[i+1])
		o.pairs[i+1] = v
		return false
	}
	o.pairs = append(o.pairs, f, v)
	if int64(o.len()) > lim.Entries {
		o.convert()
	}
	return true
}

// setTable is set for a hashtable; f and v are copied into the table.
func (o *hashObj) setTable(f string, v []byte) bool {
	if r, had := o.tab.Get(f); had {
		o.vh -= pairHash(f, r.Value)
		o.mem -= fieldMem(f, r.Value)
	}
	_, replaced := o.tab.Set(f, v, 0, 0, 0, 0)
	o.vh += pairHash(f, v)
	o.mem += fieldMem(f, v)
	return !replaced
}

// setBytes is set from bytes, copied: into strings for a listpack, only
// into the table for a hashtable.
func (o *hashObj) setBytes(f, v []byte, lim HashLimits) bool {
	if o.tab == nil && (int64(len(f)) > lim.Value || int64(len(v)) > lim.Value) {
		o.convert()
	}
	if o.tab != nil {
		return o.setTable(unsafe.String(unsafe.SliceData(f), len(f)), v)
	}
	return o.set(string(f), string(v), lim)
}

// del removes field f and reports whether it was there.
func (o *hashObj) del(f string) bool {
	if o.tab != nil {
		r, had := o.tab.Get(f)
		if !had {
			return false
		}
		o.vh -= pairHash(f, r.Value)
		o.mem -= fieldMem(f, r.Value)
		o.tab.Delete(f)
		return true
	}
	i := o.find(f)
	if i < 0 {
		return false
	}
	o.vh -= pairHash(f, o.pairs[i+1])
	o.mem -= fieldMem(f, o.pairs[i+1])
	o.pairs = slices.Delete(o.pairs, i, i+2)
	return true
}

func (o *hashObj) convert() {
	o.tab = slab.NewGrowing()
	for i := 0; i < len(o.pairs); i += 2 {
		o.tab.Set(o.pairs[i], view(o.pairs[i+1]), 0, 0, 0, 0)
	}
	o.pairs = nil
}

// each calls fn for every field until fn returns false: in insertion
// order for a listpack, in the order the fields lie in the table's slabs
// for a hashtable (slab.Table.EachStored: fixed while the hash does not
// change, read one after the other, and without the index, which a read
// such as HRANDFIELD may change while a snapshot packs the hash without
// the lock). The strings may be kept.
func (o *hashObj) each(fn func(f, v string) bool) {
	if o.tab != nil {
		o.tab.EachStored(func(r slab.Entry) bool { return fn(r.KeyString(), string(r.Value)) })
		return
	}
	for i := 0; i < len(o.pairs); i += 2 {
		if !fn(o.pairs[i], o.pairs[i+1]) {
			return
		}
	}
}

// eachBytes is each whose values are valid only during fn.
func (o *hashObj) eachBytes(fn func(f string, v []byte) bool) {
	if o.tab != nil {
		o.tab.EachStored(func(r slab.Entry) bool { return fn(r.KeyString(), r.Value) })
		return
	}
	for i := 0; i < len(o.pairs); i += 2 {
		if !fn(o.pairs[i], view(o.pairs[i+1])) {
			return
		}
	}
}

func (o *hashObj) clone() *hashObj {
	c := *o
	if o.tab == nil {
		c.pairs = slices.Clone(o.pairs)
		return &c
	}
	c.tab = slab.NewGrowing()
	o.tab.EachStored(func(r slab.Entry) bool {
		c.tab.Set(r.KeyString(), r.Value, 0, 0, 0, 0)
		return true
	})
	return &c
}

// pack appends the packed form of the hash's fields and values to dst.
func (o *hashObj) pack(dst []byte) []byte {
	o.eachBytes(func(f string, v []byte) bool {
		dst = AppendPacked(AppendPacked(dst, f), v)
		return true
	})
	return dst
}

// hashFromPacked builds a hash of the packed fields and values p.
func hashFromPacked(p []byte, lim HashLimits) (*hashObj, error) {
	o := &hashObj{}
	var f []byte
	odd := false
	err := EachPacked(p, func(el []byte) bool {
		if !odd {
			f = el
		} else {
			o.setBytes(f, el, lim)
		}
		odd = !odd
		return true
	})
	if err == nil && (odd || o.len() == 0) {
		err = ErrBadPacked
	}
	return o, err
}

// A listpack hash lives in its key's record (kind encHashLP): the value
// is the hash's value hash, then its packed fields and values, rewritten
// whole on every change, as Redis rewrites a listpack. Only a hashtable
// has an object in the side table.

// lpHeader is the bytes before a listpack record's packed pairs.
const lpHeader = 8

func lpVH(val []byte) uint64 { return binary.LittleEndian.Uint64(val) }

// lpRecord appends to dst the record value of listpack hash o.
func lpRecord(dst []byte, o *hashObj) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, o.vh)
	return o.pack(dst)
}

// lpDecode returns a new object holding the listpack record val's fields,
// as they are (no conversion: that is for the next write to decide).
func lpDecode(val []byte) *hashObj {
	o := &hashObj{}
	var f []byte
	odd := false
	_ = EachPacked(val[lpHeader:], func(el []byte) bool {
		if odd {
			fs, vs := string(f), string(el)
			o.pairs = append(o.pairs, fs, vs)
			o.vh += pairHash(fs, vs)
			o.mem += fieldMem(fs, vs)
		}
		f, odd = el, !odd
		return true
	})
	return o
}

// hashRec is the record value of the hash at index idx of its side table.
func hashRec(buf *[hashRecLen]byte, idx uint32, o *hashObj) []byte {
	binary.LittleEndian.PutUint32(buf[0:], idx)
	binary.LittleEndian.PutUint64(buf[4:], o.vh)
	binary.LittleEndian.PutUint64(buf[12:], uint64(o.mem+hashOverhead))
	return buf[:]
}

func recIdx(val []byte) uint32 { return binary.LittleEndian.Uint32(val) }
func recVH(val []byte) uint64  { return binary.LittleEndian.Uint64(val[4:]) }
func recMem(val []byte) int64  { return int64(binary.LittleEndian.Uint64(val[12:])) }

// allocHash places o in database dd's side table and returns its index.
func (dd *db) allocHash(o *hashObj) uint32 {
	if n := len(dd.hfree); n > 0 {
		idx := dd.hfree[n-1]
		dd.hfree = dd.hfree[:n-1]
		dd.hashes[idx] = o
		return idx
	}
	dd.hashes = append(dd.hashes, o)
	return uint32(len(dd.hashes) - 1)
}

// freeHash empties slot idx of dd's side table.
func (dd *db) freeHash(idx uint32) {
	dd.hashes[idx] = nil
	dd.hfree = append(dd.hfree, idx)
}
