package engine

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// EffectKind says what an Effect did. The values are on the replication
// wire (an OP_BATCH frame names each operation's kind by its number): add
// kinds at the end, never renumber.
type EffectKind uint8

const (
	// EffectSet stored Value under Key with expiry ExpireAt (0: none).
	EffectSet EffectKind = iota + 1
	// EffectDelete removed Key.
	EffectDelete
	// EffectExpire changed the expiry of Key to ExpireAt (0: persist).
	EffectExpire
	// EffectFlushDB removed every key of DB.
	EffectFlushDB
	// EffectFlushAll removed every key of every database.
	EffectFlushAll
	// EffectHashSet set fields of the hash Key, creating it (without
	// expiry) if missing: Value is the packed (see AppendPacked) fields
	// and values, applied in order.
	EffectHashSet
	// EffectHashDel removed fields of the hash Key: Value is the packed
	// fields. A hash left empty is removed.
	EffectHashDel
	// EffectObject stored the whole collection Value (its packed form) of
	// type Type with expiry ExpireAt, replacing what Key held (coll.go).
	// EffectApply changed the collection Key by one deterministic
	// operation, Value its packed words (coll.go).
	// EffectHash stored the whole hash Value (packed fields and values)
	// under Key with expiry ExpireAt, replacing whatever was there.
	EffectHash
	EffectObject
	EffectApply
	// EffectSwapDB swapped databases DB and the one whose index is Value
	// (decimal text).
	EffectSwapDB
	// EffectFunctions replaced the function libraries with Value (see
	// functions.go); DB and Key are unused.
	EffectFunctions
	// EffectRename gave Key of database DB the value, expiry and
	// encoding of the key Value names (packed words: its database in
	// decimal, its name), which is gone after it; what Key held is
	// replaced (RENAME, MOVE; rename.go). WATCH and client tracking take
	// it as a change of both keys.
	EffectRename
	// EffectCopy gave Key of database DB a copy of the value, expiry and
	// encoding of the key Value names, as EffectRename does, which stays
	// (COPY).
	EffectCopy
)

// String returns the kind's name.
func (k EffectKind) String() string {
	switch k {
	case EffectSet:
		return "set"
	case EffectDelete:
		return "delete"
	case EffectExpire:
		return "expire"
	case EffectFlushDB:
		return "flushdb"
	case EffectFlushAll:
		return "flushall"
	case EffectHashSet:
		return "hset"
	case EffectHashDel:
		return "hdel"
	case EffectObject:
		return "object"
	case EffectApply:
		return "apply"
	case EffectSwapDB:
		return "swapdb"
	case EffectHash:
		return "hash"
	case EffectFunctions:
		return "functions"
	case EffectRename:
		return "rename"
	case EffectCopy:
		return "copy"
	}
	return "unknown"
}

// Effect is one change to the keyspace. Applying the same effects in the
// same order to equal keyspaces gives equal keyspaces.
type Effect struct {
	Kind     EffectKind
	Type     ValueType // EffectObject: the collection's type
	DB       int
	Key      string
	Value    []byte // EffectSet and the hash effects; valid while the sink's Record runs
	ExpireAt int64  // Unix milliseconds; EffectSet, EffectHash and EffectExpire
}

// Sink receives the effects of each mutating call, in apply order, while the
// engine lock is held, with the dataset's digest once they are applied.
// effects is reused after Record returns, and their Value bytes may be
// written over by a later change of the key: a sink that keeps effects
// copies the slice and the values. Keys may be kept: a key's bytes are
// never written again. atMs is the group's time, in Unix milliseconds:
// the engine clock as the critical section read it. Record must not call
// back into the engine.
type Sink interface {
	Record(effects []Effect, digest Digest, atMs int64)
}

// A StartingSink is also told, as SetRole makes it the sink and under the
// same lock, the digest of the dataset as it stands: the digest after the
// last operation it holds, before the first it will record.
type StartingSink interface {
	Sink
	Start(digest Digest)
}

// Options configures an Engine.
type Options struct {
	Databases int   // number of databases; 16 when zero
	Clock     Clock // SystemClock when nil
	Sink      Sink  // may be nil
	// MaxValueSize bounds values built by APPEND and SETRANGE (Redis's
	// proto-max-bulk-len); 512 MiB when zero.
	MaxValueSize int64
	// Eviction is maxmemory and its policy; the zero value is no limit.
	Eviction EvictionConfig
	// HashLimits choose a hash's encoding; DefaultHashLimits when zero.
	HashLimits HashLimits
	// CollLimits choose the encodings of lists, sets and sorted sets;
	// DefaultCollLimits when zero.
	CollLimits CollLimits
}

// Stats are the engine's counters since start or the last ResetStats.
type Stats struct {
	Hits, Misses int64 // reads that found / did not find their key
	ExpiredKeys  int64 // keys deleted because their time passed
	EvictedKeys  int64 // keys deleted to bring memory under maxmemory
}

// KeyspaceInfo describes one non-empty database, as INFO keyspace shows it.
type KeyspaceInfo struct {
	DB, Keys, Expires int
	AvgTTL            int64 // milliseconds, over a sample of volatile keys
}

type db struct {
	keys   *slab.Table
	sum    Digest     // S(d): the sum of the terms of the keys (see Digest)
	used   int64      // accounted memory of the keys (see memory.go)
	hashes []*hashObj // the hashes' side table (see hashobj.go)
	hfree  []uint32   // free slots of hashes
	colls  []collSlot // the lists', sets' and sorted sets' side table (see coll.go)
	cfree  []uint32   // free slots of colls
}

func newDB() *db { return &db{keys: slab.New()} }

// Engine is the keyspace. It is safe for concurrent use: each method is
// one critical section, and one group of effects for the sink. The Engine
// that Group hands its function runs its methods inside the group's
// critical section instead (held), so that several commands are one.
type Engine struct {
	*core
	held bool // inside Group: the lock is held and the effects are the group's
	// origin is who this view's changes are reported to the Observer as
	// made by (see As): a client ID, or 0.
	origin int64
}

// core is the keyspace's state, shared by an Engine and the Engine a Group
// hands out.
type core struct {
	clock Clock

	mu      sync.Mutex // guards everything below
	maxSize int64      // APPEND's and SETRANGE's bound (proto-max-bulk-len)
	dbs     []*db
	sink    Sink
	replica bool // expired keys are hidden, never deleted locally
	// expiryPaused: expired keys are hidden, not deleted, and nothing is
	// evicted, while clients are paused (CLIENT PAUSE), so the dataset
	// stays still.
	expiryPaused bool
	effects      []Effect
	// now is the engine clock in Unix milliseconds, read once per
	// critical section (nowMs); 0 until read.
	now    int64
	rng    *rand.Rand
	stats  Stats
	digest Digest // of the whole dataset, kept up to date by every change
	// touchSum sums what the slab.Table.Touch calls of Apply, MSet and
	// Prefetch read, so that the reads are kept.
	touchSum uint32
	// funcs is the function libraries' value and its generation
	// (functions.go), changed under mu, read without it.
	funcs   atomic.Pointer[functions]
	mults   []Digest // M(d) of each database index
	ev      evictor  // maxmemory and the eviction pool (see evict.go)
	used    int64    // the sum of the databases' used
	peak    int64    // the largest used since start
	watch   watches  // the keys clients WATCH (see watch.go)
	blk     waiters  // the blocked clients (see block.go)
	hlim    HashLimits
	climits CollLimits
	// compact: a partial write of a long string is reported as the
	// bytes it wrote (strpatch.go), and RENAME, MOVE and COPY as what they do
	// (rename.go), not as whole values.
	compact bool
	hllMax  int64       // hll-sparse-max-bytes (see hll.go)
	capGen  uint64      // Capture calls so far (see hashobj.go)
	live    []*Snapshot // the snapshots not yet released (see snapview.go)
	// nlive is len(live), for Snapshotting without the lock.
	nlive   atomic.Int32
	viewMin int64  // the accounted size from which a value is read through a view
	hbuf    []byte // the packed values of the group's hash effects
	lpbuf   []byte // a listpack record being built
	lpbuf2  []byte // and the one before it
	// obs hears of every changed key (see observe.go) as the change is
	// made, so that a key a command or script reads after changing it is
	// tracked again, as in Redis; observed is set once obs heard of a
	// change in this section, whose end it is told of.
	obs      Observer
	observed bool
	// events hears of the keyspace events of eventClasses (events.go).
	events       Events
	eventClasses EventClass
	// activeOff stops the active expiry cycle (DEBUG SET-ACTIVE-EXPIRE 0).
	activeOff atomic.Bool
}

// New returns an empty engine.
func New(o Options) *Engine {
	if o.Databases <= 0 {
		o.Databases = 16
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.MaxValueSize <= 0 {
		o.MaxValueSize = 512 << 20
	}
	e := &Engine{core: &core{
		clock:   o.Clock,
		maxSize: min(o.MaxValueSize, maxPatchEnd),
		sink:    o.Sink,
		rng:     rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		hlim:    o.HashLimits,
		climits: o.CollLimits,
		hllMax:  DefaultHLLSparseMaxBytes,
		viewMin: viewMin,
	}}
	if e.climits == (CollLimits{}) {
		e.climits = DefaultCollLimits
	}
	if e.hlim == (HashLimits{}) {
		e.hlim = DefaultHashLimits
	}
	e.dbs = make([]*db, o.Databases)
	e.mults = make([]Digest, o.Databases)
	for i := range e.dbs {
		e.dbs[i] = newDB()
		e.mults[i] = dbMultiplier(i)
	}
	e.SetEviction(o.Eviction)
	return e
}

// Databases returns the number of databases.
func (e *Engine) Databases() int { return len(e.dbs) }

// SetSink replaces the sink. Effects recorded after it returns go to s.
func (e *Engine) SetSink(s Sink) {
	e.mu.Lock()
	e.sink = s
	e.mu.Unlock()
}

// SetRole switches the sink and replica mode together, in one critical
// section: no mutation (a client's write, or an expired key deleted by a
// read or by ActiveExpireCycle) ever runs with half of a role. A primary
// passes its log and false; a secondary passes nil and true, since it
// neither logs nor deletes on its own. Setting them one after the other
// would leave a moment where a key expires in primary mode with no sink:
// deleted, but never logged.
func (e *Engine) SetRole(s Sink, replica bool) {
	e.mu.Lock()
	e.sink, e.replica = s, replica
	if st, ok := s.(StartingSink); ok {
		st.Start(e.digest)
	}
	if replica {
		e.dropWaitersLocked()
	}
	e.mu.Unlock()
}

// SetReplica switches replica mode. In replica mode the engine never deletes
// an expired key by itself; it only hides it from reads.
func (e *Engine) SetReplica(on bool) {
	e.mu.Lock()
	e.replica = on
	e.mu.Unlock()
}

// Stats returns a copy of the counters.
func (e *Engine) Stats() Stats {
	e.lock()
	defer e.unlock()
	return e.stats
}

// ResetStats zeroes the counters.
func (e *Engine) ResetStats() {
	e.lock()
	e.stats = Stats{}
	e.unlock()
}

// nowMs is the engine clock in Unix milliseconds, with the lock held.
// A critical section reads the clock once and keeps its time, as Redis
// keeps one time for a command, a transaction or a script: every expiry
// check, access time and the sink's group time agree, and a write pays
// for one clock read instead of three.
func (e *Engine) nowMs() int64 {
	if e.now == 0 {
		e.now = e.clockMs()
	}
	return e.now
}

// addMs returns now+ms, held at the ends of the int64 range: a caller
// checked the sum against its own, earlier, reading of the clock.
func addMs(now, ms int64) int64 {
	switch {
	case ms > 0 && now > math.MaxInt64-ms:
		return math.MaxInt64
	case ms < 0 && now < math.MinInt64-ms:
		return math.MinInt64
	}
	return now + ms
}

// clockMs reads the engine clock in Unix milliseconds, without the lock.
func (e *Engine) clockMs() int64 { return e.clock.Now().UnixMilli() }

// NowMs returns the engine clock in Unix milliseconds.
func (e *Engine) NowMs() int64 { return e.clockMs() }

// ValidDB reports whether i names a database.
func (e *Engine) ValidDB(i int) bool { return i >= 0 && i < len(e.dbs) }

// lock takes the engine lock and starts an effect group; inside Group it
// does nothing, the group's lock being held.
func (e *Engine) lock() {
	if e.held {
		return
	}
	e.mu.Lock()
	e.effects = e.effects[:0]
	e.now = 0
}

// unlock reports the group's effects, if any, and releases the lock;
// inside Group it does nothing: Group reports them all at its end.
func (e *Engine) unlock() {
	if e.held {
		return
	}
	if e.blk.n > 0 && len(e.effects) > 0 && !e.replica {
		e.serveBlockedLocked()
	}
	if len(e.effects) > 0 && e.sink != nil {
		e.sink.Record(e.effects, e.digest, e.nowMs())
	}
	e.observeDone()
	for i := range e.effects {
		e.effects[i].Value = nil
	}
	e.effects = e.effects[:0]
	if cap(e.hbuf) > 1<<20 {
		e.hbuf = nil
	}
	e.hbuf = e.hbuf[:0]
	e.mu.Unlock()
}

func (e *Engine) emit(ef Effect) { e.emitAs(e.origin, ef) }

// emitAs reports ef as origin's change: to WATCH at once, to the sink and
// the Observer when the critical section ends. Expiries and evictions are
// nobody's (origin 0).
func (e *Engine) emitAs(origin int64, ef Effect) {
	e.effects = append(e.effects, ef)
	if e.obs != nil {
		e.observeEffect(origin, &ef)
	}
	if e.watch.n > 0 {
		e.touchWatchedLocked(&ef)
	}
}

// Group runs fn as one critical section: the Engine it hands fn runs
// its methods without taking the lock again, no other caller's change
// comes in between, and the sink gets every change fn makes as one group,
// as a transaction's (EXEC). fn must use only tx, and nothing that takes
// the engine's lock by another way.
func (e *Engine) Group(fn func(tx *Engine)) {
	e.lock()
	defer e.unlock()
	fn(&Engine{core: e.core, held: true, origin: e.origin})
}

// Abandon is for a server that stops in the middle of a Group that
// changed keys (a script that wrote, stopped by SHUTDOWN NOSAVE): the
// group's changes and every change after it, whose values may build on
// them, never reach the sink; the keyspace keeps them in memory only.
func (e *Engine) Abandon() {
	clear(e.effects)
	e.effects = e.effects[:0]
	e.sink = nil
}

// expired reports whether en's time has passed at now. Like Redis, a key
// lives through its expiry millisecond and is gone after it.
func expired(en *entry, now int64) bool { return en.expireAt != 0 && now > en.expireAt }

// lookupLocked returns the live entry for key, and records the access for
// eviction (touchLocked). On a primary an expired key found here is
// deleted and reported; on a replica it is hidden.
func (e *Engine) lookupLocked(d int, key string, now int64) (entry, bool) {
	en, ok := e.findLocked(d, key, now)
	if ok {
		e.touchLocked(d, &en, now)
	}
	return en, ok
}

// findLocked is lookupLocked without recording an access, for commands
// that look at a key without using it (EXISTS, TYPE, TTL, OBJECT), as
// Redis's LOOKUP_NOTOUCH.
func (e *Engine) findLocked(d int, key string, now int64) (entry, bool) {
	t := e.dbs[d].keys
	i := t.Find(key)
	if i < 0 {
		return entry{}, false
	}
	en := viewOf(t.At(i), i)
	if expired(&en, now) {
		if !e.replica && !e.expiryPaused {
			e.removeLocked(d, &en)
			// en.key, not key: the caller's key then does not escape, and
			// a read's string(arg) conversion can stay on the stack.
			e.expiredLocked(d, en.key)
		}
		return entry{}, false
	}
	return en, true
}

// readLocked is lookupLocked that counts a hit or a miss.
func (e *Engine) readLocked(d int, key string, now int64) (entry, bool) {
	en, ok := e.lookupLocked(d, key, now)
	e.countRead(ok, d, key)
	return en, ok
}

// peekLocked is findLocked that counts a hit or a miss.
func (e *Engine) peekLocked(d int, key string, now int64) (entry, bool) {
	en, ok := e.findLocked(d, key, now)
	e.countRead(ok, d, key)
	return en, ok
}

// countRead counts a read of key, of database d, as a hit or a miss; a
// miss is a "keymiss" event.
func (e *Engine) countRead(found bool, d int, key string) {
	if found {
		e.stats.Hits++
	} else {
		e.stats.Misses++
		e.notify(EventKeyMiss, "keymiss", d, key)
	}
}

// removeLocked removes en from database d.
func (e *Engine) removeLocked(d int, en *entry) {
	dd := e.dbs[d]
	e.changeDigest(d, Digest{}.sub(en.term(hashKey(en.key))))
	e.accountLocked(dd, -memSize(en))
	dd.keys.Delete(en.key)
	dd.freeObject(en.kind, en.val)
}

// changeDigest adds delta to S(d) and M(d) x delta to the dataset digest.
func (e *Engine) changeDigest(d int, delta Digest) {
	dd := e.dbs[d]
	dd.sum = dd.sum.add(delta)
	e.digest = e.digest.add(delta.mul(e.mults[d]))
}

// expireLocked changes the expiry of en, a key of database d, to at.
func (e *Engine) expireLocked(d int, en *entry, at int64) {
	if en.expireAt == at {
		return
	}
	k := hashKey(en.key)
	old, size := en.term(k), memSize(en)
	// The record may be written again, with or without room for an
	// expiry: its size comes back.
	if size, ok := e.dbs[d].keys.SetExpire(en.key, at); ok {
		en.size = size
	}
	en.expireAt = at
	e.changeDigest(d, en.term(k).sub(old))
	e.accountLocked(e.dbs[d], memSize(en)-size)
}

// storeLocked sets key to val (copied) with expiry at (0: none), creating
// the key if needed, and reports the Set (its keyspace event is the
// caller's to tell: each command names it). An existing key keeps its access
// word. It returns the new entry.
func (e *Engine) storeLocked(d int, key string, val []byte, at int64, enc encoding) entry {
	en := e.putLocked(d, key, val, at, enc, true, e.keepAccess)
	e.emit(Effect{Kind: EffectSet, DB: d, Key: en.key, Value: en.val, ExpireAt: at})
	return en
}

// keepAccess is the access word of a stored record: the one it replaces
// had, or a new key's.
func (e *Engine) keepAccess(old slab.Entry, replaced bool) uint32 {
	if replaced {
		return old.Meta
	}
	return newAccess(e.ev.cfg.Policy, e.nowMs())
}

// putLocked sets key to val with expiry at and encoding enc, creating the
// key if needed, and keeps the digest and the memory count in step. The
// key and the value are copied into the table; neither is kept, so a
// caller's string(b) conversion of a short key costs no allocation. The
// new record's access word is access(the record replaced, whether there
// was one). The key is looked up once.
//
// With inPlace the table may write the value over the replaced one's bytes
// (slab.Table.SetWith). It does so only for the group's first change: an
// earlier effect of the group may share the old bytes, and the sink copies
// them only when the group ends. A caller that still needs the old value
// passes false.
func (e *Engine) putLocked(d int, key string, val []byte, at int64, enc encoding, inPlace bool, access func(old slab.Entry, replaced bool) uint32) entry {
	dd := e.dbs[d]
	vh := valueHash(val)
	k := hashKey(key)
	var oldTerm Digest
	var oldSize int64
	freeIdx, freeKind := int64(-1), encAuto
	expiredOld, isNew := false, true
	r, _ := dd.keys.SetWith(key, val, at, uint8(enc), vh, inPlace && len(e.effects) == 0, func(old slab.Entry, replaced bool) uint32 {
		isNew = !replaced
		if replaced {
			// A write over a key whose time has passed removes it first,
			// as Redis's lookup for a write does: an expiry.
			expiredOld = !e.replica && !e.expiryPaused && old.ExpireAt != 0 && e.nowMs() > old.ExpireAt
			ov := viewOf(old, -1)
			oldTerm, oldSize = ov.term(k), memSize(&ov)
			if (ov.kind == encHash || isColl(ov.kind)) && (enc != ov.kind || recIdx(ov.val) != recIdx(val)) {
				freeIdx, freeKind = int64(recIdx(ov.val)), ov.kind
			}
		}
		return access(old, replaced)
	})
	if freeIdx >= 0 {
		var idx [4]byte
		binary.LittleEndian.PutUint32(idx[:], uint32(freeIdx))
		dd.freeObject(freeKind, idx[:])
	}
	en := viewOf(r, -1)
	en.vhash, en.hashed = vh, true
	e.changeDigest(d, en.term(k).sub(oldTerm))
	e.accountLocked(dd, memSize(&en)-oldSize)
	if expiredOld {
		e.expiredLocked(d, en.key)
	}
	if isNew || expiredOld {
		e.notify(EventNew, "new", d, en.key)
	}
	return en
}

// deleteLocked removes key if it is live and reports whether it was.
func (e *Engine) deleteLocked(d int, key string, now int64) bool {
	en, ok := e.lookupLocked(d, key, now)
	if !ok {
		return false
	}
	e.removeLocked(d, &en)
	e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
	e.notify(EventGeneric, "del", d, en.key)
	return true
}

func (e *Engine) flushLocked(d int) {
	if e.watch.n > 0 {
		e.touchWatchedDBLocked(d)
	}
	e.digest = e.digest.sub(e.dbs[d].sum.mul(e.mults[d]))
	e.used -= e.dbs[d].used
	e.dbs[d] = newDB()
}

// randIntn is the table's source of randomness; engine lock held.
func (e *Engine) randIntn(n int) int { return e.rng.IntN(n) }

// Apply applies effects received from a primary as one atomic group, then
// calls commit (which may be nil) with the dataset's digest before releasing
// the lock, so a replica can advance its applied position, and note the
// digest at that position, in the same critical section. Apply does not
// report to the sink.
func (e *Engine) Apply(effects []Effect, commit func(Digest)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.effects = e.effects[:0] // nothing is reported: values may be written in place
	for i := range effects {
		if i%touchAhead == 0 {
			// The next keys' slots and records, fetched side by side:
			// a replica applies many random keys at once, and each
			// lookup otherwise waits for its own misses.
			for j := i; j < min(i+touchAhead, len(effects)); j++ {
				if ef := &effects[j]; ef.Key != "" && ef.DB >= 0 && ef.DB < len(e.dbs) {
					e.touchSum += e.dbs[ef.DB].keys.Touch(ef.Key)
				}
			}
		}
		e.applyLocked(&effects[i])
	}
	if e.blk.n > 0 {
		// Only reads wait on a replica (XREAD BLOCK): they are served
		// by what it applies.
		tx, now := &Engine{core: e.core, held: true}, e.nowMs()
		for i := range effects {
			if wakesReaders(&effects[i]) {
				e.serveKeyLocked(tx, watchKey{effects[i].DB, effects[i].Key}, now)
			}
		}
	}
	if commit != nil {
		commit(e.digest)
	}
	e.observeDone()
}

// Prefetch reads, and changes nothing, the memory that looking up each key
// of database d reads first (slab.Table.Touch), all of them one after the
// other so that their cache misses overlap: a connection about to run a
// pipeline of commands on these keys prefetches them first, and each command
// then finds its key's slot and record in the cache instead of waiting
// for both in turn. It only costs time: a key that changes meanwhile, or
// a database out of range, is no error. It never waits for the lock: held
// by another (a busy script holds it for as long as it runs, while other
// clients must still get their BUSY replies), it does nothing.
func (e *Engine) Prefetch(d int, keys [][]byte) {
	if d < 0 || d >= len(e.dbs) || len(keys) == 0 || e.held || !e.mu.TryLock() {
		return
	}
	defer e.mu.Unlock()
	t := e.dbs[d].keys
	for _, k := range keys {
		e.touchSum += t.Touch(bstr(k))
	}
}

// touchAhead is how many effects Apply touches (slab.Table.Touch) before
// it applies them.
const touchAhead = 8

func (e *Engine) applyLocked(ef *Effect) {
	if e.watch.n > 0 {
		e.touchWatchedLocked(ef)
	}
	if e.obs != nil {
		e.observeEffect(0, ef)
	}
	switch ef.Kind {
	case EffectSet:
		e.putLocked(ef.DB, ef.Key, ef.Value, ef.ExpireAt, encAuto, true, e.keepAccess)
	case EffectDelete:
		if en, ok := e.getLocked(ef.DB, ef.Key); ok {
			e.removeLocked(ef.DB, &en)
			e.notify(EventGeneric, "del", ef.DB, ef.Key)
		}
	case EffectExpire:
		if en, ok := e.getLocked(ef.DB, ef.Key); ok {
			e.expireLocked(ef.DB, &en, ef.ExpireAt)
			if ef.ExpireAt != 0 {
				e.notify(EventGeneric, "expire", ef.DB, ef.Key)
			} else {
				e.notify(EventGeneric, "persist", ef.DB, ef.Key)
			}
		}
	case EffectFlushDB:
		e.flushLocked(ef.DB)
	case EffectFlushAll:
		for i := range e.dbs {
			e.flushLocked(i)
		}
	case EffectHashSet, EffectHashDel, EffectHash:
		e.applyHashLocked(ef)
	case EffectObject, EffectApply:
		e.applyCollLocked(ef)
	case EffectSwapDB:
		e.applySwapLocked(ef)
	case EffectFunctions:
		e.setFunctionsLocked(ef.Value)
	case EffectRename:
		e.applyRenameLocked(ef)
	case EffectCopy:
		e.applyCopyLocked(ef)
	}
	if e.eventClasses != 0 {
		e.applyEventsLocked(ef)
	}
}

// getLocked returns key's entry, whether or not its time has passed.
func (e *Engine) getLocked(d int, key string) (entry, bool) {
	t := e.dbs[d].keys
	i := t.Find(key)
	if i < 0 {
		return entry{}, false
	}
	return viewOf(t.At(i), i), true
}

// ValueType is the type of a key's value.
type ValueType uint8

const (
	TypeString ValueType = iota
	TypeHash
	TypeList
	TypeSet
	TypeZSet
	TypeStream
	// TypeFunctions is not a key's type: it marks the snapshot Item that
	// holds the function libraries (functions.go).
	TypeFunctions
)

// String returns the type's name, as TYPE answers.
func (t ValueType) String() string {
	switch t {
	case TypeHash:
		return "hash"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeStream:
		return "stream"
	case TypeFunctions:
		return "functions"
	}
	return "string"
}

// ParseValueType maps a type's name (as String gives it) back to the type.
func ParseValueType(name string) (ValueType, bool) {
	for t := TypeString; t <= TypeFunctions; t++ {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// Item is one key of a snapshot.
type Item struct {
	DB       int
	Key      string
	Type     ValueType
	Value    []byte // shared with the engine; never modified. A hash: its packed fields and values
	ExpireAt int64
}

// Items is a sequence of keys to write out or send: an ItemSlice, or a
// Snapshot read without the engine's lock.
type Items interface {
	Len() int
	// Each calls fn for every item, in the same order every time, until fn
	// returns false. it and what it refers to are valid only during fn.
	Each(fn func(it *Item) bool)
}

// ItemSlice is Items held in memory.
type ItemSlice []Item

// Len returns the number of items.
func (s ItemSlice) Len() int { return len(s) }

// Each calls fn for every item until fn returns false.
func (s ItemSlice) Each(fn func(it *Item) bool) {
	for i := range s {
		if !fn(&s[i]) {
			return
		}
	}
}

// Snapshot is every key of every database as it was at Capture, read
// while the engine goes on serving (see slab.Frozen). Its Items alias the
// keyspace until Release.
type Snapshot struct {
	e      *Engine
	tables []*slab.Table
	frozen []*slab.Frozen
	hashes [][]*hashObj // each database's side table at Capture
	colls  [][]collSlot // and its collections' side table
	funcs  []byte       // the function libraries (an Item of their own, first)
	n      int
	once   sync.Once
	capGen uint64 // the engine's capGen at Capture
	// The views of large values changed in place after Capture, by their
	// objects, and the tables they pin (snapview.go); under the engine's
	// lock.
	views  map[any]*frozenView
	pinned []*slab.Table
}

// Capture takes a Snapshot of every key of every database, including keys
// whose time has passed but that were not deleted yet, and calls
// atomically (if not nil) under the same lock with the digest of those
// keys, so the caller can note the position the snapshot stands for. It
// holds the lock for a copy of the indexes' refs (a few milliseconds for a
// million keys), not for a walk of the records: those are read by Each,
// without the lock, from tables pinned until Release, as a forked child
// reads its parent's pages.
func (e *Engine) Capture(atomically func(Digest)) *Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &Snapshot{e: e, tables: make([]*slab.Table, len(e.dbs)), frozen: make([]*slab.Frozen, len(e.dbs)), hashes: make([][]*hashObj, len(e.dbs)), colls: make([][]collSlot, len(e.dbs))}
	e.capGen++
	s.capGen = e.capGen
	e.live = append(e.live, s)
	e.nlive.Store(int32(len(e.live)))
	for i, dd := range e.dbs {
		s.hashes[i] = slices.Clone(dd.hashes)
		s.colls[i] = slices.Clone(dd.colls)
		// The table itself: FLUSHDB or a full resynchronisation may
		// replace a database's table before Release.
		s.tables[i] = dd.keys
		s.frozen[i] = dd.keys.Freeze()
		s.n += s.frozen[i].Len()
	}
	if s.funcs, _ = e.Functions(); s.funcs != nil {
		s.n++
	}
	if atomically != nil {
		atomically(e.digest)
	}
	return s
}

// Len returns the number of keys.
func (s *Snapshot) Len() int { return s.n }

// Each calls fn for every key, database by database, until fn returns
// false. It needs no lock; it may not be called after Release.
func (s *Snapshot) Each(fn func(it *Item) bool) {
	var it Item
	if s.funcs != nil {
		it = Item{Type: TypeFunctions, Value: s.funcs}
		if !fn(&it) {
			return
		}
	}
	for d, f := range s.frozen {
		more := true
		f.Each(func(key string, value []byte, expireAt int64, kind uint8) bool {
			it = Item{DB: d, Key: key, Value: value, ExpireAt: expireAt}
			switch encoding(kind) {
			case encHash:
				// Copied before it is changed, or read through a view.
				it.Type, it.Value = TypeHash, s.hashValue(s.hashes[d][recIdx(value)], value)
			case encHashLP:
				it.Type, it.Value = TypeHash, value[lpHeader:]
			case encList, encSet, encZSet, encStream:
				c := s.colls[d][recIdx(value)].c
				it.Type, it.Value = c.typ(), s.collValue(c, encoding(kind), value)
			}
			more = fn(&it)
			return more
		})
		if !more {
			return
		}
	}
}

// Snapshotting reports whether a snapshot is held (captured and not yet
// released): a snapshot, a log rewrite or a full resynchronisation is
// being written, CPU-bound work beside the clients'. It costs one atomic
// load.
func (e *Engine) Snapshotting() bool { return e.nlive.Load() > 0 }

// Release lets the engine write over what the snapshot holds again. It may
// be called more than once.
func (s *Snapshot) Release() {
	s.once.Do(func() {
		s.e.mu.Lock()
		defer s.e.mu.Unlock()
		s.e.live = slices.DeleteFunc(s.e.live, func(l *Snapshot) bool { return l == s })
		s.e.nlive.Store(int32(len(s.e.live)))
		for _, t := range s.tables {
			t.Unpin()
		}
		for _, t := range s.pinned {
			t.Unpin()
		}
		s.views, s.pinned = nil, nil
	})
}

// Snapshot returns every key of every database in memory, as Capture
// takes them, and the release that ends the snapshot. Values are shared,
// not copied, until release.
func (e *Engine) Snapshot(atomically func(Digest)) (items []Item, release func()) {
	snap := e.Capture(atomically)
	items = make([]Item, 0, snap.Len())
	snap.Each(func(it *Item) bool {
		items = append(items, *it)
		return true
	})
	return items, snap.Release
}

// Replace swaps the whole keyspace for the items given, atomically, then
// calls commit under the same lock with the new dataset's digest (see
// Loader).
func (e *Engine) Replace(items []Item, commit func(Digest)) {
	l := e.NewLoader()
	l.Expect(len(items))
	for i := range items {
		if err := l.Add(&items[i]); err != nil {
			panic("engine: Replace: " + err.Error())
		}
	}
	l.Commit(commit)
}

// Loader builds a whole keyspace without the engine's lock, one key at a
// time, and installs it at once: a replica uses it to install a full
// resynchronisation as the keys arrive, holding nothing per key but the
// record each is copied into. The digest is built as the keys are added.
type Loader struct {
	e      *Engine
	dbs    []*db
	access uint32
	// expect is how many keys the whole keyspace will hold (0: unknown),
	// added how many went in so far.
	expect, added int
	functions     []byte // the function libraries' Item, if one came
}

// Expect tells the Loader how many keys are coming in all, when the
// source says so (a full resynchronisation counts its keys up front). The
// first key of each database then sizes its index for all the keys still
// to come, since a snapshot sends one database after another, and Commit
// shrinks the indexes that got more than they needed: the load never
// grows an index step by step, copying it each time.
func (l *Loader) Expect(n int) { l.expect = n }

// NewLoader starts an empty keyspace.
func (e *Engine) NewLoader() *Loader {
	l := &Loader{e: e, dbs: make([]*db, len(e.dbs)), access: newAccess(e.Eviction().Policy, e.clockMs())}
	for i := range l.dbs {
		l.dbs[i] = newDB()
		l.dbs[i].keys.Prefault(true) // until Commit
	}
	return l
}

// Add copies the item into the keyspace being built; a later item of the
// same key replaces an earlier one. The item's database must exist.
func (l *Loader) Add(it *Item) error {
	if it.Type == TypeFunctions {
		l.functions = slices.Clone(it.Value)
		return nil
	}
	dd := l.dbs[it.DB]
	if dd.keys.Len() == 0 && l.expect > l.added {
		dd.keys.Reserve(l.expect - l.added)
	}
	l.added++
	k := hashKey(it.Key)
	val, enc := it.Value, encAuto
	var rec [hashRecLen]byte
	switch it.Type {
	case TypeHash:
		o, err := hashFromPacked(it.Value, l.e.hashLimits())
		if err != nil {
			return err
		}
		if o.tab == nil {
			val, enc = lpRecord(nil, o), encHashLP
		} else {
			val, enc = hashRec(&rec, dd.allocHash(o), o), encHash
		}
	case TypeList, TypeSet, TypeZSet, TypeStream:
		c, err := collFromPacked(it.Type, it.Value, l.e.collLimits())
		if err != nil {
			return err
		}
		if c.length() == 0 && !keepsEmpty(it.Type) {
			return nil
		}
		var crec [collRecLen]byte
		val, enc = collRec(&crec, dd.allocColl(c, 0), c), collKind(it.Type)
	}
	vh := valueHash(val)
	r, _ := dd.keys.SetWith(it.Key, val, it.ExpireAt, uint8(enc), vh, false, func(r slab.Entry, replaced bool) uint32 {
		if replaced {
			old := viewOf(r, -1)
			dd.sum = dd.sum.sub(old.term(k))
			dd.used -= memSize(&old)
			dd.freeObject(old.kind, old.val)
		}
		return l.access
	})
	en := viewOf(r, -1)
	en.vhash, en.hashed = vh, true
	dd.sum = dd.sum.add(en.term(k))
	dd.used += memSize(&en)
	return nil
}

// Digest returns the digest of the keys added so far: the digest the
// engine will have once Commit installs them.
func (l *Loader) Digest() Digest {
	var digest Digest
	for i, dd := range l.dbs {
		digest = digest.add(dd.sum.mul(l.e.mults[i]))
	}
	return digest
}

// Commit swaps the engine's keyspace for the one built, atomically, then
// calls commit (if not nil) under the same lock with its digest. The
// Loader may not be used after.
func (l *Loader) Commit(commit func(Digest)) {
	digest := l.Digest()
	e, dbs := l.e, l.dbs
	l.dbs = nil
	var used int64
	for _, dd := range dbs {
		if l.expect > 0 {
			dd.keys.Fit()
		}
		dd.keys.Prefault(false)
		used += dd.used // counted by Add, as each key went in
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.watch.n > 0 {
		e.touchWatchedDBLocked(-1)
	}
	e.observeAll(0)
	e.observeDone()
	// The loaded objects are new: no snapshot taken before now holds
	// them, so none is given a view or a copy of them at their first
	// write (see snapview.go).
	for _, dd := range dbs {
		for i := range dd.colls {
			dd.colls[i].born = e.capGen
		}
		for _, o := range dd.hashes {
			if o != nil {
				o.born = e.capGen
			}
		}
	}
	copy(e.dbs, dbs)
	e.setFunctionsLocked(l.functions) // what the source held: none if it held none
	e.digest = digest
	e.used = used
	e.peak = max(e.peak, used)
	if commit != nil {
		commit(digest)
	}
}

// SetActiveExpire turns the active expiry cycle on or off (DEBUG
// SET-ACTIVE-EXPIRE): off, expired keys go only when something finds them.
func (e *Engine) SetActiveExpire(on bool) { e.activeOff.Store(!on) }

// PauseExpiry stops (on) or resumes the deletion of expired keys and
// eviction, as Redis does while clients are paused: an expired key reads
// as missing but stays until the pause ends, so that the dataset does not
// change under a paused primary whose secondaries are catching up.
func (e *Engine) PauseExpiry(on bool) {
	e.lock()
	defer e.unlock()
	e.expiryPaused = on
}

// ActiveExpireCycle samples keys with an expiry in every database and
// deletes those whose time has passed, as Redis's active expire cycle does:
// up to 20 samples per round, another round while more than a quarter of a
// sample had expired, within budget. It returns the number of keys deleted.
// A replica deletes nothing.
func (e *Engine) ActiveExpireCycle(budget time.Duration) int {
	const perRound = 64
	if e.activeOff.Load() {
		return 0
	}
	start := time.Now()
	deleted := 0
	for d := range e.Databases() {
		for {
			e.lock()
			if e.replica || e.expiryPaused {
				e.unlock()
				return deleted
			}
			t := e.dbs[d].keys
			now := e.nowMs()
			n := min(perRound, t.VolatileLen())
			hit := 0
			// No compaction step per key deleted here: the records it would
			// move are mostly keys about to expire too, and a slab whose
			// keys have all gone is dropped without moving any. Writes go
			// on compacting (see slab.Table.BatchDeletes).
			t.BatchDeletes(true)
			for range n {
				r, ok := t.SampleVolatile(e.randIntn)
				if !ok {
					break
				}
				en := viewOf(r, -1)
				if expired(&en, now) {
					e.removeLocked(d, &en)
					e.expiredLocked(d, en.key)
					hit++
				}
			}
			t.BatchDeletes(false)
			e.unlock()
			deleted += hit
			if n == 0 || hit*4 <= n || time.Since(start) > budget {
				break
			}
		}
	}
	return deleted
}
