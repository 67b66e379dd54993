package engine

import (
	"github.com/nadb-server/nadb-server/engine/slab"
	"math"
	"math/big"
	"strconv"
)

// The hash commands. Each runs in one critical section and reports what
// it changed as hash effects: EffectHashSet with the fields set (HSET,
// HSETNX, HINCRBY...), EffectHashDel with the fields removed (HDEL), so a
// command is one effect however many fields it names.

// The encodings of a hash, as OBJECT ENCODING names them.
const (
	EncodingListpack  = "listpack"
	EncodingHashtable = "hashtable"
)

func (o *hashObj) encoding() string {
	if o.tab != nil {
		return EncodingHashtable
	}
	return EncodingListpack
}

// SetHashLimits changes hash-max-listpack-entries and -value. Hashes
// already converted to hashtables stay so, as in Redis.
func (e *Engine) SetHashLimits(l HashLimits) {
	e.lock()
	e.hlim = l
	e.unlock()
}

func (e *Engine) hashLimits() HashLimits {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hlim
}

// hashRead returns key's hash for a read (counting a hit or a miss): nil
// when the key is missing, ErrWrongType when it holds a string.
func (e *Engine) hashRead(d int, key string) (*hashObj, error) {
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return nil, nil
	}
	if !en.isHash() {
		return nil, ErrWrongType
	}
	return e.hashOf(d, &en), nil
}

// hashWrite returns key's entry and hash for a change: a listpack
// decoded from its record, or a hashtable's object, cloned first if a live
// snapshot may hold it (see hashobj.go). found is false for a missing key.
func (e *Engine) hashWrite(d int, key string) (en entry, o *hashObj, found bool, err error) {
	en, found = e.lookupLocked(d, key, e.nowMs())
	if !found {
		return en, nil, false, nil
	}
	if !en.isHash() {
		return en, nil, true, ErrWrongType
	}
	return en, e.hashToChange(d, &en), true, nil
}

// hashToChange returns en's hash (en holds one), ready to be changed.
func (e *Engine) hashToChange(d int, en *entry) *hashObj {
	if en.kind == encHashLP {
		return lpDecode(en.val)
	}
	return e.ownHash(d, en.val)
}

// ownHash returns the hash of database d whose record's value is val,
// ready to be changed: copied first if a live snapshot may hold it, or,
// if large, changed in place once every such snapshot has a view of it
// (snapview.go).
func (e *Engine) ownHash(d int, val []byte) *hashObj {
	dd := e.dbs[d]
	idx := recIdx(val)
	o := dd.hashes[idx]
	if len(e.live) > 0 && o.born < e.capGen {
		if o.tab != nil && e.usesView(encHash, val) {
			e.viewForWrite(o, o.born, TypeHash, o.tab, recMem(val))
			o.born = e.capGen
			return o
		}
		o = o.clone()
		o.born = e.capGen
		dd.hashes[idx] = o
	}
	return o
}

// saveHash writes the record of hash o of key: at en's place when found,
// else as a new key without expiry. An empty hash removes the key.
func (e *Engine) saveHash(d int, key string, en *entry, found bool, o *hashObj) {
	if o.len() == 0 {
		if found {
			e.removeLocked(d, en)
		}
		return
	}
	at := int64(0)
	if found {
		key, at = en.key, en.expireAt
	}
	if found && en.kind == encHash {
		// A hashtable stays one: its record is rewritten in place.
		var rec [hashRecLen]byte
		e.putLocked(d, key, hashRec(&rec, recIdx(en.val), o), at, encHash, true, e.keepAccess)
		return
	}
	e.putHashLocked(d, key, o, at)
}

// emitHash reports a hash effect whose value is the packed elems.
func (e *Engine) emitHash(kind EffectKind, d int, key string, elems [][]byte) {
	start := len(e.hbuf)
	for _, el := range elems {
		e.hbuf = AppendPacked(e.hbuf, el)
	}
	e.emit(Effect{Kind: kind, DB: d, Key: key, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
}

// HSet sets the fields and values of pairs (alternating) in key's hash,
// creating it, and returns the number of fields that were new. With nx
// (HSETNX: one pair) an existing field is left alone.
func (e *Engine) HSet(d int, key string, pairs [][]byte, nx bool) (int, error) {
	e.lock()
	defer e.unlock()
	en, found := e.lookupLocked(d, key, e.nowMs())
	if found && !en.isHash() {
		return 0, ErrWrongType
	}
	if nx && found {
		if _, had := e.fieldOf(d, &en, pairs[0]); had {
			return 0, nil
		}
	}
	if added, ok := e.lpSetLocked(d, &en, found, pairs); ok {
		e.emitHash(EffectHashSet, d, en.key, pairs)
		e.notify(EventHash, "hset", d, en.key)
		return added, nil
	}
	o := &hashObj{}
	if found {
		o = e.hashToChange(d, &en)
	}
	added := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if o.setBytes(pairs[i], pairs[i+1], e.hlim) {
			added++
		}
	}
	e.saveHash(d, key, &en, found, o)
	e.emitHash(EffectHashSet, d, keyOf(&en, found, key), pairs)
	e.notify(EventHash, "hset", d, key)
	return added, nil
}

// keyOf is en's key when found (the table's copy, so the caller's does
// not escape), else key.
func keyOf(en *entry, found bool, key string) string {
	if found {
		return en.key
	}
	return key
}

// HDel removes fields from key's hash, and the key once empty, and
// returns how many were there.
func (e *Engine) HDel(d int, key string, fields [][]byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, found := e.lookupLocked(d, key, e.nowMs())
	if !found {
		return 0, nil
	}
	if !en.isHash() {
		return 0, ErrWrongType
	}
	start := len(e.hbuf)
	n := 0
	k := en.key
	if en.kind == encHashLP {
		// Edited in its record's bytes, two buffers taking turns.
		cur, bufs, turn := en.val, [2][]byte{e.lpbuf[:0], e.lpbuf2[:0]}, 0
		for _, f := range fields {
			var gone bool
			bufs[turn], gone = lpDel(bufs[turn][:0], cur, f)
			cur, turn = bufs[turn], turn^1
			if gone {
				e.hbuf = AppendPacked(e.hbuf, f)
				n++
			}
		}
		e.lpbuf, e.lpbuf2 = bufs[0], bufs[1]
		switch {
		case n == 0:
			return 0, nil
		case len(cur) == lpHeader:
			e.removeLocked(d, &en)
		default:
			e.putLocked(d, en.key, cur, en.expireAt, encHashLP, true, e.keepAccess)
		}
		e.emit(Effect{Kind: EffectHashDel, DB: d, Key: k, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
		e.notifyEmptied(EventHash, "hdel", d, k, len(cur) == lpHeader)
		return n, nil
	}
	o := e.hashToChange(d, &en)
	for _, f := range fields {
		if o.del(string(f)) {
			e.hbuf = AppendPacked(e.hbuf, f)
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	e.saveHash(d, key, &en, true, o)
	e.emit(Effect{Kind: EffectHashDel, DB: d, Key: k, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)]})
	e.notifyEmptied(EventHash, "hdel", d, k, o.len() == 0)
	return n, nil
}

// HGet returns the value of field in key's hash.
func (e *Engine) HGet(d int, key string, field []byte) (string, bool, error) {
	e.lock()
	defer e.unlock()
	en, err := e.hashEntryRead(d, key)
	if en == nil {
		return "", false, err
	}
	v, ok := e.fieldOf(d, en, field)
	return v, ok, nil
}

// hashEntryRead is hashRead that returns the entry, not the hash.
func (e *Engine) hashEntryRead(d int, key string) (*entry, error) {
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return nil, nil
	}
	if !en.isHash() {
		return nil, ErrWrongType
	}
	return &en, nil
}

// fieldOf returns the value of field in en's hash.
func (e *Engine) fieldOf(d int, en *entry, field []byte) (string, bool) {
	if en.kind == encHashLP {
		_, vs, ve, ok := lpFind(en.val, field)
		return string(en.val[vs:ve]), ok
	}
	return e.dbs[d].hashes[recIdx(en.val)].get(string(field))
}

// lpSetLocked sets the fields and values of pairs in the listpack hash en
// by editing its record's bytes, when it is one and stays one (no field or
// value longer than the limit, no more fields than the limit), and
// reports whether it did, with the number of new fields.
func (e *Engine) lpSetLocked(d int, en *entry, found bool, pairs [][]byte) (int, bool) {
	if !found || en.kind != encHashLP {
		return 0, false
	}
	for _, el := range pairs {
		if int64(len(el)) > e.hlim.Value {
			return 0, false
		}
	}
	if int64(lpLen(en.val)+len(pairs)/2) > e.hlim.Entries {
		return 0, false
	}
	cur, bufs, turn, added := en.val, [2][]byte{e.lpbuf[:0], e.lpbuf2[:0]}, 0, 0
	for i := 0; i+1 < len(pairs); i += 2 {
		var isNew bool
		bufs[turn], isNew = lpSet(bufs[turn][:0], cur, pairs[i], pairs[i+1])
		cur, turn = bufs[turn], turn^1
		if isNew {
			added++
		}
	}
	e.lpbuf, e.lpbuf2 = bufs[0], bufs[1]
	e.putLocked(d, en.key, cur, en.expireAt, encHashLP, true, e.keepAccess)
	return added, true
}

// HMGet returns the values of fields in key's hash; ok[i] is false for
// a missing field.
func (e *Engine) HMGet(d int, key string, fields [][]byte) (vals []string, ok []bool, err error) {
	e.lock()
	defer e.unlock()
	en, err := e.hashEntryRead(d, key)
	if err != nil {
		return nil, nil, err
	}
	vals, ok = make([]string, len(fields)), make([]bool, len(fields))
	if en != nil {
		for i, f := range fields {
			vals[i], ok[i] = e.fieldOf(d, en, f)
		}
	}
	return vals, ok, nil
}

// HLen returns the number of fields of key's hash.
func (e *Engine) HLen(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	en, err := e.hashEntryRead(d, key)
	switch {
	case en == nil:
		return 0, err
	case en.kind == encHashLP:
		return lpLen(en.val), nil
	}
	return e.dbs[d].hashes[recIdx(en.val)].len(), nil
}

// HExists reports whether field is in key's hash.
func (e *Engine) HExists(d int, key string, field []byte) (bool, error) {
	_, ok, err := e.HGet(d, key, field)
	return ok, err
}

// HStrLen returns the length of field's value in key's hash.
func (e *Engine) HStrLen(d int, key string, field []byte) (int, error) {
	v, _, err := e.HGet(d, key, field)
	return len(v), err
}

// HGetAll returns the fields and values of key's hash, alternating: in
// insertion order for a listpack, in no particular order for a hashtable.
func (e *Engine) HGetAll(d int, key string) ([]string, error) {
	e.lock()
	defer e.unlock()
	o, err := e.hashRead(d, key)
	if o == nil {
		return nil, err
	}
	out := make([]string, 0, 2*o.len())
	o.each(func(f, v string) bool {
		out = append(out, f, v)
		return true
	})
	return out, nil
}

// HIncrBy adds delta to field's integer value (0 when missing) and returns
// the result.
func (e *Engine) HIncrBy(d int, key string, field []byte, delta int64) (int64, error) {
	e.lock()
	defer e.unlock()
	en, o, found, err := e.hashWrite(d, key)
	if err != nil {
		return 0, err
	}
	if !found {
		o = &hashObj{}
	}
	var cur int64
	if v, had := o.get(string(field)); had {
		n, ok := ParseInt([]byte(v))
		if !ok {
			return 0, ErrHashNotInteger
		}
		cur = n
	}
	if (delta < 0 && cur < 0 && delta < math.MinInt64-cur) || (delta > 0 && cur > 0 && delta > math.MaxInt64-cur) {
		return 0, ErrOverflow
	}
	cur += delta
	nv := strconv.AppendInt(nil, cur, 10)
	o.set(string(field), string(nv), e.hlim)
	e.saveHash(d, key, &en, found, o)
	e.emitHash(EffectHashSet, d, keyOf(&en, found, key), [][]byte{field, nv})
	e.notify(EventHash, "hincrby", d, key)
	return cur, nil
}

// HIncrByFloat adds delta (a float in text) to field's float value (0
// when missing), computed as Redis's long double, and returns the printed
// result.
func (e *Engine) HIncrByFloat(d int, key string, field, delta []byte) ([]byte, error) {
	inc, ok := parseLongDouble(delta)
	if !ok {
		return nil, ErrNotFloat
	}
	if inc.IsInf() {
		return nil, ErrInfArg
	}
	e.lock()
	defer e.unlock()
	en, o, found, err := e.hashWrite(d, key)
	if err != nil {
		return nil, err
	}
	if !found {
		o = &hashObj{}
	}
	cur := new(big.Float).SetPrec(longDoublePrec)
	if v, had := o.get(string(field)); had {
		c, ok := parseLongDouble([]byte(v))
		if !ok {
			return nil, ErrHashNotFloat
		}
		cur = c
	}
	if cur.IsInf() {
		return nil, ErrNaNOrInf
	}
	if sum := cur.Add(cur, inc); sum.Sign() != 0 && sum.MantExp(nil) > longDoubleMaxExp {
		return nil, ErrNaNOrInf
	}
	out := trimFloat([]byte(cur.Text('f', 17)))
	o.set(string(field), string(out), e.hlim)
	e.saveHash(d, key, &en, found, o)
	e.emitHash(EffectHashSet, d, keyOf(&en, found, key), [][]byte{field, out})
	e.notify(EventHash, "hincrbyfloat", d, key)
	return out, nil
}

// HRandField returns random fields of key's hash, with their values when
// withValues (alternating). count > 0 asks for up to count distinct
// fields; count < 0 for -count fields that may repeat.
func (e *Engine) HRandField(d int, key string, count int64, withValues bool) ([]string, error) {
	e.lock()
	defer e.unlock()
	o, err := e.hashRead(d, key)
	if o == nil || count == 0 {
		return nil, err
	}
	n := o.len()
	per := 1
	if withValues {
		per = 2
	}
	var out []string
	add := func(f, v string) {
		out = append(out, f)
		if withValues {
			out = append(out, v)
		}
	}
	// random returns a field chosen at random, and its value.
	random := func() (string, string) {
		if o.tab != nil {
			r, _ := o.tab.Sample(e.randIntn)
			return r.KeyString(), string(r.Value)
		}
		i := 2 * e.randIntn(n)
		return o.pairs[i], o.pairs[i+1]
	}
	switch {
	case count < 0:
		out = make([]string, 0, int(-count)*per)
		for range -count {
			add(random())
		}
	case count >= int64(n):
		out = make([]string, 0, n*per)
		o.each(func(f, v string) bool {
			add(f, v)
			return true
		})
	case count*4 < int64(n):
		// Few of many: draw fields, skipping those drawn already.
		seen := make(map[string]bool, count)
		out = make([]string, 0, int(count)*per)
		for int64(len(seen)) < count {
			if f, v := random(); !seen[f] {
				seen[f] = true
				add(f, v)
			}
		}
	default:
		// A partial Fisher-Yates shuffle of all the fields.
		all := make([]string, 0, 2*n)
		o.each(func(f, v string) bool {
			all = append(all, f, v)
			return true
		})
		out = make([]string, 0, int(count)*per)
		for i := range int(count) {
			j := i + e.randIntn(n-i)
			all[2*i], all[2*j] = all[2*j], all[2*i]
			all[2*i+1], all[2*j+1] = all[2*j+1], all[2*i+1]
			add(all[2*i], all[2*i+1])
		}
	}
	return out, nil
}

// HScan runs one HSCAN step: it returns the fields and values of key's
// hash that match pattern (see scanMatch), alternating, and the next
// cursor (0: done). A listpack gives all its fields at once whatever the
// cursor, as Redis's does; a hashtable is walked with its table's cursor,
// which keeps SCAN's guarantee across changes and resizes, visiting about
// count fields.
func (e *Engine) HScan(d int, key string, cursor uint64, pattern string, count int) (uint64, []string, error) {
	e.lock()
	defer e.unlock()
	o, err := e.hashRead(d, key)
	if o == nil {
		return 0, nil, err
	}
	var out []string
	seen := 0 // as Redis, count fields and values before the pattern filters them
	keep := func(f string, v []byte) {
		seen += 2
		if scanMatch(pattern, f) {
			out = append(out, f, string(v))
		}
	}
	if o.tab == nil {
		o.eachBytes(func(f string, v []byte) bool {
			keep(f, v)
			return true
		})
		return 0, out, nil
	}
	// The table's cursor, as the keyspace's SCAN walks its own.
	count = max(count, 1)
	for buckets := 0; ; buckets++ {
		cursor = o.tab.Scan(cursor, func(r slab.Entry) { keep(r.KeyString(), r.Value) })
		if cursor == 0 || seen >= count || buckets >= count*10 {
			break
		}
	}
	return cursor, out, nil
}

// applyHashLocked applies a hash effect received from a primary.
func (e *Engine) applyHashLocked(ef *Effect) {
	d := ef.DB
	if ef.Kind == EffectHash {
		o, err := hashFromPacked(ef.Value, e.hlim)
		if err != nil {
			return // refused by the frame layer before it gets here
		}
		e.putHashLocked(d, ef.Key, o, ef.ExpireAt)
		return
	}
	en, found := e.getLocked(d, ef.Key)
	var o *hashObj
	switch {
	case found && en.isHash():
		o = e.hashToChange(d, &en)
	case found: // a string the primary replaced: cannot happen in order
		e.removeLocked(d, &en)
		found = false
		fallthrough
	default:
		if ef.Kind == EffectHashDel {
			return
		}
		o = &hashObj{}
	}
	var f []byte
	odd := false
	_ = EachPacked(ef.Value, func(el []byte) bool {
		switch {
		case ef.Kind == EffectHashDel:
			o.del(string(el))
		case !odd:
			f = el
		default:
			o.setBytes(f, el, e.hlim)
		}
		odd = !odd
		return true
	})
	e.saveHash(d, ef.Key, &en, found, o)
}

// putHashLocked stores hash o (which nothing else holds) under key with
// expiry at, replacing whatever was there, and returns the new entry: a
// listpack packed into the record, a hashtable placed in the side table.
func (e *Engine) putHashLocked(d int, key string, o *hashObj, at int64) entry {
	if o.tab == nil {
		e.lpbuf = lpRecord(e.lpbuf[:0], o)
		en := e.putLocked(d, key, e.lpbuf, at, encHashLP, true, e.keepAccess)
		if cap(e.lpbuf) > 64<<10 {
			e.lpbuf = nil
		}
		return en
	}
	var rec [hashRecLen]byte
	o.born = e.capGen
	idx := e.dbs[d].allocHash(o)
	return e.putLocked(d, key, hashRec(&rec, idx, o), at, encHash, true, e.keepAccess)
}

// storeHashLocked is putHashLocked that reports the whole hash.
func (e *Engine) storeHashLocked(d int, key string, o *hashObj, at int64) entry {
	en := e.putHashLocked(d, key, o, at)
	start := len(e.hbuf)
	e.hbuf = o.pack(e.hbuf)
	e.emit(Effect{Kind: EffectHash, DB: d, Key: en.key, Value: e.hbuf[start:len(e.hbuf):len(e.hbuf)], ExpireAt: at})
	return en
}
