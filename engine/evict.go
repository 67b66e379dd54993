package engine

import (
	"math"
	"strings"
	"sync/atomic"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// Eviction, as Redis does it: when the accounted memory (see memory.go) is
// above maxmemory, a write first deletes keys chosen by maxmemory-policy,
// with Redis's sampled approximations of LRU, LFU and soonest expiry. On a
// primary each eviction is a Delete effect, logged like any other, so its
// secondaries drop the same keys; a replica never evicts by itself.
//
// The eviction code reaches the keyspace through few operations: the
// table's random record, among all or among those with an expiry, lookups
// by name and removeLocked. Each record carries a 30-bit access word
// (entry.access), which touchLocked updates on every lookup.

// Policy is maxmemory-policy: what to do when memory is above maxmemory.
type Policy uint8

const (
	// NoEviction refuses commands that may grow memory (Redis's "denyoom"
	// commands) while memory is above the limit.
	NoEviction Policy = iota
	AllKeysLRU
	AllKeysLFU
	AllKeysRandom
	VolatileLRU
	VolatileLFU
	VolatileRandom
	VolatileTTL
)

var policyNames = [...]string{
	NoEviction: "noeviction", AllKeysLRU: "allkeys-lru", AllKeysLFU: "allkeys-lfu",
	AllKeysRandom: "allkeys-random", VolatileLRU: "volatile-lru", VolatileLFU: "volatile-lfu",
	VolatileRandom: "volatile-random", VolatileTTL: "volatile-ttl",
}

// String returns the policy's name as maxmemory-policy spells it.
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "unknown"
}

// ParsePolicy reads a maxmemory-policy name, in any letter case.
func ParsePolicy(s string) (Policy, bool) {
	for i, n := range policyNames {
		if strings.EqualFold(s, n) {
			return Policy(i), true
		}
	}
	return NoEviction, false
}

// LFU reports whether the policy tracks access frequency instead of
// access time.
func (p Policy) LFU() bool { return p == AllKeysLFU || p == VolatileLFU }

func (p Policy) volatile() bool { return p >= VolatileLRU }

func (p Policy) random() bool { return p == AllKeysRandom || p == VolatileRandom }

// EvictionConfig holds the options of eviction, as Redis names them.
type EvictionConfig struct {
	MaxMemory    int64  // maxmemory in bytes; 0: no limit
	Policy       Policy // maxmemory-policy
	Samples      int    // maxmemory-samples: keys sampled per database and round; 5 when < 1
	LFULogFactor int    // lfu-log-factor: how slowly the counter grows
	LFUDecayTime int    // lfu-decay-time: minutes per decrement of an idle key's counter; 0: never
}

// DefaultEviction is Redis's configuration: no limit, noeviction.
var DefaultEviction = EvictionConfig{Samples: 5, LFULogFactor: 10, LFUDecayTime: 1}

// evictPoolSize is the number of candidates the pool keeps, as Redis's
// EVPOOL_SIZE.
const evictPoolSize = 16

// poolEntry is one eviction candidate: a key name and its score, higher
// meaning a better candidate. The name is the entry's own (immutable)
// string: holding it costs no copy, and a candidate deleted since it was
// sampled is simply not found again.
type poolEntry struct {
	score uint64
	db    int
	key   string
}

// evictor is the eviction state of an Engine; engine lock held.
type evictor struct {
	cfg    EvictionConfig
	max    atomic.Int64 // cfg.MaxMemory, for FreeMemory's lock-free check
	pool   [evictPoolSize]poolEntry
	n      int // candidates in pool, at pool[:n] (see insert)
	nextDB int // the random policies' round robin over databases
}

// SetEviction changes the eviction options. Switching between an LRU and an
// LFU policy reinterprets every key's access word: as in Redis, the data
// takes some time to adjust.
func (e *Engine) SetEviction(c EvictionConfig) {
	if c.Samples < 1 {
		c.Samples = DefaultEviction.Samples
	}
	c.LFULogFactor = max(c.LFULogFactor, 0)
	c.LFUDecayTime = max(c.LFUDecayTime, 0)
	c.MaxMemory = max(c.MaxMemory, 0)
	e.lock()
	defer e.unlock()
	if c.Policy != e.ev.cfg.Policy {
		e.ev.pool = [evictPoolSize]poolEntry{}
		e.ev.n = 0
	}
	e.ev.cfg = c
	e.ev.max.Store(c.MaxMemory)
}

// Eviction returns the eviction options.
func (e *Engine) Eviction() EvictionConfig {
	e.lock()
	defer e.unlock()
	return e.ev.cfg
}

// evictBatch bounds the keys evicted in one critical section, so that a
// large excess (maxmemory lowered at run time) does not stall every other
// client for the whole cleanup.
const evictBatch = 64

// FreeMemory brings the accounted memory down to maxmemory by evicting keys
// as maxmemory-policy says, when a limit is set. It returns ErrOOM when the
// memory is still above the limit: the policy is noeviction, or there is
// nothing left it may evict (a volatile policy with no key that has an
// expiry). A replica evicts nothing and never returns ErrOOM: it only
// applies its primary's stream, which carries the primary's evictions.
// Each batch of evictions is reported to the sink as one group of Delete
// effects.
func (e *Engine) FreeMemory() error {
	if e.ev.max.Load() == 0 {
		return nil
	}
	for {
		e.lock()
		if e.replica || e.expiryPaused || e.ev.cfg.MaxMemory == 0 {
			e.unlock()
			return nil
		}
		done, err := e.evictLocked(evictBatch)
		e.unlock()
		if done {
			return err
		}
	}
}

// evictLocked evicts up to limit keys while memory is above the limit. done
// is false when it stopped at limit with memory still above; err is ErrOOM
// when nothing more could be evicted.
func (e *Engine) evictLocked(limit int) (done bool, err error) {
	now := e.nowMs()
	for range limit {
		if e.usedLocked() <= e.ev.cfg.MaxMemory {
			return true, nil
		}
		if e.ev.cfg.Policy == NoEviction || !e.evictOneLocked(now) {
			return true, ErrOOM
		}
	}
	return e.usedLocked() <= e.ev.cfg.MaxMemory, nil
}

// evictOneLocked deletes the best candidate of the policy and reports
// whether there was one.
func (e *Engine) evictOneLocked(now int64) bool {
	d, en, ok := e.pickLocked(now)
	if !ok {
		return false
	}
	e.removeLocked(d, &en)
	e.stats.EvictedKeys++
	e.emitAs(0, Effect{Kind: EffectDelete, DB: d, Key: en.key})
	e.notify(EventEvicted, "evicted", d, en.key)
	return true
}

// pickLocked chooses the key to evict, or returns false when the policy
// has no key to choose from.
func (e *Engine) pickLocked(now int64) (int, entry, bool) {
	p := e.ev.cfg.Policy
	if p.random() {
		// One random key of the next database that has one, as Redis
		// does: databases in turn, so none is emptied first.
		for range e.dbs {
			e.ev.nextDB = (e.ev.nextDB + 1) % len(e.dbs)
			d := e.ev.nextDB
			if en, ok := e.sampleLocked(d, p.volatile()); ok {
				return d, en, true
			}
		}
		return 0, entry{}, false
	}
	for {
		keys := 0
		for d, dd := range e.dbs {
			n := dd.keys.Len()
			if p.volatile() {
				n = dd.keys.VolatileLen()
			}
			keys += n
			// maxmemory-samples keys that follow one another from a
			// random place, as Redis takes them (dictGetSomeKeys): with
			// fewer keys than that, every key is a candidate.
			dd.keys.SampleSome(e.randIntn, e.ev.cfg.Samples, p.volatile(), func(r slab.Entry) {
				en := viewOf(r, -1)
				e.ev.insert(e.scoreLocked(&en, now), d, en.key)
			})
		}
		if keys == 0 {
			return 0, entry{}, false
		}
		// The best candidate that still exists (and, for a volatile
		// policy, still has an expiry); the others are dropped.
		for e.ev.n > 0 {
			c := e.ev.pop()
			en, ok := e.getLocked(c.db, c.key)
			if ok && (!p.volatile() || en.expireAt != 0) {
				return c.db, en, true
			}
		}
	}
}

// sampleLocked returns a random key of database d, among those with an
// expiry when volatile is set, or false when there is none.
func (e *Engine) sampleLocked(d int, volatile bool) (entry, bool) {
	t := e.dbs[d].keys
	sample := t.Sample
	if volatile {
		sample = t.SampleVolatile
	}
	r, ok := sample(e.randIntn)
	if !ok {
		return entry{}, false
	}
	return viewOf(r, -1), true
}

// scoreLocked rates en as a candidate: the higher, the sooner it goes. LRU
// scores the idle time, LFU the complement of the (decayed) access counter,
// volatile-ttl the complement of the expiry time.
func (e *Engine) scoreLocked(en *entry, now int64) uint64 {
	switch e.ev.cfg.Policy {
	case VolatileTTL:
		return math.MaxUint64 - uint64(en.expireAt)
	case AllKeysLFU, VolatileLFU:
		return 255 - uint64(e.lfuCounter(en.access(), now))
	}
	return uint64(idleMs(en.access(), now))
}

// insert adds a candidate to the pool, which keeps the evictPoolSize best
// by score in ascending order at pool[:n]. A candidate worse than every
// other one of a full pool is dropped; a better one drops the worst. A key
// already in the pool is not added twice.
func (v *evictor) insert(score uint64, d int, key string) {
	for i := range v.n {
		if v.pool[i].db == d && v.pool[i].key == key {
			return
		}
	}
	k := 0
	for k < v.n && v.pool[k].score < score {
		k++
	}
	if v.n == evictPoolSize {
		if k == 0 {
			return
		}
		// Drop the worst (pool[0]) and shift the lower ones left.
		k--
		copy(v.pool[:k], v.pool[1:k+1])
	} else {
		copy(v.pool[k+1:v.n+1], v.pool[k:v.n])
		v.n++
	}
	v.pool[k] = poolEntry{score: score, db: d, key: key}
}

// pop removes and returns the best candidate; the pool must not be empty.
func (v *evictor) pop() poolEntry {
	v.n--
	c := v.pool[v.n]
	v.pool[v.n] = poolEntry{}
	return c
}

// Access tracking. Under an LRU (or any non-LFU) policy an entry's access
// word is the LRU clock: the engine clock in units of lruUnitMs, modulo
// 2^30, so the idle time is the difference modulo 2^30, exact for 124
// days (Redis's clock counts seconds in 24 bits). Under an LFU policy it
// is Redis's layout: the minute of the last decrement in bits 8..23
// (modulo 2^16) and a logarithmic access counter in bits 0..7.

// lruUnitMs is the resolution of the LRU clock.
const lruUnitMs = 10

// lruClock is the LRU clock at now.
func lruClock(now int64) uint32 { return uint32(now/lruUnitMs) & accessMask }

// lfuInitVal is a new key's LFU counter, so that it is not evicted before
// it had a chance to be read, as Redis's LFU_INIT_VAL.
const lfuInitVal = 5

// lfuMinutes is the LFU clock: Unix minutes modulo 2^16.
func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xffff }

// idleMs is how long ago an LRU access word was written, in milliseconds.
func idleMs(access uint32, now int64) int64 {
	return int64((lruClock(now)-access)&accessMask) * lruUnitMs
}

// newAccess is the access word of a key created at now under policy p.
func newAccess(p Policy, now int64) uint32 {
	if p.LFU() {
		return lfuMinutes(now)<<8 | lfuInitVal
	}
	return lruClock(now)
}

// touchLocked records an access to en, a key of database d just found
// (its slot still valid).
func (e *Engine) touchLocked(d int, en *entry, now int64) {
	e.setAccessLocked(d, en, e.touched(en.meta, now))
}

// touched is the access word after an access at now to a key whose word
// was a: the time under LRU; under LFU the counter, decayed for the
// minutes since its last decrement, then incremented with a probability
// that falls as it grows.
func (e *Engine) touched(a uint32, now int64) uint32 {
	if !e.ev.cfg.Policy.LFU() {
		return lruClock(now)
	}
	c := e.lfuCounter(a&accessMask, now)
	if c < 255 {
		base := max(c-lfuInitVal, 0)
		if e.rng.Float64() < 1/float64(base*e.ev.cfg.LFULogFactor+1) {
			c++
		}
	}
	return lfuMinutes(now)<<8 | uint32(c)
}

// setAccessLocked writes en's access word, in the record at en.slot.
func (e *Engine) setAccessLocked(d int, en *entry, a uint32) {
	en.meta = en.meta&^accessMask | a&accessMask
	e.dbs[d].keys.SetMetaAt(en.slot, en.meta)
}

// lfuCounter returns the LFU counter of an access word, decremented once
// per lfu-decay-time minutes since its last decrement.
func (e *Engine) lfuCounter(access uint32, now int64) int {
	c := int(access & 0xff)
	if e.ev.cfg.LFUDecayTime == 0 {
		return c
	}
	elapsed := (lfuMinutes(now) - access>>8) & 0xffff
	periods := int(elapsed) / e.ev.cfg.LFUDecayTime
	return max(c-periods, 0)
}

// Freq returns OBJECT FREQ of key: its LFU counter, decayed. It returns
// ErrNotLFU when the policy is not an LFU one; found is false for a
// missing key, which is reported before the policy.
func (e *Engine) Freq(d int, key string) (freq int, found bool, err error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.findLocked(d, key, now)
	switch {
	case !ok:
		return 0, false, nil
	case !e.ev.cfg.Policy.LFU():
		return 0, true, ErrNotLFU
	}
	return e.lfuCounter(en.access(), now), true, nil
}

// IdleTime returns OBJECT IDLETIME of key in seconds. It returns ErrLFU
// under an LFU policy, where access time is not tracked; found is false
// for a missing key, which is reported before the policy.
func (e *Engine) IdleTime(d int, key string) (secs int64, found bool, err error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.findLocked(d, key, now)
	switch {
	case !ok:
		return 0, false, nil
	case e.ev.cfg.Policy.LFU():
		return 0, true, ErrLFU
	}
	return idleMs(en.access(), now) / 1000, true, nil
}
