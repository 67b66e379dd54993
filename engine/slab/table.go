package slab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/bits"
)

// Entry is one record as the table stores it. Key and Value alias the
// table's slabs. A key's bytes are never written again, so Key stays valid
// after the table changes. So do a replaced or deleted record's Value
// bytes; but a live record's value may be written over by the next Set of
// its key (see SetWith): a caller that keeps a value past that copies it,
// or pins the table.
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
	pins int // Pin calls not undone: no value is written in place
	// pinEpoch is the slabs' epoch at the latest Pin: a slab of a later
	// epoch holds no record a pin protects.
	pinEpoch uint64
	// batchDeletes: Delete leaves compaction to Compact (see
	// BatchDeletes).
	batchDeletes bool
	seed         maphash.Seed
	keys         index // every record
	vol          index // the records with an expiry, for sampling them
	slabs        slabs
}

// index is an open-addressing table of refs with linear probing and
// backward-shift deletion, so every entry lies in the unbroken run of
// occupied slots that starts at its home slot (hash & mask). A slot is 12
// bytes, the ref and the key's 32-bit hash side by side, so a probe reads
// one cache line and compares hashes before it reads a record; a ref of 0
// is an empty slot.
//
// It grows (at three quarters full) and shrinks (at an eighth) a little at
// a time, as Redis rehashes its dict: slots becomes the new table and old
// the one entries are moved from, a few runs per add or remove, so no
// write pays for moving a million entries at once. A run moves whole, in
// one step, so a lookup finds an entry of old in the run of its home slot
// there as usual, or finds that run gone. New entries go to slots only.
// Slot numbers from len(slots) on name old's slots.
type index struct {
	slots []slot
	mem   *slotMem // slots' mapping, if mapped (see makeSlots)
	count int      // entries, old's included
	// A move in progress: old is nil when none. oldN counts old's
	// entries, pos is its next slot to look at and left how many of its
	// slots are still to look at; moving starts at an empty slot, so it
	// never stops inside a run.
	old       []slot
	oldMem    *slotMem
	oldN      int
	pos, left int
}

type slot struct {
	lo, hi uint32 // the ref
	hash   uint32
}

// moveStep is how many slots of old an add or a remove looks at, at
// least (a step ends at the end of a run): enough to finish a move well
// before the new table needs to grow again.
const moveStep = 64

// at returns slot i, of slots or (from len(slots) on) of old.
func (x *index) at(i int) *slot {
	if i < len(x.slots) {
		return &x.slots[i]
	}
	return &x.old[i-len(x.slots)]
}

func (x *index) ref(i int) uint64 {
	s := x.at(i)
	return uint64(s.hi)<<32 | uint64(s.lo)
}

func (x *index) setRef(i int, ref uint64) {
	s := x.at(i)
	s.lo, s.hi = uint32(ref), uint32(ref>>32)
}

// minSlots is the smallest index.
const minSlots = 8

func newIndex() index { return index{slots: make([]slot, minSlots)} }

// place puts s in the first free slot of slots from its home slot.
func place(slots []slot, s slot) {
	mask := len(slots) - 1
	i := int(s.hash) & mask
	for slots[i].hi != 0 {
		i = (i + 1) & mask
	}
	slots[i] = s
}

// add places ref, starting to grow the index when it is three quarters
// full.
func (x *index) add(ref uint64, h uint32) {
	if (x.count+1)*4 > len(x.slots)*3 {
		x.startMove(len(x.slots) * 2)
	} else {
		x.step()
	}
	place(x.slots, slot{lo: uint32(ref), hi: uint32(ref >> 32), hash: h})
	x.count++
}

// slotOf returns the slot holding ref, whose hash is h, or -1.
func (x *index) slotOf(ref uint64, h uint32) int {
	if i := slotIn(x.slots, ref, h); i >= 0 {
		return i
	}
	if x.old != nil {
		if i := slotIn(x.old, ref, h); i >= 0 {
			return len(x.slots) + i
		}
	}
	return -1
}

func slotIn(slots []slot, ref uint64, h uint32) int {
	mask := len(slots) - 1
	lo, hi := uint32(ref), uint32(ref>>32)
	for i := int(h) & mask; slots[i].hi != 0; i = (i + 1) & mask {
		if slots[i].lo == lo && slots[i].hi == hi {
			return i
		}
	}
	return -1
}

// remove empties slot i, starting to shrink the index when it is an
// eighth full.
func (x *index) remove(i int) {
	if i < len(x.slots) {
		removeSlot(x.slots, i)
	} else {
		removeSlot(x.old, i-len(x.slots))
		x.oldN--
	}
	x.count--
	if len(x.slots) > minSlots && x.count*8 < len(x.slots) {
		x.startMove(len(x.slots) / 2)
	} else {
		x.step()
	}
}

// removeSlot empties slot i, moving back the later entries of its run
// that may move, so that no entry is left beyond a gap from its home.
func removeSlot(slots []slot, i int) {
	mask := len(slots) - 1
	for j := (i + 1) & mask; slots[j].hi != 0; j = (j + 1) & mask {
		home := int(slots[j].hash) & mask
		// The entry at j may fill i unless its home lies in the cyclic
		// range (i, j]: then i is before its home.
		inRange := (i <= j && home > i && home <= j) || (i > j && (home > i || home <= j))
		if !inRange {
			slots[i] = slots[j]
			i = j
		}
	}
	slots[i] = slot{}
}

// startMove makes a table of n slots the index's, and starts moving the
// entries there (the first step at once, which moves a small index
// whole). A move still in progress is finished first.
func (x *index) startMove(n int) {
	x.finishMove()
	x.old, x.oldMem, x.oldN = x.slots, x.mem, x.count
	x.slots, x.mem = makeSlots(n)
	x.left = len(x.old)
	// Start at an empty slot (old is at most three quarters full), so
	// that every run is moved whole.
	x.pos = 0
	for x.old[x.pos].hi != 0 {
		x.pos++
	}
	x.step()
}

// step moves the runs of at least moveStep slots of old, if a move is in
// progress.
func (x *index) step() {
	if x.old == nil {
		return
	}
	mask := len(x.old) - 1
	for n := 0; x.left > 0 && x.oldN > 0 && (n < moveStep || x.old[x.pos].hi != 0); n++ {
		if s := &x.old[x.pos]; s.hi != 0 {
			place(x.slots, *s)
			*s = slot{}
			x.oldN--
		}
		x.pos = (x.pos + 1) & mask
		x.left--
	}
	if x.left == 0 || x.oldN == 0 {
		freeSlots(x.oldMem)
		x.old, x.oldMem = nil, nil
	}
}

// finishMove moves what a move in progress has left.
func (x *index) finishMove() {
	for x.old != nil {
		x.step()
	}
}

// resize moves the index to n slots (a power of two larger than count) at
// once.
func (x *index) resize(n int) {
	x.finishMove()
	old, oldMem := x.slots, x.mem
	x.slots, x.mem = makeSlots(n)
	for _, s := range old {
		if s.hi != 0 {
			place(x.slots, s)
		}
	}
	freeSlots(oldMem)
}

// each calls fn with every occupied slot until fn returns false.
func (x *index) each(fn func(i int, s slot) bool) {
	for i, s := range x.slots {
		if s.hi != 0 && !fn(i, s) {
			return
		}
	}
	for i, s := range x.old {
		if s.hi != 0 && !fn(len(x.slots)+i, s) {
			return
		}
	}
}

// sparseOld is the slots of old still to move per entry it holds beyond
// which sampling finishes the move: a shrink starts at an eighth full.
const sparseOld = 16

// size is the slots the index takes, old's included.
func (x *index) size() int { return len(x.slots) + len(x.old) }

// sample returns a slot chosen at random (the first occupied one from a
// random slot on); the index must not be empty. During a move, old is
// chosen in proportion to the entries it still holds; when they are few
// and far between among the slots still to move (deletes emptied it while
// the move went a few slots per write), the move is finished first, as a
// probe from a random slot of old would walk long empty stretches (it
// made an expire cycle over a table mostly expired 30 times slower).
func (x *index) sample(rnd func(n int) int) int {
	if x.old != nil && x.left > sparseOld*x.oldN {
		x.finishMove()
	}
	if x.old != nil && rnd(x.count) < x.oldN {
		return len(x.slots) + sampleIn(x.old, rnd)
	}
	return sampleIn(x.slots, rnd)
}

// sampleIn returns an occupied slot of slots, which holds at least one:
// the first of a few slots from a random one, or, when those are all
// empty, the same from another random slot. Walking on to the next
// occupied slot however far it is would pick the entries after long empty
// stretches far more often; and where the picked entries are deleted (an
// expire cycle), the stretches grow until each walk crosses most of the
// table: 30 microseconds a sample in a table still a tenth full.
func sampleIn(slots []slot, rnd func(n int) int) int {
	mask := len(slots) - 1
	for {
		i := rnd(len(slots))
		for range sampleWalk {
			if slots[i].hi != 0 {
				return i
			}
			i = (i + 1) & mask
		}
	}
}

// sampleWalk is how many slots sampleIn looks at from each random one.
const sampleWalk = 8

// some calls fn for up to n occupied slots found walking the index from a
// random slot, looking at no more than 10n slots (all of them when the
// index is smaller), as Redis's dictGetSomeKeys walks its buckets. During
// a move, n is shared between the tables by the entries they hold.
func (x *index) some(rnd func(n int) int, n int, fn func(i int)) {
	if x.count == 0 || n <= 0 {
		return
	}
	if x.old != nil {
		k := (n*x.oldN + x.count/2) / x.count
		someIn(x.old, rnd, k, func(i int) { fn(len(x.slots) + i) })
		n -= k
	}
	someIn(x.slots, rnd, n, fn)
}

func someIn(slots []slot, rnd func(n int) int, n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	mask := len(slots) - 1
	i := rnd(len(slots))
	for steps := min(len(slots), 10*n); steps > 0 && n > 0; steps-- {
		if slots[i].hi != 0 {
			fn(i)
			n--
		}
		i = (i + 1) & mask
	}
}

// New returns an empty table.
func New() *Table {
	return &Table{seed: maphash.MakeSeed(), keys: newIndex(), vol: newIndex(), slabs: slabs{cur: -1, moving: -1}}
}

// NewGrowing returns an empty table whose slabs start at a few kilobytes
// and grow with it up to the usual size: for many small tables, such as
// the fields of hashes, where a megabyte each would be mostly empty.
func NewGrowing() *Table {
	t := New()
	t.slabs.grow = true
	return t
}

// Len returns the number of keys.
func (t *Table) Len() int { return t.keys.count }

// Prefault says whether the table's new shared slabs get all their pages
// mapped at once (on): for a table being loaded, which fills each slab as
// soon as it is made, one system call per slab instead of a page fault
// per page. Off (the default), a slab's pages are mapped as records reach
// them, so a table holds in memory no more than its records.
func (t *Table) Prefault(on bool) { t.slabs.prefault = on }

// Reserve grows the index at once to hold n keys, so that filling the
// table with them resizes it no more: for a table loaded with a known
// number of keys. Fit gives back what a reservation did not use. A large
// reserved index asks for huge pages (adviseHuge): it is filled at once,
// at random places. An index that grows by doubling does not: its old
// copies, freed, would stay in memory as whole huge pages.
func (t *Table) Reserve(n int) {
	if size := indexSizeFor(n); size > len(t.keys.slots) {
		t.keys.resize(size)
		adviseHuge(t.keys.slots)
	}
}

// Fit shrinks the index to the size its keys need, after a Reserve that
// turned out too large.
func (t *Table) Fit() {
	if size := indexSizeFor(t.keys.count); size < len(t.keys.slots) {
		t.keys.resize(size)
	}
}

// indexSizeFor is the smallest index that holds n keys without growing:
// a power of two, at least minSlots, at most three quarters full.
func indexSizeFor(n int) int {
	size := minSlots
	for n*4 > size*3 {
		size *= 2
	}
	return size
}

// VolatileLen returns the number of keys with an expiry.
func (t *Table) VolatileLen() int { return t.vol.count }

func (t *Table) hash(key string) uint32 { return uint32(maphash.String(t.seed, key)) }

// Find returns the slot of key, or -1. A slot is valid until the table is
// next modified.
func (t *Table) Find(key string) int { return t.find(key, t.hash(key)) }

func (t *Table) find(key string, h uint32) int {
	if i := t.findIn(t.keys.slots, key, h); i >= 0 {
		return i
	}
	if t.keys.old != nil {
		if i := t.findIn(t.keys.old, key, h); i >= 0 {
			return len(t.keys.slots) + i
		}
	}
	return -1
}

func (t *Table) findIn(s []slot, key string, h uint32) int {
	mask := len(s) - 1
	for i := int(h) & mask; s[i].hi != 0; i = (i + 1) & mask {
		if s[i].hash == h && string(t.slabs.keyAt(uint64(s[i].hi)<<32|uint64(s[i].lo))) == key {
			return i
		}
	}
	return -1
}

// Touch reads, and changes nothing, the memory a lookup of key reads
// first: its home slot and, when the slot's hash matches, the record it
// names. A caller about to look up several keys touches them all first:
// their cache misses then overlap instead of coming one after another
// (Engine.Apply). The result depends on what was read, so that the reads
// are kept; it means nothing else.
func (t *Table) Touch(key string) uint32 {
	s := t.keys.slots
	if len(s) == 0 {
		return 0
	}
	h := t.hash(key)
	sl := s[int(h)&(len(s)-1)]
	if sl.hi == 0 || sl.hash != h {
		return sl.hash
	}
	k := t.slabs.keyAt(uint64(sl.hi)<<32 | uint64(sl.lo))
	if len(k) == 0 {
		return h
	}
	return uint32(k[0])
}

// At returns the record at slot, which Find returned.
func (t *Table) At(slot int) Entry { return t.slabs.entry(t.keys.ref(slot)) }

// SetMetaAt changes the metadata of the record at slot, which Find
// returned.
func (t *Table) SetMetaAt(slot int, meta uint32) {
	binary.LittleEndian.PutUint32(t.slabs.record(t.keys.ref(slot))[offMeta:], meta)
}

// Get returns key's record.
func (t *Table) Get(key string) (Entry, bool) {
	i := t.Find(key)
	if i < 0 {
		return Entry{}, false
	}
	return t.At(i), true
}

// Set stores key's record, replacing any other, and returns it and
// whether it replaced one. The key and value are copied into the table.
// aux is kept only by a record with room for more than 4 KiB of value. A replaced record
// may be rewritten in place (see SetWith).
func (t *Table) Set(key string, value []byte, expireAt int64, meta uint32, kind uint8, aux uint64) (e Entry, replaced bool) {
	return t.SetWith(key, value, expireAt, kind, aux, true, func(Entry, bool) uint32 { return meta })
}

// SetWith is Set with the new record's metadata computed from the one it
// replaces: meta(old, true), or meta(Entry{}, false) for a new key, called
// before anything is written, so that old is still whole. The key is
// looked up once.
//
// With inPlace, a value whose record would have the replaced record's
// size is written over it, unless the table is pinned (see Pin) or the
// replaced record is greedy: no dead record is left, and nothing is
// compacted later. The caller must then hold no slice of the old value it
// still needs. Otherwise a new record is written and the old one is
// marked dead, and its bytes are never written again.
func (t *Table) SetWith(key string, value []byte, expireAt int64, kind uint8, aux uint64, inPlace bool, meta func(old Entry, replaced bool) uint32) (e Entry, replaced bool) {
	h := t.hash(key)
	f := fields{expireAt: expireAt, kind: kind, aux: aux}
	i := t.find(key, h)
	if i < 0 {
		f.meta = meta(Entry{}, false)
		ref := t.slabs.put(key, value, nil, len(value), f)
		t.keys.add(ref, h)
		if expireAt != 0 {
			t.vol.add(ref, h)
		}
		return t.slabs.entry(ref), false
	}
	ref := t.keys.ref(i)
	old := t.slabs.entry(ref)
	f.meta = meta(old, true)
	rec := t.slabs.record(ref)
	if !inPlace || !t.inPlace(ref) || rec[offFlags]&flagGreedy != 0 || hasExpireWord(rec) != (expireAt != 0) ||
		recSize(len(key), len(value), expireAt != 0) != len(rec) {
		return t.slabs.entry(t.replace(i, h, key, value, nil, len(value), f)), true
	}
	copy(rec[writeHeader(rec, len(key), len(value), f)+len(key):], value)
	setAux(rec, aux)
	switch {
	case old.ExpireAt == 0 && expireAt != 0:
		t.vol.add(ref, h)
	case old.ExpireAt != 0 && expireAt == 0:
		t.vol.remove(t.vol.slotOf(ref, h))
	}
	return t.slabs.entry(ref), true
}

// WriteAt writes data over key's value from byte off on, in place, and
// returns the record. It writes nothing and returns false when key is
// missing, the table is pinned, or data would not fall wholly within the
// value. The caller must hold no slice of the old value it still needs,
// and updates the record's aux (SetAux) if it keeps one.
func (t *Table) WriteAt(key string, off int, data []byte, kind uint8) (Entry, bool) {
	i := t.Find(key)
	if i < 0 || !t.inPlace(t.keys.ref(i)) {
		return Entry{}, false
	}
	ref := t.keys.ref(i)
	rec := t.slabs.record(ref)
	if off < 0 || off > valLen(rec)-len(data) {
		return Entry{}, false
	}
	copy(rec[keyOff(rec)+keyLen(rec)+off:], data)
	rec[offKind] = kind
	return t.slabs.entry(ref), true
}

// Pin stops SetWith, Append and WriteAt from writing values in place, and
// SetExpire from writing an expiry in place, until as many Unpin calls:
// while pinned, every value handed out stays as it is, for a snapshot that
// is read after the lock is released (see Freeze). Records in slabs made
// after the latest Pin are none of those: they are still written in place
// (a 64 MB string written to while a snapshot was being read was copied
// on every write, not only the first).
func (t *Table) Pin() {
	t.pins++
	t.pinEpoch = t.slabs.epoch
	t.slabs.epoch++
}

// inPlace reports whether the record at ref may be written in place: no
// pin holds it.
func (t *Table) inPlace(ref uint64) bool {
	if t.pins == 0 {
		return true
	}
	c, _ := splitRef(ref)
	return t.slabs.chunks[c].epoch > t.pinEpoch
}

// Unpin undoes one Pin.
func (t *Table) Unpin() { t.pins-- }

// replace writes a new record for the key at slot i (hash h) and retires
// the old one, keeping the volatile index in step. It returns the new
// record's ref.
func (t *Table) replace(i int, h uint32, key string, value, tail []byte, roomLen int, f fields) uint64 {
	old := t.keys.ref(i)
	rec := t.slabs.record(old)
	oldExp := fieldsOf(rec).expireAt
	ref := t.slabs.put(key, value, tail, roomLen, f)
	t.keys.setRef(i, ref)
	switch {
	case oldExp != 0 && f.expireAt != 0:
		t.vol.setRef(t.vol.slotOf(old, h), ref)
	case oldExp != 0:
		t.vol.remove(t.vol.slotOf(old, h))
	case f.expireAt != 0:
		t.vol.add(ref, h)
	}
	t.slabs.release(old, len(rec))
	t.maybeCompact()
	return t.keys.ref(i)
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
	rec := t.slabs.record(t.keys.ref(i))
	kl, vl := keyLen(rec), valLen(rec)
	n := vl + len(tail)
	if t.inPlace(t.keys.ref(i)) && rec[offFlags]&flagGreedy != 0 && n <= roomFor(vl) && roomFor(n) == roomFor(vl) {
		// Room enough: written after the value's end, where no slice
		// handed out reaches.
		copy(rec[keyOff(rec)+kl+vl:], tail)
		binary.LittleEndian.PutUint32(rec[offValLen:], uint32(n))
		rec[offKind] = kind
		return t.slabs.entry(t.keys.ref(i)), true
	}
	f := fieldsOf(rec)
	f.kind, f.flags = kind, f.flags|flagGreedy
	return t.slabs.entry(t.replace(i, h, key, recValue(rec), tail, roomFor(n), f)), true
}

// SetAux changes key's aux word, if its record keeps one, and reports
// whether key exists.
func (t *Table) SetAux(key string, aux uint64) bool {
	i := t.Find(key)
	if i < 0 {
		return false
	}
	setAux(t.slabs.record(t.keys.ref(i)), aux)
	return true
}

// SetExpire changes key's expiry time and reports whether key exists,
// with the size of its record after the change (a key that gains or
// loses its expiry gets a record 8 bytes longer or shorter).
func (t *Table) SetExpire(key string, expireAt int64) (size int, ok bool) {
	h := t.hash(key)
	i := t.find(key, h)
	if i < 0 {
		return 0, false
	}
	ref := t.keys.ref(i)
	rec := t.slabs.record(ref)
	if !t.inPlace(ref) || (expireAt != 0) != hasExpireWord(rec) {
		// A Frozen may still read this record's expiry, or the record
		// gains or loses the expiry word: a new record.
		f := fieldsOf(rec)
		f.expireAt = expireAt
		nref := t.replace(i, h, aliasString(recKey(rec)), recValue(rec), nil, room(rec), f)
		return len(t.slabs.record(nref)), true
	}
	if expireAt != 0 {
		// Both have an expiry: the volatile index already holds it.
		binary.LittleEndian.PutUint64(rec[offExpire:], uint64(expireAt))
	}
	return len(rec), true
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
	ref := t.keys.ref(i)
	rec := t.slabs.record(ref)
	if expireOf(rec) != 0 {
		t.vol.remove(t.vol.slotOf(ref, h))
	}
	t.keys.remove(i)
	t.slabs.release(ref, len(rec))
	if !t.batchDeletes {
		t.maybeCompact()
	}
	return true
}

// BatchDeletes makes Delete leave compaction to Compact (on), or do its
// step itself again (off). A run of deletes (the expire cycle's) then
// pays one step per run, not one per key: moving the live records of a
// slab whose keys are expiring one after another was 40 % of the cycle.
func (t *Table) BatchDeletes(on bool) { t.batchDeletes = on }

// Compact does one step of compaction, if one is due (as a write does).
func (t *Table) Compact() { t.maybeCompact() }

// Scan calls fn for the keys whose home is the slot at cursor and returns
// the next cursor (0 once the iteration is complete). The cursor walks
// home slots with their bits reversed, as Redis's dictScan walks buckets,
// so a key present for a whole scan is returned at least once whatever
// resizes happen between calls. fn must not modify the table.
func (t *Table) Scan(cursor uint64, fn func(Entry)) uint64 {
	x := &t.keys
	if x.old == nil {
		mask := uint64(len(x.slots) - 1)
		t.scanHome(x.slots, cursor&mask, fn)
		return nextCursor(cursor, mask)
	}
	// During a move, as dictScan with two tables: the home slot in the
	// smaller table, then every home slot of the larger that the keys of
	// that one may have (its expansions), the cursor advancing over them.
	small, large := x.slots, x.old
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	t.scanHome(small, cursor&m0, fn)
	for {
		t.scanHome(large, cursor&m1, fn)
		cursor = nextCursor(cursor, m1)
		if cursor&(m0^m1) == 0 {
			return cursor
		}
	}
}

// scanHome calls fn for the keys of slots whose home is slot home.
func (t *Table) scanHome(slots []slot, home uint64, fn func(Entry)) {
	mask := uint64(len(slots) - 1)
	for i := home; slots[i].hi != 0; i = (i + 1) & mask {
		if uint64(slots[i].hash)&mask == home {
			fn(t.slabs.entry(uint64(slots[i].hi)<<32 | uint64(slots[i].lo)))
		}
	}
}

// nextCursor advances cursor's bits under mask, reversed: the next home
// slot in reverse-binary order (0 after the last).
func nextCursor(cursor, mask uint64) uint64 {
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// Each calls fn for every record until fn returns false. fn must not
// modify the table.
func (t *Table) Each(fn func(Entry) bool) {
	t.keys.each(func(i int, _ slot) bool { return fn(t.slabs.entry(t.keys.ref(i))) })
}

// EachStored calls fn for every record until fn returns false, in the
// order the records lie in the slabs (about the order they were written)
// rather than the index's: a walk of the whole table then reads memory
// one record after the other instead of missing the cache on each (KEYS
// of a million keys: about 4 times faster). fn must not modify the table.
func (t *Table) EachStored(fn func(Entry) bool) {
	s := &t.slabs
	for c := range s.chunks {
		buf := s.chunks[c].buf
		off := 0
		if c == s.moving {
			// The records before movingOff were copied to another slab
			// (the live ones) and are read there.
			off = s.movingOff
		}
		for off < len(buf) {
			rec := buf[off:]
			n := recordSize(rec)
			if rec[offFlags]&flagDead == 0 && !fn(entryOf(rec[:n:n])) {
				return
			}
			off += n
		}
	}
}

// EachVolatile calls fn for every record with an expiry until fn returns
// false. fn must not modify the table.
func (t *Table) EachVolatile(fn func(Entry) bool) {
	t.vol.each(func(i int, _ slot) bool { return fn(t.slabs.entry(t.vol.ref(i))) })
}

// Sample returns a record chosen at random (the first from a random slot
// on), or false when the table is empty. rnd returns a number in [0, n).
func (t *Table) Sample(rnd func(n int) int) (Entry, bool) {
	if t.keys.count == 0 {
		return Entry{}, false
	}
	return t.slabs.entry(t.keys.ref(t.keys.sample(rnd))), true
}

// SampleSome calls fn for up to n records that follow one another from a
// random slot (among the records with an expiry when volatile is set), for
// eviction's candidates: in a small table every record is seen, in a large
// one about n. fn must not modify the table.
func (t *Table) SampleSome(rnd func(n int) int, n int, volatile bool, fn func(Entry)) {
	x := &t.keys
	if volatile {
		x = &t.vol
	}
	x.some(rnd, n, func(i int) { fn(t.slabs.entry(x.ref(i))) })
}

// SampleVolatile is Sample among the records with an expiry.
func (t *Table) SampleVolatile(rnd func(n int) int) (Entry, bool) {
	if t.vol.count == 0 {
		return Entry{}, false
	}
	return t.slabs.entry(t.vol.ref(t.vol.sample(rnd))), true
}

// Memory is what the table takes: its indexes and its slabs, live and
// dead records and free room included.
func (t *Table) Memory() int64 {
	return int64(t.keys.size()+t.vol.size())*12 + t.slabs.footprint()
}

// Slots returns the size of the index (the table being moved to, during
// a move), for tests of its resizing.
func (t *Table) Slots() int { return len(t.keys.slots) }

// LiveBytes returns the bytes of the records in use.
func (t *Table) LiveBytes() int64 { return t.slabs.live }

// RecordSize returns the bytes a record takes for a key and a value of
// these lengths; greedy for a value built by Append, expires for a key
// with an expiry.
func RecordSize(keyLen, valueLen int, greedy, expires bool) int {
	if greedy {
		return recSize(keyLen, roomFor(valueLen), expires)
	}
	return recSize(keyLen, valueLen, expires)
}

// compactStep is the bytes of a slab that compaction looks at per write:
// a slab is emptied over a few hundred writes, so that none of them waits
// for a whole slab to be moved (about a millisecond under the lock).
const compactStep = 4 << 10

// maybeCompact goes on emptying a slab, or starts on the emptiest one once
// dead records take more than a quarter of the slabs (and more than a
// slab). A lower bound keeps less dead memory but moves more: with random
// overwrites at an eighth, compaction took 19 % of a SET's CPU, at a
// quarter 9 %, for about 12 % more RSS (bench/RESULTS.md).
func (t *Table) maybeCompact() {
	s := &t.slabs
	if s.moving < 0 {
		if s.dead <= int64(s.chunkLimit()) || s.dead*4 <= s.live+s.dead {
			return
		}
		c := s.emptiest()
		if c < 0 {
			return
		}
		s.moving, s.movingOff, s.kept = c, 0, 0
	}
	t.evacuate(compactStep)
}

// evacuate looks at up to budget bytes of the slab being emptied, copies
// its live records to the slab being filled and points both indexes at
// the copies; once it reaches the slab's end it drops it. A record marked
// dead is skipped without a lookup; a live one costs one probe of each
// index it is in. Records of the slab released meanwhile are marked dead
// like any other; the slab is not dropped before its end is reached.
func (t *Table) evacuate(budget int) {
	s := &t.slabs
	c := s.moving
	buf := s.chunks[c].buf
	for seen := 0; s.movingOff < len(buf) && seen < budget; {
		ref := makeRef(c, s.movingOff)
		rec := s.record(ref)
		s.movingOff += len(rec)
		seen += len(rec)
		if rec[offFlags]&flagDead != 0 {
			continue
		}
		key := aliasString(recKey(rec))
		h := t.hash(key)
		i := t.keys.slotOf(ref, h)
		if i < 0 {
			continue // not reachable: a record is live until marked dead
		}
		f := fieldsOf(rec)
		nref := s.put(key, recValue(rec), nil, room(rec), f)
		t.keys.setRef(i, nref)
		if f.expireAt != 0 {
			t.vol.setRef(t.vol.slotOf(ref, h), nref)
		}
		s.chunks[c].live -= int64(len(rec))
		s.live -= int64(len(rec))
		s.kept += len(rec)
	}
	if s.movingOff >= len(buf) {
		s.moving = -1
		s.drop(c, int64(len(buf)-s.kept))
	}
}

// Verify checks the table's bookkeeping: every key in its home run and
// found by its name, the volatile index holding exactly the records with
// an expiry, and the live byte count. It is for tests.
func (t *Table) Verify() error {
	var live int64
	n, withTTL := 0, 0
	var err error
	t.keys.each(func(i int, s slot) bool {
		ref := t.keys.ref(i)
		n++
		rec := t.slabs.record(ref)
		live += int64(len(rec))
		key := string(recKey(rec))
		h := t.hash(key)
		if s.hash != h {
			err = fmt.Errorf("slab: key %q has a stale hash", key)
			return false
		}
		if t.find(key, h) != i {
			err = fmt.Errorf("slab: key %q is not found at its slot %d", key, i)
			return false
		}
		exp := fieldsOf(rec).expireAt
		if exp != 0 {
			withTTL++
		}
		if (exp != 0) != (t.vol.slotOf(ref, h) >= 0) {
			err = fmt.Errorf("slab: key %q with expiry %d: volatile index disagrees", key, exp)
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if n != t.keys.count {
		return fmt.Errorf("slab: count %d, index holds %d", t.keys.count, n)
	}
	if withTTL != t.vol.count {
		return fmt.Errorf("slab: %d keys with expiry, volatile count %d", withTTL, t.vol.count)
	}
	for _, x := range []*index{&t.keys, &t.vol} {
		inOld := 0
		for _, s := range x.old {
			if s.hi != 0 {
				inOld++
			}
		}
		if inOld != x.oldN {
			return fmt.Errorf("slab: %d entries left to move, %d counted", inOld, x.oldN)
		}
	}
	t.vol.each(func(i int, _ slot) bool {
		ref := t.vol.ref(i)
		if t.keys.slotOf(ref, t.hash(string(recKey(t.slabs.record(ref))))) < 0 {
			err = errors.New("slab: the volatile index holds a record that is not live")
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if live != t.slabs.live {
		return fmt.Errorf("slab: live bytes %d, records hold %d", t.slabs.live, live)
	}
	return nil
}
