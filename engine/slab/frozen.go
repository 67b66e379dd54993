package slab

import "sync"

// Frozen is a table's records as they were when Freeze was called, to be
// read without the table's lock while the table goes on changing: a
// snapshot taken in a few milliseconds under the lock and written out
// after it, as a forked Redis writes its RDB file while the parent serves.
//
// It holds the records' refs and the slabs' bytes. While the table is
// pinned no byte a Frozen reads is written again: values are not written
// in place (SetWith, Append), an expiry change writes a new record
// (SetExpire), and a slab dropped by compaction or deletion keeps its
// bytes for whoever still holds them. What is still written in place is
// read by no Frozen: the meta word (an LRU clock) and the flags.
type Frozen struct {
	refs   []uint64
	bufs   [][]byte // each slab's bytes, by index
	sorted sync.Once
}

// Freeze pins the table and returns its records as they are now. The
// caller holds the table's lock for Freeze, and calls Unpin under it once
// it is done with the Frozen.
func (t *Table) Freeze() *Frozen {
	t.Pin()
	f := &Frozen{refs: make([]uint64, 0, t.keys.count), bufs: make([][]byte, len(t.slabs.chunks))}
	t.keys.each(func(i int, _ slot) bool {
		f.refs = append(f.refs, t.keys.ref(i))
		return true
	})
	for c := range t.slabs.chunks {
		f.bufs[c] = t.slabs.chunks[c].buf
	}
	return f
}

// Len returns the number of records.
func (f *Frozen) Len() int { return len(f.refs) }

// Each calls fn for every record until fn returns false, in the slabs'
// order: the first call sorts the refs (outside the lock), so that the
// records are read one after the other rather than in the index's random
// order, which took a cache miss per record. key and value
// alias the slabs: a key's bytes are never written again, a value's stay
// as they are until the table is unpinned.
// Each needs no lock and may run while the table changes.
func (f *Frozen) Each(fn func(key string, value []byte, expireAt int64, kind uint8) bool) {
	f.sorted.Do(func() { sortRefs(f.refs, nil) })
	for _, ref := range f.refs {
		c, off := splitRef(ref)
		rec := f.bufs[c][off:]
		if !fn(aliasString(recKey(rec)), recValue(rec), expireOf(rec), rec[offKind]) {
			return
		}
	}
}
