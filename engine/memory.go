package engine

// Memory accounting. The engine counts the memory of its keyspace itself,
// key by key, instead of asking the Go runtime: the heap also holds client
// buffers, the operation log and garbage not yet collected, and it moves
// with the collector's pace, so it can be neither compared with maxmemory
// predictably nor brought down by deleting keys at once. The count is what
// the keyspace's own structures hold (see package slab):
//
//   - per key, its record: a 32-byte header, the key and the value's room,
//     padded to 8 bytes;
//   - per key, slotShare: its share of the index;
//   - per key with an expiry, another slotShare, in the volatile index;
//   - per database, dbOverhead: its table with two smallest indexes.
//
// Dead records not yet compacted and the free end of the slab being
// filled are not counted, as Redis's used_memory does not count its
// allocator's fragmentation. Every change of a key goes through
// accountLocked, so the count is exact with respect to this model
// (CheckInvariants recomputes it) and independent of the order the keys
// were written in: a secondary holding the same keys counts the same, but
// for the room APPEND keeps.

const (
	// slotShare is a key's share of an index: a slot is 12 bytes (a ref
	// and a 32-bit hash), and an index is between 3/8 and 3/4 full once
	// grown, about half full on average.
	slotShare = 24
	// dbOverhead is one empty database: its structs and two indexes of
	// eight slots.
	dbOverhead = 512
)

// memSize is the memory accounted to en in its current state.
func memSize(en *entry) int64 {
	n := int64(en.size + slotShare)
	if en.kind == encHash || isColl(en.kind) {
		n += recMem(en.val)
	}
	if en.expireAt != 0 {
		n += slotShare
	}
	return n
}

// accountLocked adds delta bytes to database d's count and the engine's,
// and keeps the peak.
func (e *Engine) accountLocked(dd *db, delta int64) {
	dd.used += delta
	e.used += delta
	if e.used > e.peak {
		e.peak = e.used
	}
}

// usedLocked is the memory of the keyspace as accounted.
func (e *Engine) usedLocked() int64 { return e.used + int64(len(e.dbs))*dbOverhead }

// KeyMemory returns the memory accounted to key in database d (MEMORY
// USAGE): what memSize counts for it, the same figure used_memory adds up.
// It does not count as an access to the key.
func (e *Engine) KeyMemory(d int, key string) (int64, bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.getLocked(d, key) // as Redis's: an expired key is measured, not removed
	if !ok {
		return 0, false
	}
	return memSize(&en), true
}

// MemoryStats are INFO memory's view of the keyspace.
type MemoryStats struct {
	Used      int64  // bytes of the keyspace, as accounted (see memSize)
	Peak      int64  // the largest Used since start
	MaxMemory int64  // maxmemory; 0: no limit
	Policy    Policy // maxmemory-policy
}

// Memory returns the accounted memory of the keyspace and the limit.
func (e *Engine) Memory() MemoryStats {
	e.lock()
	defer e.unlock()
	base := int64(len(e.dbs)) * dbOverhead
	return MemoryStats{Used: e.usedLocked(), Peak: e.peak + base, MaxMemory: e.ev.cfg.MaxMemory, Policy: e.ev.cfg.Policy}
}
