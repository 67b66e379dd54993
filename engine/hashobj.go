package engine

import (
	"encoding/binary"
	"slices"
)

// A hash is a Go object kept in a side table of its database (db.hashes),
// so that the slabs stay pointer-free: the key's record (kind encHash)
// holds, as its 20-byte value, the object's index in the table, the
// hash's order-independent value hash (the sum of one hash per field and
// value) and the memory it is accounted. The record is rewritten (in
// place, when nothing pins the table) whenever the hash changes, so the
// digest and the memory count of a key are read from its record alone,
// as a string's are.
//
// Like Redis, a hash starts as a listpack (small: a slice of fields and
// values in insertion order, searched linearly) and becomes a hashtable
// (a map) for good once it has more than hash-max-listpack-entries fields
// or a field or value longer than hash-max-listpack-value bytes.
//
// A snapshot reads hashes without the engine's lock: Capture copies the
// side tables (their pointers) and bumps capGen; while a snapshot is
// alive, a write to an object born before the latest capture clones it
// first (copy on write), so what a snapshot holds never changes.

// hashObj is one hash. Fields and values are strings: immutable, so a
// reader may keep them after the lock is released.
type hashObj struct {
	small []string          // field, value, field, value... (listpack)
	big   map[string]string // hashtable; nil while small
	vh    uint64            // the sum of pairHash over the fields
	mem   int64             // the accounted bytes of the fields
	born  uint64            // core.capGen when created or cloned
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

func (o *hashObj) len() int {
	if o.big != nil {
		return len(o.big)
	}
	return len(o.small) / 2
}

func (o *hashObj) find(f string) int {
	for i := 0; i < len(o.small); i += 2 {
		if o.small[i] == f {
			return i
		}
	}
	return -1
}

func (o *hashObj) get(f string) (string, bool) {
	if o.big != nil {
		v, ok := o.big[f]
		return v, ok
	}
	if i := o.find(f); i >= 0 {
		return o.small[i+1], true
	}
	return "", false
}

// set sets field f to v and reports whether f is new, converting the hash
// to a hashtable as lim says.
func (o *hashObj) set(f, v string, lim HashLimits) bool {
	if o.big == nil && (int64(len(f)) > lim.Value || int64(len(v)) > lim.Value) {
		o.convert()
	}
	old, had := o.get(f)
	if had {
		o.vh -= pairHash(f, old)
		o.mem -= fieldMem(f, old)
	}
	o.vh += pairHash(f, v)
	o.mem += fieldMem(f, v)
	if o.big != nil {
		o.big[f] = v
		return !had
	}
	if had {
		o.small[o.find(f)+1] = v
		return false
	}
	o.small = append(o.small, f, v)
	if int64(o.len()) > lim.Entries {
		o.convert()
	}
	return true
}

// del removes field f and reports whether it was there.
func (o *hashObj) del(f string) bool {
	old, had := o.get(f)
	if !had {
		return false
	}
	o.vh -= pairHash(f, old)
	o.mem -= fieldMem(f, old)
	if o.big != nil {
		delete(o.big, f)
		return true
	}
	i := o.find(f)
	o.small = slices.Delete(o.small, i, i+2)
	return true
}

func (o *hashObj) convert() {
	o.big = make(map[string]string, len(o.small)/2)
	for i := 0; i < len(o.small); i += 2 {
		o.big[o.small[i]] = o.small[i+1]
	}
	o.small = nil
}

// each calls fn for every field until fn returns false: in insertion
// order for a listpack, in the map's order for a hashtable.
func (o *hashObj) each(fn func(f, v string) bool) {
	if o.big != nil {
		for f, v := range o.big {
			if !fn(f, v) {
				return
			}
		}
		return
	}
	for i := 0; i < len(o.small); i += 2 {
		if !fn(o.small[i], o.small[i+1]) {
			return
		}
	}
}

func (o *hashObj) clone() *hashObj {
	c := *o
	if o.big != nil {
		c.big = make(map[string]string, len(o.big))
		for f, v := range o.big {
			c.big[f] = v
		}
	} else {
		c.small = slices.Clone(o.small)
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
