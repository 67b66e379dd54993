package slab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
)

// Entry is one record as the table stores it. Key and Value alias the
// table's slabs; their bytes are never modified, so they stay valid after
// the table changes (the record then no longer being the key's, perhaps).
type Entry struct {
	Key      []byte
	Value    []byte
	ExpireAt int64  // Unix milliseconds; 0: no expiry
	Meta     uint32 // the caller's: an LRU clock, an LFU counter
	Kind     uint8  // the caller's: what Value holds, how it is encoded
	Aux      uint64 // the caller's, when HasAux: a hash of the value, say
	HasAux   bool   // the record is big enough to keep an aux word
	Size     int    // the bytes of the record, header and room included
}

// KeyString returns the key as a string sharing the record's bytes.
func (e Entry) KeyString() string { return aliasString(e.Key) }

// Table maps keys to records. It is not safe for concurrent use: the
// engine guards it with its lock.
type Table struct {
	seed  maphash.Seed
	keys  index // every record
	vol   index // the records with an expiry, for sampling them
	slabs slabs
}

// index is an open-addressing table of refs with linear probing and
// backward-shift deletion, so every entry lies in the unbroken run of
// occupied slots that starts at its home slot (hash & mask). refs[i] is
// 0 for an empty slot; hashes[i] is the key's full hash, kept so that
// neither a probe nor a resize reads the record.
type index struct {
	refs   []uint64
	hashes []uint64
	count  int
}

// minSlots is the smallest index.
const minSlots = 8

func newIndex() index {
	return index{refs: make([]uint64, minSlots), hashes: make([]uint64, minSlots)}
}

// place puts ref in the first free slot from h's home slot.
func (x *index) place(ref, h uint64) {
	mask := len(x.refs) - 1
	i := int(h) & mask
	for x.refs[i] != 0 {
		i = (i + 1) & mask
	}
	x.refs[i], x.hashes[i] = ref, h
}

// add places ref, growing the index first when it is three quarters full.
func (x *index) add(ref, h uint64) {
	if (x.count+1)*4 > len(x.refs)*3 {
		x.resize(len(x.refs) * 2)
	}
	x.place(ref, h)
	x.count++
}

// slotOf returns the slot holding ref, whose hash is h, or -1.
func (x *index) slotOf(ref, h uint64) int {
	mask := len(x.refs) - 1
	for i := int(h) & mask; x.refs[i] != 0; i = (i + 1) & mask {
		if x.refs[i] == ref {
			return i
		}
	}
	return -1
}

// remove empties slot i, shrinking the index when it is an eighth full.
func (x *index) remove(i int) {
	x.removeSlot(i)
	x.count--
	if len(x.refs) > minSlots && x.count*8 < len(x.refs) {
		x.resize(len(x.refs) / 2)
	}
}

// removeSlot empties slot i, moving back the later entries of its run
// that may move, so that no entry is left beyond a gap from its home.
func (x *index) removeSlot(i int) {
	mask := len(x.refs) - 1
	for j := (i + 1) & mask; x.refs[j] != 0; j = (j + 1) & mask {
		home := int(x.hashes[j]) & mask
		// The entry at j may fill i unless its home lies in the cyclic
		// range (i, j]: then i is before its home.
		inRange := (i <= j && home > i && home <= j) || (i > j && (home > i || home <= j))
		if !inRange {
			x.refs[i], x.hashes[i] = x.refs[j], x.hashes[j]
			i = j
		}
	}
	x.refs[i], x.hashes[i] = 0, 0
}

// resize moves the index to n slots (a power of two larger than count).
func (x *index) resize(n int) {
	oldRefs, oldHashes := x.refs, x.hashes
	x.refs, x.hashes = make([]uint64, n), make([]uint64, n)
	for i, ref := range oldRefs {
		if ref != 0 {
			x.place(ref, oldHashes[i])
		}
	}
}

// sample returns a slot chosen at random (the first occupied one from a
// random slot on); the index must not be empty.
func (x *index) sample(rnd func(n int) int) int {
	mask := len(x.refs) - 1
	i := rnd(len(x.refs))
	for x.refs[i] == 0 {
		i = (i + 1) & mask
	}
	return i
}

// New returns an empty table.
func New() *Table {
	return &Table{seed: maphash.MakeSeed(), keys: newIndex(), vol: newIndex(), slabs: slabs{cur: -1}}
}

// Len returns the number of keys.
func (t *Table) Len() int { return t.keys.count }

// VolatileLen returns the number of keys with an expiry.
func (t *Table) VolatileLen() int { return t.vol.count }

func (t *Table) hash(key string) uint64 { return maphash.String(t.seed, key) }

// Find returns the slot of key, or -1. A slot is valid until the table is
// next modified.
func (t *Table) Find(key string) int { return t.find(key, t.hash(key)) }

func (t *Table) find(key string, h uint64) int {
	mask := len(t.keys.refs) - 1
	for i := int(h) & mask; t.keys.refs[i] != 0; i = (i + 1) & mask {
		if t.keys.hashes[i] == h && string(recKey(t.slabs.record(t.keys.refs[i]))) == key {
			return i
		}
	}
	return -1
}

// At returns the record at slot, which Find returned.
func (t *Table) At(slot int) Entry { return t.slabs.entry(t.keys.refs[slot]) }

// SetMetaAt changes the metadata of the record at slot, which Find
// returned.
func (t *Table) SetMetaAt(slot int, meta uint32) {
	binary.LittleEndian.PutUint32(t.slabs.record(t.keys.refs[slot])[offMeta:], meta)
}

// Get returns key's record.
func (t *Table) Get(key string) (Entry, bool) {
	i := t.Find(key)
	if i < 0 {
		return Entry{}, false
	}
	return t.At(i), true
}

// Set stores key's record, replacing any other, and returns it, and the
// record it replaced if there was one. The key and value are copied into
// the table, always into a new record: bytes already handed out are never
// overwritten (old's included). aux is kept only by a record with a slab
// of its own.
func (t *Table) Set(key string, value []byte, expireAt int64, meta uint32, kind uint8, aux uint64) (e, old Entry, replaced bool) {
	return t.SetWith(key, value, expireAt, func(Entry, bool) uint32 { return meta }, kind, aux)
}

// SetWith is Set with the new record's metadata computed from the one it
// replaces: meta(old, true), or meta(Entry{}, false) for a new key. It
// looks the key up once.
func (t *Table) SetWith(key string, value []byte, expireAt int64, meta func(old Entry, replaced bool) uint32, kind uint8, aux uint64) (e, old Entry, replaced bool) {
	h := t.hash(key)
	f := fields{expireAt: expireAt, kind: kind, aux: aux}
	if i := t.find(key, h); i >= 0 {
		old = t.slabs.entry(t.keys.refs[i])
		f.meta = meta(old, true)
		return t.slabs.entry(t.replace(i, h, key, value, nil, len(value), f)), old, true
	}
	f.meta = meta(Entry{}, false)
	ref := t.slabs.put(key, value, nil, len(value), f)
	t.keys.add(ref, h)
	if expireAt != 0 {
		t.vol.add(ref, h)
	}
	return t.slabs.entry(ref), Entry{}, false
}

// replace writes a new record for the key at slot i (hash h) and retires
// the old one, keeping the volatile index in step. It returns the new
// record's ref.
func (t *Table) replace(i int, h uint64, key string, value, tail []byte, roomLen int, f fields) uint64 {
	old := t.keys.refs[i]
	rec := t.slabs.record(old)
	oldExp := fieldsOf(rec).expireAt
	ref := t.slabs.put(key, value, tail, roomLen, f)
	t.keys.refs[i] = ref
	switch {
	case oldExp != 0 && f.expireAt != 0:
		t.vol.refs[t.vol.slotOf(old, h)] = ref
	case oldExp != 0:
		t.vol.remove(t.vol.slotOf(old, h))
	case f.expireAt != 0:
		t.vol.add(ref, h)
	}
	t.slabs.release(old, len(rec))
	t.maybeCompact()
	return t.keys.refs[i]
}

// Append appends tail to the value of key, which must exist, and returns
// the record. The record becomes greedy: it keeps room to grow, so that
// appending is amortised linear in what is appended, and kind is its new
// kind. Bytes of the value before the append are not touched.
func (t *Table) Append(key string, tail []byte, kind uint8) (Entry, bool) {
	h := t.hash(key)
	i := t.find(key, h)
	if i < 0 {
		return Entry{}, false
	}
	rec := t.slabs.record(t.keys.refs[i])
	kl, vl := keyLen(rec), valLen(rec)
	n := vl + len(tail)
	if rec[offFlags]&flagGreedy != 0 && n <= roomFor(vl) && roomFor(n) == roomFor(vl) {
		// Room enough: written after the value's end, where no slice
		// handed out reaches.
		copy(rec[headerSize+kl+vl:], tail)
		binary.LittleEndian.PutUint32(rec[offValLen:], uint32(n))
		rec[offKind] = kind
		return t.slabs.entry(t.keys.refs[i]), true
	}
	f := fieldsOf(rec)
	f.kind, f.flags = kind, f.flags|flagGreedy
	return t.slabs.entry(t.replace(i, h, key, rec[headerSize+kl:headerSize+kl+vl], tail, roomFor(n), f)), true
}

// SetAux changes key's aux word, if its record keeps one, and reports
// whether key exists.
func (t *Table) SetAux(key string, aux uint64) bool {
	i := t.Find(key)
	if i < 0 {
		return false
	}
	if c, _ := splitRef(t.keys.refs[i]); t.slabs.chunks[c].alone {
		t.slabs.chunks[c].aux = aux
	}
	return true
}

// SetExpire changes key's expiry time and reports whether key exists.
func (t *Table) SetExpire(key string, expireAt int64) bool {
	h := t.hash(key)
	i := t.find(key, h)
	if i < 0 {
		return false
	}
	ref := t.keys.refs[i]
	rec := t.slabs.record(ref)
	old := int64(binary.LittleEndian.Uint64(rec[offExpire:]))
	switch {
	case old == 0 && expireAt != 0:
		t.vol.add(ref, h)
	case old != 0 && expireAt == 0:
		t.vol.remove(t.vol.slotOf(ref, h))
	}
	binary.LittleEndian.PutUint64(rec[offExpire:], uint64(expireAt))
	return true
}

// SetMeta changes key's metadata and reports whether key exists.
func (t *Table) SetMeta(key string, meta uint32) bool {
	i := t.Find(key)
	if i < 0 {
		return false
	}
	t.SetMetaAt(i, meta)
	return true
}

// Delete removes key and reports whether it was there.
func (t *Table) Delete(key string) bool {
	h := t.hash(key)
	i := t.find(key, h)
	if i < 0 {
		return false
	}
	ref := t.keys.refs[i]
	rec := t.slabs.record(ref)
	if binary.LittleEndian.Uint64(rec[offExpire:]) != 0 {
		t.vol.remove(t.vol.slotOf(ref, h))
	}
	t.keys.remove(i)
	t.slabs.release(ref, len(rec))
	t.maybeCompact()
	return true
}

// Scan calls fn for the keys whose home is the slot at cursor and returns
// the next cursor (0 once the iteration is complete). The cursor walks
// home slots with their bits reversed, as Redis's dictScan walks buckets,
// so a key present for a whole scan is returned at least once whatever
// resizes happen between calls. fn must not modify the table.
func (t *Table) Scan(cursor uint64, fn func(Entry)) uint64 {
	x := &t.keys
	mask := uint64(len(x.refs) - 1)
	home := cursor & mask
	for i := home; x.refs[i] != 0; i = (i + 1) & mask {
		if x.hashes[i]&mask == home {
			fn(t.slabs.entry(x.refs[i]))
		}
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// Each calls fn for every record until fn returns false. fn must not
// modify the table.
func (t *Table) Each(fn func(Entry) bool) {
	for _, ref := range t.keys.refs {
		if ref != 0 && !fn(t.slabs.entry(ref)) {
			return
		}
	}
}

// EachVolatile calls fn for every record with an expiry until fn returns
// false. fn must not modify the table.
func (t *Table) EachVolatile(fn func(Entry) bool) {
	for _, ref := range t.vol.refs {
		if ref != 0 && !fn(t.slabs.entry(ref)) {
			return
		}
	}
}

// Sample returns a record chosen at random (the first from a random slot
// on), or false when the table is empty. rnd returns a number in [0, n).
func (t *Table) Sample(rnd func(n int) int) (Entry, bool) {
	if t.keys.count == 0 {
		return Entry{}, false
	}
	return t.slabs.entry(t.keys.refs[t.keys.sample(rnd)]), true
}

// SampleVolatile is Sample among the records with an expiry.
func (t *Table) SampleVolatile(rnd func(n int) int) (Entry, bool) {
	if t.vol.count == 0 {
		return Entry{}, false
	}
	return t.slabs.entry(t.vol.refs[t.vol.sample(rnd)]), true
}

// Memory is what the table takes: its indexes and its slabs, live and
// dead records and free room included.
func (t *Table) Memory() int64 {
	return int64(len(t.keys.refs)+len(t.vol.refs))*16 + t.slabs.footprint()
}

// Slots returns the size of the index, for tests of its resizing.
func (t *Table) Slots() int { return len(t.keys.refs) }

// LiveBytes returns the bytes of the records in use.
func (t *Table) LiveBytes() int64 { return t.slabs.live }

// RecordSize returns the bytes a record takes for a key and a value of
// these lengths; greedy for a value built by Append.
func RecordSize(keyLen, valueLen int, greedy bool) int {
	if greedy {
		return recSize(keyLen, roomFor(valueLen))
	}
	return recSize(keyLen, valueLen)
}

// maybeCompact moves the live records out of the emptiest slab once dead
// records take more than a quarter of the slabs (and more than a slab).
// A lower bound keeps less dead memory but moves more: with random
// overwrites at an eighth, compaction took 19 % of a SET's CPU, at a
// quarter 9 %, for about 12 % more RSS (bench/RESULTS.md).
func (t *Table) maybeCompact() {
	if t.slabs.dead <= chunkSize || t.slabs.dead*4 <= t.slabs.live+t.slabs.dead {
		return
	}
	c := t.slabs.emptiest()
	if c < 0 {
		return
	}
	t.slabs.evacuate(c, func(ref uint64, key string, expireAt int64) (*uint64, *uint64) {
		h := t.hash(key)
		i := t.keys.slotOf(ref, h)
		if i < 0 {
			return nil, nil // a dead record
		}
		if expireAt == 0 {
			return &t.keys.refs[i], nil
		}
		return &t.keys.refs[i], &t.vol.refs[t.vol.slotOf(ref, h)]
	})
}

// Verify checks the table's bookkeeping: every key in its home run and
// found by its name, the volatile index holding exactly the records with
// an expiry, and the live byte count. It is for tests.
func (t *Table) Verify() error {
	var live int64
	n, withTTL := 0, 0
	for i, ref := range t.keys.refs {
		if ref == 0 {
			continue
		}
		n++
		rec := t.slabs.record(ref)
		live += int64(len(rec))
		key := string(recKey(rec))
		h := t.hash(key)
		if t.keys.hashes[i] != h {
			return fmt.Errorf("slab: key %q has a stale hash", key)
		}
		if t.find(key, h) != i {
			return fmt.Errorf("slab: key %q is not found at its slot %d", key, i)
		}
		exp := fieldsOf(rec).expireAt
		if exp != 0 {
			withTTL++
		}
		if (exp != 0) != (t.vol.slotOf(ref, h) >= 0) {
			return fmt.Errorf("slab: key %q with expiry %d: volatile index disagrees", key, exp)
		}
	}
	if n != t.keys.count {
		return fmt.Errorf("slab: count %d, index holds %d", t.keys.count, n)
	}
	if withTTL != t.vol.count {
		return fmt.Errorf("slab: %d keys with expiry, volatile count %d", withTTL, t.vol.count)
	}
	for _, ref := range t.vol.refs {
		if ref != 0 && t.keys.slotOf(ref, t.hash(string(recKey(t.slabs.record(ref))))) < 0 {
			return errors.New("slab: the volatile index holds a record that is not live")
		}
	}
	if live != t.slabs.live {
		return fmt.Errorf("slab: live bytes %d, records hold %d", t.slabs.live, live)
	}
	return nil
}
