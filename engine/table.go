package engine

import (
	"hash/maphash"
	"math/bits"
)

// entry is one key of a database. Its val bytes are never modified within
// len(val) once stored, so readers may keep the slice after the lock is
// released.
type entry struct {
	key      string
	val      []byte
	expireAt int64 // Unix milliseconds; 0 means no expiry
	hash     uint64
	vhash    uint64 // valueHash(val), for the dataset digest
	next     *entry
	volIdx   int32  // index in db.volatile, -1 when expireAt == 0
	meta     uint32 // the encoding in bits 30-31, the access word (see evict.go) in bits 0-29
}

// The encoding and the access word share one 32-bit field, so that the
// entry stays at 80 bytes, an allocation size class of its own.
const (
	accessBits = 30
	accessMask = 1<<accessBits - 1
)

// enc returns the entry's encoding.
func (en *entry) enc() encoding { return encoding(en.meta >> accessBits) }

// setEnc changes the entry's encoding.
func (en *entry) setEnc(x encoding) { en.meta = en.meta&accessMask | uint32(x)<<accessBits }

// access returns the entry's access word (see evict.go).
func (en *entry) access() uint32 { return en.meta & accessMask }

// setAccess changes the entry's access word; bits above accessBits are
// dropped.
func (en *entry) setAccess(a uint32) { en.meta = en.meta&^accessMask | a&accessMask }

// encoding is how OBJECT ENCODING describes a value, where it does not
// follow from the value alone.
type encoding uint8

const (
	encAuto   encoding = iota // int, embstr or raw by content and length
	encRaw                    // built by APPEND or SETRANGE
	encEmbstr                 // INCRBYFLOAT's result: never int
)

// table is a chained hash table whose size is a power of two. It exists,
// instead of a Go map, for SCAN: iterating buckets in reverse-binary order
// gives Redis's guarantee that a full scan returns every key present for the
// whole scan, even if the table grows or shrinks between calls.
type table struct {
	seed    maphash.Seed
	buckets []*entry
	count   int
}

const minBuckets = 4

func newTable() *table {
	return &table{seed: maphash.MakeSeed(), buckets: make([]*entry, minBuckets)}
}

func (t *table) hash(key string) uint64 { return maphash.String(t.seed, key) }

func (t *table) get(key string) *entry {
	h := t.hash(key)
	for e := t.buckets[h&uint64(len(t.buckets)-1)]; e != nil; e = e.next {
		if e.hash == h && e.key == key {
			return e
		}
	}
	return nil
}

// insert adds e, whose key must not be present.
func (t *table) insert(e *entry) {
	e.hash = t.hash(e.key)
	if t.count >= len(t.buckets) {
		t.resize(len(t.buckets) * 2)
	}
	i := e.hash & uint64(len(t.buckets)-1)
	e.next = t.buckets[i]
	t.buckets[i] = e
	t.count++
}

// remove unlinks e, which must be present.
func (t *table) remove(e *entry) {
	i := e.hash & uint64(len(t.buckets)-1)
	p := &t.buckets[i]
	for *p != e {
		p = &(*p).next
	}
	*p = e.next
	e.next = nil
	t.count--
	if len(t.buckets) > minBuckets && t.count < len(t.buckets)/8 {
		t.resize(len(t.buckets) / 2)
	}
}

func (t *table) resize(n int) {
	nb := make([]*entry, n)
	mask := uint64(n - 1)
	for _, e := range t.buckets {
		for e != nil {
			next := e.next
			i := e.hash & mask
			e.next = nb[i]
			nb[i] = e
			e = next
		}
	}
	t.buckets = nb
}

// scan calls fn for the entries of the bucket at cursor and returns the next
// cursor (0 when the iteration is complete). The cursor walks bucket indexes
// with their bits reversed, as Redis's dictScan does.
func (t *table) scan(cursor uint64, fn func(*entry)) uint64 {
	mask := uint64(len(t.buckets) - 1)
	for e := t.buckets[cursor&mask]; e != nil; e = e.next {
		fn(e)
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// each calls fn for every entry until fn returns false. fn must not modify t.
func (t *table) each(fn func(*entry) bool) {
	for _, e := range t.buckets {
		for ; e != nil; e = e.next {
			if !fn(e) {
				return
			}
		}
	}
}

// random returns a uniformly chosen bucket's random element, or nil when
// empty. r returns a random number in [0, n).
func (t *table) random(r func(n int) int) *entry {
	if t.count == 0 {
		return nil
	}
	var head *entry
	for head == nil {
		head = t.buckets[r(len(t.buckets))]
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	e := head
	for i := r(n); i > 0; i-- {
		e = e.next
	}
	return e
}
