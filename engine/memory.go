package engine

// Memory accounting. The engine counts the memory of its keyspace itself,
// key by key, instead of asking the Go runtime: the heap also holds client
// buffers, the operation log and garbage not yet collected, and it moves
// with the collector's pace, so it can be neither compared with maxmemory
// predictably nor brought down by deleting keys at once. The count is an
// estimate of what the keyspace's own structures hold:
//
//   - per key, entryOverhead: the entry struct (in its allocation size
//     class) and its share of the table's bucket array;
//   - the key's bytes and the value's capacity (APPEND may reserve more than
//     the value's length);
//   - per key with an expiry, volatileOverhead: its slot in db.volatile,
//     with that slice's spare capacity;
//   - per database, dbOverhead: the database and its smallest table.
//
// Every change of an entry goes through accountLocked, so the count is
// exact with respect to this model (CheckInvariants recomputes it) and
// independent of the order the keys were written in: a secondary holding
// the same keys counts the same, but for APPEND's spare capacity.

const (
	// entryOverhead is the memory of one key beyond its name and value:
	// the entry struct (80 bytes, an allocation size class), plus 16
	// bytes for its share of the bucket array (the table holds between
	// one and eight bucket pointers per key, two on average).
	entryOverhead = 80 + 16
	// volatileOverhead is what an expiry adds: its db.volatile slot (8
	// bytes) and that slice's spare capacity.
	volatileOverhead = 16
	// dbOverhead is one empty database: its struct and minBuckets buckets.
	dbOverhead = 64 + minBuckets*8
)

// memSize is the memory accounted to en in its current state.
func memSize(en *entry) int64 {
	n := int64(entryOverhead + len(en.key) + cap(en.val))
	if en.expireAt != 0 {
		n += volatileOverhead
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

// MemoryStats are INFO memory's view of the keyspace.
type MemoryStats struct {
	Used      int64  // bytes of the keyspace, as accounted (see memSize)
	Peak      int64  // the largest Used since start
	MaxMemory int64  // maxmemory; 0: no limit
	Policy    Policy // maxmemory-policy
}

// Memory returns the accounted memory of the keyspace and the limit.
func (e *Engine) Memory() MemoryStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	base := int64(len(e.dbs)) * dbOverhead
	return MemoryStats{Used: e.usedLocked(), Peak: e.peak + base, MaxMemory: e.ev.cfg.MaxMemory, Policy: e.ev.cfg.Policy}
}

// recountLocked recomputes database dd's count from its entries, for a
// keyspace installed all at once (Replace).
func recount(dd *db) {
	dd.used = 0
	dd.keys.each(func(en *entry) bool {
		dd.used += memSize(en)
		return true
	})
}
