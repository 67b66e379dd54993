package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Lists, sets and sorted sets are collections: Go objects kept in a side
// table of their database (db.colls), as hashtable hashes are, so that
// the slabs stay pointer-free. A collection's record (kinds encList,
// encSet, encZSet) holds, as its 20-byte value, the object's index in the
// side table, its value hash and the memory it is accounted (collRec), so
// the digest and the memory count of a key are read from its record
// alone, as a string's are. Each type keeps its own compact forms inside
// its object (see list.go, set.go, zset.go).
//
// Snapshots read collections without the engine's lock, with the same
// copy on write as hashtables: Capture copies the side tables and bumps
// capGen; a write to an object born before the latest capture, while a
// snapshot lives, clones it first (ownColl), or, for a large set or sorted
// set, gives each such snapshot a frozen view of its table and changes it
// in place (snapview.go).
//
// Collections travel two ways (docs/PROTOCOL.md): EffectObject carries a
// whole value (its packed form, coll.pack), for full resynchronisation,
// snapshots and commands that store a computed value (SINTERSTORE,
// ZUNIONSTORE, COPY...); EffectApply carries one deterministic change of
// one key as packed words, an operation name and its arguments (RPUSH
// key's elements, SREM members, ZADD absolute scores...), which a replica
// replays with applyCollLocked. A command that changes several keys
// reports one effect per key, in one group.

// coll is one list, set or sorted set.
type coll interface {
	// typ is the collection's type.
	typ() ValueType
	// length is the number of elements.
	length() int
	// valueHash is the hash the digest reads from the record: equal for
	// equal values, whatever their history or encoding.
	valueHash() uint64
	// memory is the bytes accounted to the elements.
	memory() int64
	// clone returns a deep copy, for copy on write.
	clone() coll
	// pack appends the whole value's packed form to dst: what an
	// EffectObject and a snapshot carry, and what collFromPacked reads.
	pack(dst []byte) []byte
	// encoding is OBJECT ENCODING's answer.
	encoding() string
}

// collSlot is one entry of a side table: the object and the capGen it
// was created or cloned at.
type collSlot struct {
	c    coll
	born uint64
}

const (
	collRecLen   = 20 // idx u32, vh u64, mem u64
	collOverhead = 64 // accounted per collection beyond its elements
)

// isColl reports whether a record of this kind is a collection's.
func isColl(kind encoding) bool { return kind >= encList && kind <= encStream }

// keepsEmpty reports whether a collection of type t stays a key without
// elements: a stream does, as in Redis; an emptied list, set or sorted
// set is removed.
func keepsEmpty(t ValueType) bool { return t == TypeStream }

// isString reports whether the entry holds a string.
func (en *entry) isString() bool { return en.kind < encHash }

// collKind is the record kind of a collection of type t.
func collKind(t ValueType) encoding {
	switch t {
	case TypeList:
		return encList
	case TypeSet:
		return encSet
	case TypeStream:
		return encStream
	}
	return encZSet
}

// collRec is the record value of collection c at index idx of its side
// table.
func collRec(buf *[collRecLen]byte, idx uint32, c coll) []byte {
	binary.LittleEndian.PutUint32(buf[0:], idx)
	binary.LittleEndian.PutUint64(buf[4:], c.valueHash())
	binary.LittleEndian.PutUint64(buf[12:], uint64(c.memory()+collOverhead))
	return buf[:]
}

// allocColl places c in database dd's side table and returns its index.
func (dd *db) allocColl(c coll, born uint64) uint32 {
	if n := len(dd.cfree); n > 0 {
		idx := dd.cfree[n-1]
		dd.cfree = dd.cfree[:n-1]
		dd.colls[idx] = collSlot{c, born}
		return idx
	}
	dd.colls = append(dd.colls, collSlot{c, born})
	return uint32(len(dd.colls) - 1)
}

// freeColl empties slot idx of dd's side table.
func (dd *db) freeColl(idx uint32) {
	dd.colls[idx] = collSlot{}
	dd.cfree = append(dd.cfree, idx)
}

// freeObject frees the side-table slot a record of this kind and value
// refers to, if any.
func (dd *db) freeObject(kind encoding, val []byte) {
	switch {
	case kind == encHash:
		dd.freeHash(recIdx(val))
	case isColl(kind):
		dd.freeColl(recIdx(val))
	}
}

// collOf returns en's collection (shared: not to be changed), or nil when
// en holds no collection.
func (e *Engine) collOf(d int, en *entry) coll {
	if !isColl(en.kind) {
		return nil
	}
	return e.dbs[d].colls[recIdx(en.val)].c
}

// collRead returns key's collection of type t for a read, counting a hit
// or a miss: nil when the key is missing, ErrWrongType when it holds
// another type. The collection is shared: not to be changed.
func (e *Engine) collRead(d int, key string, t ValueType) (coll, error) {
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return nil, nil
	}
	if en.kind != collKind(t) {
		return nil, ErrWrongType
	}
	return e.collOf(d, &en), nil
}

// collPeek is collRead without counting an access or a hit (for commands
// that only look, such as a blocked client's check).
func (e *Engine) collPeek(d int, key string, t ValueType) (coll, error) {
	en, ok := e.findLocked(d, key, e.nowMs())
	if !ok {
		return nil, nil
	}
	if en.kind != collKind(t) {
		return nil, ErrWrongType
	}
	return e.collOf(d, &en), nil
}

// collWrite returns key's entry and collection of type t for a change,
// cloned first if a live snapshot may hold it. found is false (and c nil)
// for a missing key; ErrWrongType when the key holds another type.
func (e *Engine) collWrite(d int, key string, t ValueType) (en entry, c coll, found bool, err error) {
	en, found = e.lookupLocked(d, key, e.nowMs())
	if !found {
		return en, nil, false, nil
	}
	if en.kind != collKind(t) {
		return en, nil, true, ErrWrongType
	}
	return en, e.ownColl(d, en.val), true, nil
}

// ownColl returns the collection of database d whose record's value is
// val, ready to be changed (see copy on write above, and snapview.go for
// large values, which are changed in place).
func (e *Engine) ownColl(d int, val []byte) coll {
	s := &e.dbs[d].colls[recIdx(val)]
	if len(e.live) > 0 && s.born < e.capGen {
		if t := collTable(s.c); t != nil && e.usesView(collKind(s.c.typ()), val) {
			e.viewForWrite(s.c, s.born, s.c.typ(), t, recMem(val))
			s.born = e.capGen
		} else {
			s.c, s.born = s.c.clone(), e.capGen
		}
	}
	return s.c
}

// saveColl writes the record of collection c (which collWrite returned, or
// a new one) under key: at en's place when found, else as a new key
// without expiry. An empty collection removes the key, as Redis removes an
// emptied list, set or sorted set.
func (e *Engine) saveColl(d int, key string, en *entry, found bool, c coll) {
	if c.length() == 0 && !keepsEmpty(c.typ()) {
		if found {
			e.removeLocked(d, en)
		}
		return
	}
	var rec [collRecLen]byte
	if found && isColl(en.kind) {
		e.putLocked(d, en.key, collRec(&rec, recIdx(en.val), c), en.expireAt, en.kind, true, e.keepAccess)
		return
	}
	e.putCollLocked(d, key, c, 0)
}

// putCollLocked stores collection c (which nothing else holds) under key
// with expiry at, replacing whatever was there, and returns the new entry.
func (e *Engine) putCollLocked(d int, key string, c coll, at int64) entry {
	var rec [collRecLen]byte
	idx := e.dbs[d].allocColl(c, e.capGen)
	return e.putLocked(d, key, collRec(&rec, idx, c), at, collKind(c.typ()), true, e.keepAccess)
}

// storeCollLocked stores c's value under key, as a replica will store
// it from the whole value it reports (EffectObject). An empty c deletes key instead (and reports it if it
// existed), as a STORE command with an empty result does.
func (e *Engine) storeCollLocked(d int, key string, c coll, at int64) (entry, bool) {
	if c.length() == 0 && !keepsEmpty(c.typ()) {
		if en, ok := e.getLocked(d, key); ok {
			e.removeLocked(d, &en)
			e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
			e.notify(EventGeneric, "del", d, en.key)
		}
		return entry{}, false
	}
	start := len(e.hbuf)
	e.hbuf = c.pack(e.hbuf)
	val := e.hbuf[start:len(e.hbuf):len(e.hbuf)]
	// What is stored is rebuilt from the very bytes reported, as a
	// replica rebuilds it: a value's encoding (and what an encoding keeps,
	// such as a skiplist's -0 score) may depend on how it was built, and
	// must not differ between them. It is also a new object, which no
	// snapshot holds (RENAME and MOVE hand over a live one).
	if rebuilt, err := collFromPacked(c.typ(), val, e.climits); err == nil {
		c = rebuilt
	}
	en := e.putCollLocked(d, key, c, at)
	e.emit(Effect{Kind: EffectObject, Type: c.typ(), DB: d, Key: en.key, Value: val, ExpireAt: at})
	return en, true
}

// storeBuiltLocked is storeCollLocked for c, a new object built as a
// replica builds it from packed (its reported value), with expiry at: it
// is stored as it is, not built again from packed (for a million members,
// most of a STORE command's or RESTORE's time). It reports whether it
// stored c (an empty c deletes key).
func (e *Engine) storeBuiltLocked(d int, key string, c coll, packed []byte, at int64) bool {
	if c.length() == 0 && !keepsEmpty(c.typ()) {
		_, stored := e.storeCollLocked(d, key, c, at)
		return stored
	}
	en := e.putCollLocked(d, key, c, at)
	e.emit(Effect{Kind: EffectObject, Type: c.typ(), DB: d, Key: en.key, Value: packed, ExpireAt: at})
	return true
}

// emitApply reports one change of key's collection as the packed words
// (the operation's name, then its arguments): EffectApply.
func (e *Engine) emitApply(d int, key string, words ...[]byte) {
	start := len(e.hbuf)
	for _, w := range words {
		e.hbuf = AppendPacked(e.hbuf, w)
	}
	e.emit(Effect{Kind: EffectApply, DB: d, Key: key, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
}

// ErrBadApply: an EffectApply's words are not an operation this engine
// can replay.
var ErrBadApply = errors.New("malformed collection operation")

// applyOp is one operation an EffectApply names: its type, how many
// arguments it takes (at least min; at most max, -1 for no limit), and
// how to check its arguments and replay it.
type applyOp struct {
	typ      ValueType
	min, max int
	// check refuses arguments that could not be replayed (a score that is
	// not a number...); nil accepts any.
	check func(args [][]byte) error
	// apply replays the operation on c (new and empty when the key was
	// missing), engine lock held.
	apply func(e *Engine, c coll, args [][]byte)
}

// applyOps are the operations EffectApply may carry, by name. Each type
// adds its own (list.go, set.go, zset.go).
func applyOps(name string) (applyOp, bool) {
	if op, ok := listApplyOps[name]; ok {
		return op, true
	}
	if op, ok := setApplyOps[name]; ok {
		return op, true
	}
	if op, ok := zsetApplyOps[name]; ok {
		return op, true
	}
	if op, ok := streamApplyOps[name]; ok {
		return op, true
	}
	if op, ok := stringApplyOps[name]; ok {
		return op, true
	}
	op, ok := streamGroupOps[name]
	return op, ok
}

// splitApply parses an EffectApply's value into its operation and
// arguments, and checks them.
func splitApply(value []byte) (applyOp, [][]byte, error) {
	var words [][]byte
	if err := EachPacked(value, func(w []byte) bool { words = append(words, w); return true }); err != nil {
		return applyOp{}, nil, err
	}
	if len(words) == 0 {
		return applyOp{}, nil, fmt.Errorf("%w: no operation", ErrBadApply)
	}
	op, ok := applyOps(string(words[0]))
	args := words[1:]
	switch {
	case !ok:
		return op, nil, fmt.Errorf("%w: unknown operation %q", ErrBadApply, words[0])
	case len(args) < op.min || (op.max >= 0 && len(args) > op.max):
		return op, nil, fmt.Errorf("%w: %s with %d arguments", ErrBadApply, words[0], len(args))
	}
	if op.check != nil {
		if err := op.check(args); err != nil {
			return op, nil, fmt.Errorf("%w: %s: %w", ErrBadApply, words[0], err)
		}
	}
	return op, args, nil
}

// CheckApply refuses the value of an EffectApply (a frame's) that the
// engine could not replay.
func CheckApply(value []byte) error {
	_, _, err := splitApply(value)
	return err
}

// CheckObject refuses the value of an EffectObject of type t that is not
// a valid whole value (an empty collection is not one: it is no key).
func CheckObject(t ValueType, value []byte) error {
	if t == TypeFunctions {
		_, err := CountPacked(value) // the libraries' code, packed (none: empty)
		return err
	}
	c, err := collFromPacked(t, value, DefaultCollLimits)
	if err == nil && c.length() == 0 && !keepsEmpty(t) {
		err = errors.New("a collection without elements")
	}
	return err
}

// applyCollLocked replays an EffectApply or an EffectObject.
func (e *Engine) applyCollLocked(ef *Effect) {
	d := ef.DB
	if ef.Kind == EffectObject {
		c, err := collFromPacked(ef.Type, ef.Value, e.climits)
		if err != nil {
			return // checked when the frame was read
		}
		if c.length() == 0 && !keepsEmpty(c.typ()) {
			if en, ok := e.getLocked(d, ef.Key); ok {
				e.removeLocked(d, &en)
			}
			return
		}
		e.putCollLocked(d, ef.Key, c, ef.ExpireAt)
		return
	}
	op, args, err := splitApply(ef.Value)
	if err != nil {
		return
	}
	if op.typ == TypeString {
		e.applyPatchLocked(d, ef.Key, args)
		return
	}
	en, found := e.getLocked(d, ef.Key)
	var c coll
	switch {
	case found && en.kind == collKind(op.typ):
		c = e.ownColl(d, en.val)
	case found:
		return // another type: the primary would not have sent it
	default:
		c = newColl(op.typ, e.climits)
	}
	op.apply(e, c, args)
	e.saveColl(d, ef.Key, &en, found, c)
}

// CollLimits are the compact-encoding thresholds of lists, sets and
// sorted sets (list-max-listpack-size, set-max-intset-entries,
// zset-max-listpack-entries and -value).
type CollLimits struct {
	ListSize    int64 // list-max-listpack-size: entries (> 0) or -1..-5 (bytes: 4k..64k)
	SetInts     int64 // set-max-intset-entries
	ZSetEntries int64 // zset-max-listpack-entries
	ZSetValue   int64 // zset-max-listpack-value
}

// DefaultCollLimits are Redis 7.0's defaults.
var DefaultCollLimits = CollLimits{ListSize: -2, SetInts: 512, ZSetEntries: 128, ZSetValue: 64}

// SetCollLimits changes the compact-encoding thresholds. Collections
// already converted stay so, as in Redis.
func (e *Engine) SetCollLimits(l CollLimits) {
	e.lock()
	e.climits = l
	e.unlock()
}

func (e *Engine) collLimits() CollLimits {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.climits
}

// newColl returns an empty collection of type t.
func newColl(t ValueType, l CollLimits) coll {
	switch t {
	case TypeList:
		return newList(l)
	case TypeSet:
		return newSet(l)
	case TypeStream:
		return newStream()
	}
	return newZSet(l)
}

// collFromPacked builds a collection of type t from its packed form
// (coll.pack), refusing a malformed one.
func collFromPacked(t ValueType, p []byte, l CollLimits) (coll, error) {
	switch t {
	case TypeList:
		return listFromPacked(p, l)
	case TypeSet:
		return setFromPacked(p, l)
	case TypeZSet:
		return zsetFromPacked(p, l)
	case TypeStream:
		return streamFromPacked(p, l)
	}
	return nil, fmt.Errorf("engine: type %v is not a collection", t)
}
