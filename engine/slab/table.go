package slab

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// Entry is one record as the table stores it. Key and Value alias the
// table's slabs: they are valid until the table is next modified.
type Entry struct {
	Key      []byte
	Value    []byte
	ExpireAt int64  // Unix milliseconds; 0: no expiry
	Meta     uint32 // the caller's: an LRU clock, an LFU counter
	Kind     uint8  // the caller's: what Value holds (a string, ...)
}

// Table maps keys to records. It is not safe for concurrent use: the
// engine guards it with its lock.
type Table struct {
	seed maphash.Seed

	// The index: open addressing with linear probing and backward-shift
	// deletion, so every key lies in the unbroken run of occupied slots
	// that starts at its home slot (hash & mask). refs[i] is 0 for an
	// empty slot; hashes[i] is the key's full hash, kept so that neither a
	// probe nor a resize reads the record to compare.
	refs   []uint64
	hashes []uint64
	count  int

	slabs slabs
}

// minSlots is the smallest index.
const minSlots = 8

// New returns an empty table.
func New() *Table {
	return &Table{
		seed:   maphash.MakeSeed(),
		refs:   make([]uint64, minSlots),
		hashes: make([]uint64, minSlots),
		slabs:  slabs{cur: -1},
	}
}

// Len returns the number of keys.
func (t *Table) Len() int { return t.count }

func (t *Table) hash(key string) uint64 { return maphash.String(t.seed, key) }

// find returns the slot of key, or -1.
func (t *Table) find(key string, h uint64) int {
	mask := len(t.refs) - 1
	for i := int(h) & mask; t.refs[i] != 0; i = (i + 1) & mask {
		if t.hashes[i] == h && string(recKey(t.slabs.record(t.refs[i]))) == key {
			return i
		}
	}
	return -1
}

// Get returns key's record.
func (t *Table) Get(key string) (Entry, bool) {
	i := t.find(key, t.hash(key))
	if i < 0 {
		return Entry{}, false
	}
	return entryOf(t.slabs.record(t.refs[i])), true
}

// Set stores key's record, replacing any other, and reports whether the
// key is new. The key and value are copied into the table.
func (t *Table) Set(key string, value []byte, expireAt int64, meta uint32, kind uint8) (added bool) {
	h := t.hash(key)
	if i := t.find(key, h); i >= 0 {
		ref := t.refs[i]
		old := t.slabs.record(ref)
		if recSize(len(key), len(value)) == len(old) && !t.slabs.alone(ref) {
			// Same size: rewritten where it stands.
			writeRecord(old, key, value, expireAt, meta, kind)
			return false
		}
		t.refs[i] = t.slabs.put(key, value, expireAt, meta, kind)
		t.slabs.release(ref, len(old))
		t.maybeCompact()
		return false
	}
	if (t.count+1)*4 > len(t.refs)*3 {
		t.resize(len(t.refs) * 2)
	}
	t.place(t.slabs.put(key, value, expireAt, meta, kind), h)
	t.count++
	return true
}

// place puts ref in the first free slot from h's home slot.
func (t *Table) place(ref, h uint64) {
	mask := len(t.refs) - 1
	i := int(h) & mask
	for t.refs[i] != 0 {
		i = (i + 1) & mask
	}
	t.refs[i], t.hashes[i] = ref, h
}

// SetExpire changes key's expiry time and reports whether key exists.
func (t *Table) SetExpire(key string, expireAt int64) bool {
	i := t.find(key, t.hash(key))
	if i < 0 {
		return false
	}
	binary.LittleEndian.PutUint64(t.slabs.record(t.refs[i])[offExpire:], uint64(expireAt))
	return true
}

// SetMeta changes key's metadata and reports whether key exists.
func (t *Table) SetMeta(key string, meta uint32) bool {
	i := t.find(key, t.hash(key))
	if i < 0 {
		return false
	}
	binary.LittleEndian.PutUint32(t.slabs.record(t.refs[i])[offMeta:], meta)
	return true
}

// Delete removes key and reports whether it was there.
func (t *Table) Delete(key string) bool {
	i := t.find(key, t.hash(key))
	if i < 0 {
		return false
	}
	ref := t.refs[i]
	size := len(t.slabs.record(ref))
	t.removeSlot(i)
	t.count--
	t.slabs.release(ref, size)
	if len(t.refs) > minSlots && t.count*8 < len(t.refs) {
		t.resize(len(t.refs) / 2)
	}
	t.maybeCompact()
	return true
}

// removeSlot empties slot i, moving back the later entries of its run
// that may move, so that no key is left beyond a gap from its home.
func (t *Table) removeSlot(i int) {
	mask := len(t.refs) - 1
	for j := (i + 1) & mask; t.refs[j] != 0; j = (j + 1) & mask {
		home := int(t.hashes[j]) & mask
		// The entry at j may fill i unless its home lies in the cyclic
		// range (i, j]: then i is before its home.
		inRange := (i <= j && home > i && home <= j) || (i > j && (home > i || home <= j))
		if !inRange {
			t.refs[i], t.hashes[i] = t.refs[j], t.hashes[j]
			i = j
		}
	}
	t.refs[i], t.hashes[i] = 0, 0
}

// resize moves the index to n slots (a power of two larger than count).
func (t *Table) resize(n int) {
	oldRefs, oldHashes := t.refs, t.hashes
	t.refs, t.hashes = make([]uint64, n), make([]uint64, n)
	for i, ref := range oldRefs {
		if ref != 0 {
			t.place(ref, oldHashes[i])
		}
	}
}

// Scan calls fn for the keys whose home is the slot at cursor and returns
// the next cursor (0 once the iteration is complete). The cursor walks
// home slots with their bits reversed, as Redis's dictScan walks buckets,
// so a key present for a whole scan is returned at least once whatever
// resizes happen between calls. fn must not modify the table.
func (t *Table) Scan(cursor uint64, fn func(Entry)) uint64 {
	mask := uint64(len(t.refs) - 1)
	home := cursor & mask
	for i := home; t.refs[i] != 0; i = (i + 1) & mask {
		if t.hashes[i]&mask == home {
			fn(entryOf(t.slabs.record(t.refs[i])))
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
	for _, ref := range t.refs {
		if ref != 0 && !fn(entryOf(t.slabs.record(ref))) {
			return
		}
	}
}

// Sample returns a record chosen at random (the first from a random slot
// on), or false when the table is empty. rnd returns a number in [0, n).
func (t *Table) Sample(rnd func(n int) int) (Entry, bool) {
	if t.count == 0 {
		return Entry{}, false
	}
	mask := len(t.refs) - 1
	i := rnd(len(t.refs))
	for t.refs[i] == 0 {
		i = (i + 1) & mask
	}
	return entryOf(t.slabs.record(t.refs[i])), true
}

// Memory is what the table takes: its index and its slabs, live and dead
// records and free room included.
func (t *Table) Memory() int64 {
	return int64(len(t.refs))*16 + t.slabs.footprint()
}

// LiveBytes returns the bytes of the records in use.
func (t *Table) LiveBytes() int64 { return t.slabs.live }

// maybeCompact moves the live records out of the emptiest slab once dead
// records take more than a quarter of the slabs (and more than a slab).
func (t *Table) maybeCompact() {
	if t.slabs.dead <= chunkSize || t.slabs.dead*4 <= t.slabs.live+t.slabs.dead {
		return
	}
	c := t.slabs.emptiest()
	if c < 0 {
		return
	}
	t.slabs.evacuate(c, func(ref uint64, key []byte) *uint64 {
		h := t.hash(string(key))
		mask := len(t.refs) - 1
		for i := int(h) & mask; t.refs[i] != 0; i = (i + 1) & mask {
			if t.refs[i] == ref {
				return &t.refs[i]
			}
		}
		return nil // a dead record
	})
}
