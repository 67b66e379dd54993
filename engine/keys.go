package engine

import (
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// Del deletes keys and returns how many existed.
func (e *Engine) Del(d int, keys []string) int {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	n := 0
	for _, k := range keys {
		if e.deleteLocked(d, k, now) {
			n++
		}
	}
	return n
}

// Exists counts the keys that exist; a key named twice counts twice. Like
// Redis's, it does not count as an access for eviction.
func (e *Engine) Exists(d int, keys []string) int { return e.count(d, keys, false) }

// Touch counts the keys that exist, recording an access to each.
func (e *Engine) Touch(d int, keys []string) int { return e.count(d, keys, true) }

func (e *Engine) count(d int, keys []string, touch bool) int {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	n := 0
	for _, k := range keys {
		if en, ok := e.peekLocked(d, k, now); ok {
			n++
			if touch {
				e.touchLocked(d, &en, now)
			}
		}
	}
	return n
}

// Live reports whether key exists, without counting a keyspace hit or
// miss: for a command that looks before it reads (GETEX checks the key
// before its expire argument), so the read alone is counted.
func (e *Engine) Live(d int, key string) bool {
	_, ok := e.LiveType(d, key)
	return ok
}

// ReadType is LiveType that counts the read as a hit or a miss (a
// "keymiss" event), as a command that reads the key does.
func (e *Engine) ReadType(d int, key string) (ValueType, bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.peekLocked(d, key, e.nowMs())
	return en.valueType(), ok
}

// LiveType is Live that also returns the type of the key's value.
func (e *Engine) LiveType(d int, key string) (ValueType, bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.findLocked(d, key, e.nowMs())
	return en.valueType(), ok
}

// Type returns "string", "hash" or "none".
func (e *Engine) Type(d int, key string) string {
	e.lock()
	defer e.unlock()
	en, ok := e.peekLocked(d, key, e.nowMs())
	if !ok {
		return "none"
	}
	return en.valueType().String()
}

// Keys returns the live keys matching the glob pattern.
func (e *Engine) Keys(d int, pattern string) []string {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	all := pattern == "*"
	var out []string
	e.dbs[d].keys.EachStored(func(r slab.Entry) bool {
		if (r.ExpireAt == 0 || now <= r.ExpireAt) && (all || Match(pattern, r.KeyString())) {
			out = append(out, r.KeyString())
		}
		return true
	})
	return out
}

// Scan runs one SCAN step from cursor, visiting about count buckets'
// worth of keys, and returns the next cursor (0: done) and the live keys
// matching pattern (see scanMatch) and typ ("" any type).
func (e *Engine) Scan(d int, cursor uint64, pattern string, count int, typ string) (uint64, []string) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	t := e.dbs[d].keys
	if count < 1 {
		count = 10
	}
	var visited []string
	live := 0
	for buckets := 0; ; buckets++ {
		cursor = t.Scan(cursor, func(r slab.Entry) {
			visited = append(visited, r.KeyString())
			if r.ExpireAt == 0 || now <= r.ExpireAt {
				live++
			}
		})
		if cursor == 0 || live >= count || buckets >= count*10 {
			break
		}
	}
	// Filtered as Redis's SCAN filters: by the pattern, then by the type
	// (a read of the key: a hit or a miss, and an expired key is deleted),
	// then by expiry (an expired key is deleted, on a primary: findLocked
	// decides).
	out := visited[:0]
	for _, k := range visited {
		if !scanMatch(pattern, k) {
			continue
		}
		if typ != "" {
			if en, ok := e.peekLocked(d, k, now); !ok || !strings.EqualFold(typ, en.valueType().String()) {
				continue
			}
		} else if _, ok := e.findLocked(d, k, now); !ok {
			continue
		}
		out = append(out, k)
	}
	return cursor, out
}

// RandomKey returns a random live key.
func (e *Engine) RandomKey(d int) (string, bool) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	t := e.dbs[d].keys
	// On a primary each expired key drawn is deleted, so the loop ends. A
	// replica, or a primary while clients are paused, cannot delete, so
	// like Redis it gives up after many tries and returns an expired key
	// rather than spin.
	for tries := 0; t.Len() > 0; tries++ {
		r, _ := t.Sample(e.randIntn)
		if r.ExpireAt == 0 || now <= r.ExpireAt || ((e.replica || e.expiryPaused) && tries >= 100) {
			return r.KeyString(), true
		}
		e.lookupLocked(d, r.KeyString(), now)
	}
	return "", false
}

// Rename moves src to dst (overwriting dst), keeping the expiry. With nx it
// does nothing when dst exists and reports false.
func (e *Engine) Rename(d int, src, dst string, nx bool) (bool, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, src, now)
	if !ok {
		return false, ErrNoSuchKey
	}
	if src == dst {
		return !nx, nil
	}
	_, existed := e.lookupLocked(d, dst, now)
	if nx && existed {
		return false, nil
	}
	e.moveKeyLocked(d, &en, d, dst)
	if existed {
		// Redis deletes the destination and adds it again: a new key.
		e.notify(EventNew, "new", d, dst)
	}
	e.notify(EventGeneric, "rename_from", d, en.key)
	e.notify(EventGeneric, "rename_to", d, dst)
	return true, nil
}

// moveKeyLocked moves en (key of database d, live) to dst in database
// dstDB and reports it: as the move itself with compact effects on (see
// rename.go), else as the source's removal and the whole value stored.
func (e *Engine) moveKeyLocked(d int, en *entry, dstDB int, dst string) {
	if e.compact {
		moved := e.renameLocked(d, en, dstDB, dst)
		e.emitRenameLocked(d, en.key, dstDB, &moved)
		return
	}
	o, c := e.hashOf(d, en), e.collOf(d, en)
	e.removeLocked(d, en)
	e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
	e.moveInLocked(dstDB, dst, en, o, c)
}

// hashOf returns en's hash, or nil for a string: a hashtable's object
// (shared: not to be changed), or a listpack decoded from the record (a
// new object).
func (e *Engine) hashOf(d int, en *entry) *hashObj {
	switch en.kind {
	case encHash:
		return e.dbs[d].hashes[recIdx(en.val)]
	case encHashLP:
		return lpDecode(en.val)
	}
	return nil
}

// moveInLocked stores en's value (o for a hash, c for a collection, which
// hashOf and collOf read before en was removed), expiry and encoding under key in database d, with en's
// access word: RENAME and MOVE move a value with its history. en was
// removed from its own place first; its bytes stay valid.
func (e *Engine) moveInLocked(d int, key string, en *entry, o *hashObj, c coll) {
	var moved entry
	switch {
	case c != nil:
		// storeCollLocked stores a new object, rebuilt from c's value: a
		// live snapshot may still read c.
		moved, _ = e.storeCollLocked(d, key, c, en.expireAt)
	case o != nil:
		if len(e.live) > 0 && o.born < e.capGen {
			o = o.clone()
		}
		moved = e.storeHashLocked(d, key, o, en.expireAt)
	default:
		moved = e.storeLocked(d, key, en.val, en.expireAt, en.enc())
	}
	e.dbs[d].keys.SetMeta(moved.key, en.meta)
}

// typeOfKind is the type of a record of this kind.
func typeOfKind(kind uint8) ValueType {
	switch encoding(kind) {
	case encHash, encHashLP:
		return TypeHash
	case encList:
		return TypeList
	case encSet:
		return TypeSet
	case encZSet:
		return TypeZSet
	case encStream:
		return TypeStream
	}
	return TypeString
}

// ExpireCond is the NX/XX/GT/LT conditions of EXPIRE and friends, which
// may be combined (XX with GT or LT): every one given must hold.
type ExpireCond uint8

const (
	ExpireAlways ExpireCond = 0
	ExpireNX     ExpireCond = 1 << (iota - 1) // only when the key has no expiry
	ExpireXX                                  // only when the key has an expiry
	ExpireGT                                  // only when the new expiry is later
	ExpireLT                                  // only when the new expiry is earlier
)

// Expire sets key's expiry to at (Unix ms) if cond holds, deleting the key
// when at is not in the future. It reports whether anything was done.
func (e *Engine) Expire(d int, key string, at int64, cond ExpireCond) bool {
	return e.expire(d, key, at, false, cond)
}

// ExpireIn is Expire with an expiry ms milliseconds after the time the
// engine applies it (see SetOptions.Relative): EXPIRE and PEXPIRE.
func (e *Engine) ExpireIn(d int, key string, ms int64, cond ExpireCond) bool {
	return e.expire(d, key, ms, true, cond)
}

func (e *Engine) expire(d int, key string, at int64, relative bool, cond ExpireCond) bool {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	if relative {
		at = addMs(now, at)
	}
	en, ok := e.lookupLocked(d, key, now)
	if !ok {
		return false
	}
	// A key without expiry counts as expiring never (infinitely late).
	cur := en.expireAt
	if (cond&ExpireNX != 0 && cur != 0) || (cond&ExpireXX != 0 && cur == 0) ||
		(cond&ExpireGT != 0 && (cur == 0 || at <= cur)) || (cond&ExpireLT != 0 && cur != 0 && at >= cur) {
		return false
	}
	if at <= now {
		e.removeLocked(d, &en)
		e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
		e.notify(EventGeneric, "del", d, en.key)
		return true
	}
	e.expireLocked(d, &en, at)
	e.emit(Effect{Kind: EffectExpire, DB: d, Key: en.key, ExpireAt: at})
	e.notify(EventGeneric, "expire", d, en.key)
	return true
}

// TTL returns the remaining time in ms, -1 for a key without expiry and
// -2 for a missing key.
func (e *Engine) TTL(d int, key string) int64 {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.peekLocked(d, key, now)
	switch {
	case !ok:
		return -2
	case en.expireAt == 0:
		return -1
	}
	return en.expireAt - now
}

// ExpireTime returns the absolute expiry in Unix ms, -1 without expiry and
// -2 for a missing key.
func (e *Engine) ExpireTime(d int, key string) int64 {
	e.lock()
	defer e.unlock()
	en, ok := e.peekLocked(d, key, e.nowMs())
	switch {
	case !ok:
		return -2
	case en.expireAt == 0:
		return -1
	}
	return en.expireAt
}

// Persist removes key's expiry and reports whether it had one.
func (e *Engine) Persist(d int, key string) bool {
	e.lock()
	defer e.unlock()
	en, ok := e.lookupLocked(d, key, e.nowMs())
	if !ok || en.expireAt == 0 {
		return false
	}
	e.expireLocked(d, &en, 0)
	e.emit(Effect{Kind: EffectExpire, DB: d, Key: en.key})
	e.notify(EventGeneric, "persist", d, en.key)
	return true
}

// Move moves key to database dst unless it exists there. It reports whether
// it moved.
func (e *Engine) Move(d int, key string, dst int) (bool, error) {
	if d == dst {
		return false, ErrSameObject
	}
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, key, now)
	if !ok {
		return false, nil
	}
	if _, ok := e.lookupLocked(dst, key, now); ok {
		return false, nil
	}
	e.moveKeyLocked(d, &en, dst, key)
	e.notify(EventGeneric, "move_from", d, en.key)
	e.notify(EventGeneric, "move_to", dst, en.key)
	return true, nil
}

// Copy copies src in database d to dst in database dstDB, keeping the
// expiry. Without replace it does nothing when dst exists.
func (e *Engine) Copy(d int, src string, dstDB int, dst string, replace bool) (bool, error) {
	if d == dstDB && src == dst {
		return false, ErrSameObject
	}
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.readLocked(d, src, now) // a read, as Redis's: a hit or a miss
	if !ok {
		return false, nil
	}
	_, existed := e.lookupLocked(dstDB, dst, now)
	if existed && !replace {
		return false, nil
	}
	if e.compact {
		made := e.copyLocked(d, &en, dstDB, dst)
		e.emitCopyLocked(d, en.key, dstDB, &made)
		e.notifyCopiedLocked(dstDB, dst, existed)
		return true, nil
	}
	switch o, c := e.hashOf(d, &en), e.collOf(d, &en); {
	case o != nil:
		e.storeHashLocked(dstDB, dst, o.clone(), en.expireAt)
	case c != nil:
		e.storeCollLocked(dstDB, dst, c, en.expireAt) // stores a copy
	default:
		e.storeLocked(dstDB, dst, en.val, en.expireAt, en.enc())
	}
	e.notifyCopiedLocked(dstDB, dst, existed)
	return true, nil
}

// notifyCopiedLocked tells COPY's keyspace events for dst.
func (e *Engine) notifyCopiedLocked(dstDB int, dst string, existed bool) {
	if existed {
		// Redis deletes the destination and adds it again: a new key.
		e.notify(EventNew, "new", dstDB, dst)
	}
	e.notify(EventGeneric, "copy_to", dstDB, dst)
}

// Encoding returns the OBJECT ENCODING of key: "int", "embstr" or "raw".
func (e *Engine) Encoding(d int, key string) (string, bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.findLocked(d, key, e.nowMs())
	if !ok {
		return "", false
	}
	if o := e.hashOf(d, &en); o != nil {
		return o.encoding(), true
	}
	if c := e.collOf(d, &en); c != nil {
		return c.encoding(), true
	}
	return stringEncoding(&en), true
}

// stringEncoding is the OBJECT ENCODING of string en.
func stringEncoding(en *entry) string {
	if _, ok := ParseInt(en.val); ok && len(en.val) <= 20 && en.enc() == encAuto {
		return "int"
	}
	if en.enc() == encRaw || len(en.val) > 44 {
		return "raw"
	}
	return "embstr"
}

// DBSize returns the number of keys in database d, counting keys whose time
// has passed but that were not deleted yet, as Redis does.
func (e *Engine) DBSize(d int) int {
	e.lock()
	defer e.unlock()
	return e.dbs[d].keys.Len()
}

// FlushDB removes every key of database d.
func (e *Engine) FlushDB(d int) {
	e.lock()
	defer e.unlock()
	e.flushLocked(d)
	e.emit(Effect{Kind: EffectFlushDB, DB: d})
}

// FlushAll removes every key of every database.
func (e *Engine) FlushAll() {
	e.lock()
	defer e.unlock()
	for i := range e.dbs {
		e.flushLocked(i)
	}
	e.emit(Effect{Kind: EffectFlushAll})
}

// Keyspace describes the non-empty databases.
func (e *Engine) Keyspace() []KeyspaceInfo {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	var out []KeyspaceInfo
	for i, dd := range e.dbs {
		if dd.keys.Len() == 0 {
			continue
		}
		ki := KeyspaceInfo{DB: i, Keys: dd.keys.Len(), Expires: dd.keys.VolatileLen()}
		var sum, n int64
		dd.keys.EachVolatile(func(r slab.Entry) bool {
			sum += max(r.ExpireAt-now, 0)
			n++
			return n < 100
		})
		if n > 0 {
			ki.AvgTTL = sum / n
		}
		out = append(out, ki)
	}
	return out
}

// Digest returns the digest of the dataset (see Digest) in O(1). It counts
// every stored key, including keys whose time has passed but that were not
// deleted yet, as Redis's DEBUG DIGEST does: that is the data a primary and
// its secondaries hold in common at one sequence.
func (e *Engine) Digest() Digest {
	e.lock()
	defer e.unlock()
	return e.digest
}

// DigestValue returns the digest of each key's value (forty zeros when the
// key is missing).
func (e *Engine) DigestValue(d int, keys []string) []string {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	out := make([]string, len(keys))
	for i, k := range keys {
		en, ok := e.getLocked(d, k)
		if !ok || expired(&en, now) {
			out[i] = hex.EncodeToString(make([]byte, sha1.Size))
			continue
		}
		v := en.val
		if o := e.hashOf(d, &en); o != nil {
			v = sortedPairs(o)
		}
		if c := e.collOf(d, &en); c != nil {
			v = c.pack(nil) // sets: their members in the order of the set's own
		}
		h := sha1.Sum(v)
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// Len returns the total number of keys over all databases.
func (e *Engine) Len() int {
	e.lock()
	defer e.unlock()
	n := 0
	for _, dd := range e.dbs {
		n += dd.keys.Len()
	}
	return n
}

// sortedPairs is the packed fields and values of o, sorted by field: the
// same bytes for the same hash whatever its history.
func sortedPairs(o *hashObj) []byte {
	var fields []string
	o.each(func(f, _ string) bool {
		fields = append(fields, f)
		return true
	})
	slices.Sort(fields)
	var b []byte
	for _, f := range fields {
		v, _ := o.get(f)
		b = AppendPacked(AppendPacked(b, f), v)
	}
	return b
}
