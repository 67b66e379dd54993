package engine

import (
	"fmt"
	"math"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// This file exposes internals to the external engine_test package. It is
// compiled only with the tests.

// CheckInvariants verifies the bookkeeping the engine relies on: each
// table's own (every key found in its index, the volatile index holding
// exactly the keys with an expiry, the live byte count), the digest and
// the memory count kept change by change.
func (e *Engine) CheckInvariants() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for d, dd := range e.dbs {
		if err := dd.keys.Verify(); err != nil {
			return fmt.Errorf("db %d: %w", d, err)
		}
	}
	// The digest kept up to date change by change equals the digest
	// computed from scratch.
	var items []Item
	for d, dd := range e.dbs {
		var sum Digest
		var err error
		dd.keys.Each(func(r slab.Entry) bool {
			en := viewOf(r, -1)
			if en.hashed && en.vhash != valueHash(en.val) {
				err = fmt.Errorf("db %d: key %q has a stale value hash", d, en.key)
				return false
			}
			sum = sum.add(en.term(hashKey(en.key)))
			it := Item{DB: d, Key: en.key, Value: en.val, ExpireAt: en.expireAt}
			switch en.kind {
			case encHash:
				if err = checkHash(dd, &en); err != nil {
					return false
				}
				it.Type, it.Value = TypeHash, dd.hashes[recIdx(en.val)].pack(nil)
			case encHashLP:
				o := lpDecode(en.val)
				if o.len() == 0 || o.vh != lpVH(en.val) {
					err = fmt.Errorf("listpack hash %q: %d fields, value hash %x, recomputed %x", en.key, o.len(), lpVH(en.val), o.vh)
					return false
				}
				it.Type, it.Value = TypeHash, en.val[lpHeader:]
			case encList, encSet, encZSet, encStream:
				c := dd.colls[recIdx(en.val)].c
				if c == nil || c.typ() != typeOfKind(uint8(en.kind)) || (c.length() == 0 && !keepsEmpty(c.typ())) {
					err = fmt.Errorf("collection %q: record of kind %d, object %v", en.key, en.kind, c)
					return false
				}
				// The record's value hash and memory are the object's.
				if recVH(en.val) != c.valueHash() || recMem(en.val) != c.memory()+collOverhead {
					err = fmt.Errorf("collection %q: record says vh %x mem %d, object %x %d", en.key, recVH(en.val), recMem(en.val), c.valueHash(), c.memory()+collOverhead)
					return false
				}
				if z, ok := c.(*zsetObj); ok {
					if err = checkZSetChunks(z); err != nil {
						err = fmt.Errorf("sorted set %q: %w", en.key, err)
						return false
					}
				}
				// And a value rebuilt from its packed form is equal.
				back, perr := collFromPacked(c.typ(), c.pack(nil), e.climits)
				// (A set rebuilt may take a more compact encoding, as Redis
				// loads a hashtable of few integers as an intset: its memory
				// is compared only when the encodings agree.)
				if perr != nil || back.valueHash() != c.valueHash() || back.length() != c.length() ||
					(back.encoding() == c.encoding() && back.memory() != c.memory()) {
					err = fmt.Errorf("collection %q: rebuilt from its packed form: %v (%s %d %x %d, rebuilt %s %d %x %d)", en.key, perr, c.encoding(), c.length(), c.valueHash(), c.memory(), back.encoding(), back.length(), back.valueHash(), back.memory())
					return false
				}
				it.Type, it.Value = c.typ(), c.pack(nil)
			}
			items = append(items, it)
			return true
		})
		if err != nil {
			return err
		}
		if sum != dd.sum {
			return fmt.Errorf("db %d: digest sum %v, recomputed %v", d, dd.sum, sum)
		}
	}
	// Every hashtable object in a side table belongs to exactly one record.
	for d, dd := range e.dbs {
		tables := 0
		dd.keys.Each(func(r slab.Entry) bool {
			if encoding(r.Kind) == encHash {
				tables++
			}
			return true
		})
		live := 0
		for _, h := range dd.hashes {
			if h != nil {
				live++
			}
		}
		if live != tables {
			return fmt.Errorf("db %d: %d hashtable records, %d objects in the side table", d, tables, live)
		}
		colls := 0
		dd.keys.Each(func(r slab.Entry) bool {
			if isColl(encoding(r.Kind)) {
				colls++
			}
			return true
		})
		live = 0
		for _, s := range dd.colls {
			if s.c != nil {
				live++
			}
		}
		if live != colls || live+len(dd.cfree) != len(dd.colls) {
			return fmt.Errorf("db %d: %d collection records, %d objects and %d free slots in a side table of %d", d, colls, live, len(dd.cfree), len(dd.colls))
		}
	}
	if got := DigestOf(items); got != e.digest {
		return fmt.Errorf("dataset digest %v, recomputed %v", e.digest, got)
	}
	// The memory count kept up to date change by change equals the count
	// recomputed from the entries.
	var used int64
	for d, dd := range e.dbs {
		var n int64
		dd.keys.Each(func(r slab.Entry) bool {
			en := viewOf(r, -1)
			n += memSize(&en)
			return true
		})
		if n != dd.used {
			return fmt.Errorf("db %d: used memory %d, recomputed %d", d, dd.used, n)
		}
		used += n
	}
	if used != e.used {
		return fmt.Errorf("used memory %d, recomputed %d", e.used, used)
	}
	if e.peak < e.used {
		return fmt.Errorf("peak memory %d below used %d", e.peak, e.used)
	}
	return nil
}

// KeyMemory is the accounted memory of a key of keyLen bytes holding a
// value of valueLen bytes set by SET, with an expiry or not; DBOverhead
// an empty database's.
func KeyMemory(keyLen, valueLen int, volatile bool) int64 {
	en := entry{size: slab.RecordSize(keyLen, valueLen, false, volatile)}
	if volatile {
		en.expireAt = 1
	}
	return memSize(&en)
}

// DBOverhead is the accounted memory of an empty database.
const DBOverhead = dbOverhead

// BucketCount returns the number of slots of database d's index.
func (e *Engine) BucketCount(d int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dbs[d].keys.Slots()
}

// Items is a snapshot whose values are copies, for tests that compare
// datasets: it pins nothing.
func (e *Engine) Items() []Item {
	items, release := e.Snapshot(nil)
	defer release()
	for i := range items {
		items[i].Value = append([]byte{}, items[i].Value...)
	}
	return items
}

// checkHash verifies a hash record against its object: the value hash
// and memory the record holds, recomputed from the fields.
func checkHash(dd *db, en *entry) error {
	idx := recIdx(en.val)
	if int(idx) >= len(dd.hashes) || dd.hashes[idx] == nil {
		return fmt.Errorf("hash %q: no object at slot %d", en.key, idx)
	}
	o := dd.hashes[idx]
	var vh uint64
	var mem int64
	o.each(func(f, v string) bool {
		vh += pairHash(f, v)
		mem += fieldMem(f, v)
		return true
	})
	switch {
	case o.len() == 0:
		return fmt.Errorf("hash %q is empty", en.key)
	case vh != o.vh || vh != recVH(en.val):
		return fmt.Errorf("hash %q: value hash %x, record %x, recomputed %x", en.key, o.vh, recVH(en.val), vh)
	case mem+hashOverhead != recMem(en.val) || mem != o.mem:
		return fmt.Errorf("hash %q: memory %d, record %d, recomputed %d", en.key, o.mem, recMem(en.val), mem)
	}
	live := 0
	for _, h := range dd.hashes {
		if h != nil {
			live++
		}
	}
	if live != len(dd.hashes)-len(dd.hfree) {
		return fmt.Errorf("side table: %d objects, %d slots, %d free", live, len(dd.hashes), len(dd.hfree))
	}
	return nil
}

// SetViewMin sets the accounted size from which a large set, sorted set
// or hash is read by snapshots through a view (snapview.go), before the
// engine is used.
func SetViewMin(e *Engine, n int64) { e.viewMin = n }

// SnapshotViews returns how many views snapshot s made.
func SnapshotViews(s *Snapshot) int {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return len(s.views)
}

// checkZSetChunks checks a sorted set's chunks: none empty or over
// zchunkMax, in order, counted by n and by the Fenwick tree.
func checkZSetChunks(z *zsetObj) error {
	if len(z.fen) != len(z.chunks)+1 {
		return fmt.Errorf("%d chunks, Fenwick tree of %d", len(z.chunks), len(z.fen))
	}
	n := 0
	for ci := range z.chunks {
		ch := &z.chunks[ci]
		if ch.len() == 0 || ch.len() > zchunkMax {
			return fmt.Errorf("chunk %d holds %d", ci, ch.len())
		}
		if z.before(ci) != n {
			return fmt.Errorf("Fenwick tree counts %d before chunk %d, the chunks %d", z.before(ci), ci, n)
		}
		live := 0
		for _, x := range ch.ents {
			live += int(x.n)
		}
		if live != ch.live {
			return fmt.Errorf("chunk %d: members of %d bytes, counted %d", ci, live, ch.live)
		}
		for i := range ch.ents {
			if x := ch.ents[i]; int(x.off)+int(x.n) > len(ch.buf) {
				return fmt.Errorf("chunk %d: member %d at %d+%d, past its buffer (%d)", ci, i, x.off, x.n, len(ch.buf))
			}
			if (i > 0 && !zless(ch.at(i-1), ch.at(i))) || (i == 0 && ci > 0 && !zless(z.chunks[ci-1].last(), ch.at(i))) {
				return fmt.Errorf("chunk %d: member %d out of order", ci, i)
			}
			if s, ok := z.score(ch.at(i).m); z.idx != nil && (!ok || math.Float64bits(s) != math.Float64bits(ch.at(i).s)) {
				return fmt.Errorf("chunk %d: member %q scores %v, the index %v", ci, ch.at(i).m, ch.at(i).s, s)
			}
		}
		n += ch.len()
	}
	if n != z.n || z.before(len(z.chunks)) != n {
		return fmt.Errorf("%d members in the chunks, n %d, Fenwick tree %d", n, z.n, z.before(len(z.chunks)))
	}
	return nil
}

// ZSetBuffers returns the bytes the chunk buffers of key's sorted set
// take (their capacity) and the bytes of its members.
func ZSetBuffers(e *Engine, d int, key string) (buffers, members int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.getLocked(d, key)
	if !ok {
		return 0, 0
	}
	z := e.collOf(d, &en).(*zsetObj)
	for _, ch := range z.chunks {
		buffers += cap(ch.buf)
		members += ch.live
	}
	return buffers, members
}
