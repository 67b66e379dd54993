package engine

import (
	"fmt"
	"unsafe"
)

// This file exposes internals to the external engine_test package. It is
// compiled only with the tests.

// CheckInvariants verifies the bookkeeping the engine relies on: every
// entry sits in the bucket its hash selects, the table count matches the
// chains, and db.volatile holds exactly the entries that have an expiry,
// each knowing its own index.
func (e *Engine) CheckInvariants() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for d, dd := range e.dbs {
		t := dd.keys
		if len(t.buckets) < minBuckets || len(t.buckets)&(len(t.buckets)-1) != 0 {
			return fmt.Errorf("db %d: bucket count %d is not a power of two >= %d", d, len(t.buckets), minBuckets)
		}
		n, withTTL := 0, 0
		seen := make(map[string]bool)
		for i, head := range t.buckets {
			for en := head; en != nil; en = en.next {
				n++
				if seen[en.key] {
					return fmt.Errorf("db %d: key %q stored twice", d, en.key)
				}
				seen[en.key] = true
				if en.hash != t.hash(en.key) {
					return fmt.Errorf("db %d: key %q has a stale hash", d, en.key)
				}
				if int(en.hash&uint64(len(t.buckets)-1)) != i {
					return fmt.Errorf("db %d: key %q in bucket %d, want %d", d, en.key, i, en.hash&uint64(len(t.buckets)-1))
				}
				if en.expireAt != 0 {
					withTTL++
					if en.volIdx < 0 || int(en.volIdx) >= len(dd.volatile) || dd.volatile[en.volIdx] != en {
						return fmt.Errorf("db %d: key %q has expiry but volIdx %d is wrong", d, en.key, en.volIdx)
					}
				} else if en.volIdx != -1 {
					return fmt.Errorf("db %d: key %q has no expiry but volIdx %d", d, en.key, en.volIdx)
				}
			}
		}
		if n != t.count {
			return fmt.Errorf("db %d: count %d, chains hold %d", d, t.count, n)
		}
		if withTTL != len(dd.volatile) {
			return fmt.Errorf("db %d: %d keys with expiry, volatile holds %d", d, withTTL, len(dd.volatile))
		}
		for i, en := range dd.volatile {
			if en == nil || int(en.volIdx) != i || t.get(en.key) != en {
				return fmt.Errorf("db %d: volatile[%d] is not a live entry of the table", d, i)
			}
		}
	}
	// The digest kept up to date change by change equals the digest
	// computed from scratch.
	var items []Item
	for d, dd := range e.dbs {
		var sum Digest
		var err error
		dd.keys.each(func(en *entry) bool {
			if en.vhash != valueHash(en.val) {
				err = fmt.Errorf("db %d: key %q has a stale value hash", d, en.key)
				return false
			}
			sum = sum.add(en.term(hashKey(en.key)))
			items = append(items, Item{DB: d, Key: en.key, Value: en.val, ExpireAt: en.expireAt})
			return true
		})
		if err != nil {
			return err
		}
		if sum != dd.sum {
			return fmt.Errorf("db %d: digest sum %v, recomputed %v", d, dd.sum, sum)
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
		dd.keys.each(func(en *entry) bool {
			n += memSize(en)
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

// EntrySize is the size of the per-key struct, which entryOverhead
// accounts for.
const EntrySize = unsafe.Sizeof(entry{})

// EntryOverhead is the accounted memory of a key beyond its name and
// value; VolatileOverhead what an expiry adds; DBOverhead an empty
// database's.
const (
	EntryOverhead    = entryOverhead
	VolatileOverhead = volatileOverhead
	DBOverhead       = dbOverhead
)

// BucketCount returns the number of buckets of database d's table.
func (e *Engine) BucketCount(d int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.dbs[d].keys.buckets)
}
