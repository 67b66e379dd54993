package engine

import (
	"encoding/binary"
	"maps"
	"slices"
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
// A hashtable's object is a slice of fields and values with a map from
// each field to its place; a removed field's place takes the last field.
// The order of the fields is fixed while the hash does not change, so
// HKEYS and HVALS agree, as in Redis.
//
// A snapshot reads hashtables without the engine's lock: Capture copies
// the side tables (their pointers) and bumps capGen; while a snapshot is
// alive, a write to an object born before the latest capture clones it
// first (copy on write), so what a snapshot holds never changes. A
// listpack needs nothing of this: its record is pinned like a string's.

// hashObj is one hash. Fields and values are strings: immutable, so a
// reader may keep them after the lock is released.
type hashObj struct {
	pairs []string         // field, value, field, value... (a listpack's: decoded from its record)
	big   map[string]int32 // hashtable: field -> its index in pairs; nil for a listpack
	vh    uint64           // the sum of pairHash over the fields
	mem   int64            // the accounted bytes of the fields
	born  uint64           // core.capGen when created or cloned
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

func pairHash(f, v string) uint64 {
	return mix(hash64(kD, f)^kE, hash64(kF, v)^kG)
}

func fieldMem(f, v string) int64 { return int64(len(f)+len(v)) + fieldOverhead }

func (o *hashObj) len() int { return len(o.pairs) / 2 }

// find returns the index of field f in pairs, or -1.
func (o *hashObj) find(f string) int {
	if o.big != nil {
		if i, ok := o.big[f]; ok {
			return int(i)
		}
		return -1
	}
	for i := 0; i < len(o.pairs); i += 2 {
		if o.pairs[i] == f {
			return i
		}
	}
	return -1
}

func (o *hashObj) get(f string) (string, bool) {
	if i := o.find(f); i >= 0 {
		return o.pairs[i+1], true
	}
	return "", false
}

// set sets field f to v and reports whether f is new, converting the hash
// to a hashtable as lim says.
func (o *hashObj) set(f, v string, lim HashLimits) bool {
	if o.big == nil && (int64(len(f)) > lim.Value || int64(len(v)) > lim.Value) {
		o.convert()
	}
	i := o.find(f)
	if i >= 0 {
		old := o.pairs[i+1]
		o.vh += pairHash(f, v) - pairHash(f, old)
		o.mem += fieldMem(f, v) - fieldMem(f, old)
		o.pairs[i+1] = v
		return false
	}
	o.vh += pairHash(f, v)
	o.mem += fieldMem(f, v)
	if o.big != nil {
		o.big[f] = int32(len(o.pairs))
	}
	o.pairs = append(o.pairs, f, v)
	if o.big == nil && int64(o.len()) > lim.Entries {
		o.convert()
	}
	return true
}

// del removes field f and reports whether it was there.
func (o *hashObj) del(f string) bool {
	i := o.find(f)
	if i < 0 {
		return false
	}
	o.vh -= pairHash(f, o.pairs[i+1])
	o.mem -= fieldMem(f, o.pairs[i+1])
	if o.big == nil {
		o.pairs = slices.Delete(o.pairs, i, i+2)
		return true
	}
	delete(o.big, f)
	last := len(o.pairs) - 2
	if i != last {
		o.pairs[i], o.pairs[i+1] = o.pairs[last], o.pairs[last+1]
		o.big[o.pairs[i]] = int32(i)
	}
	o.pairs[last], o.pairs[last+1] = "", ""
	o.pairs = o.pairs[:last]
	return true
}

func (o *hashObj) convert() {
	o.big = make(map[string]int32, len(o.pairs)/2)
	for i := 0; i < len(o.pairs); i += 2 {
		o.big[o.pairs[i]] = int32(i)
	}
}

// each calls fn for every field until fn returns false, in the order of
// pairs: insertion order for a listpack.
func (o *hashObj) each(fn func(f, v string) bool) {
	for i := 0; i < len(o.pairs); i += 2 {
		if !fn(o.pairs[i], o.pairs[i+1]) {
			return
		}
	}
}

func (o *hashObj) clone() *hashObj {
	c := *o
	c.pairs = slices.Clone(o.pairs)
	if o.big != nil {
		c.big = maps.Clone(o.big)
	}
	return &c
}

// pack appends the packed form of the hash's fields and values to dst.
func (o *hashObj) pack(dst []byte) []byte {
	o.each(func(f, v string) bool {
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
			o.set(string(f), string(el), lim)
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
