package engine

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// SetOptions are the options of SET.
type SetOptions struct {
	ExpireAt int64 // absolute expiry in Unix ms; 0: none
	// Relative: ExpireAt is milliseconds from the time the engine applies
	// the change (its clock under the lock, as Redis uses the command's
	// own time), not a Unix time. A key set for 1 ms then always lives
	// that millisecond, however long the command waited for the lock.
	Relative bool
	KeepTTL  bool // keep the existing expiry (ExpireAt must be 0)
	NX, XX   bool // only if the key does not / does exist
	Get      bool // return the old value
}

// SetResult is what SET did.
type SetResult struct {
	Done   bool   // the value was stored (NX/XX conditions held)
	Old    []byte // the previous value, when Get was asked and it existed
	HadOld bool
	Err    error // ErrWrongType: Get was asked and the key holds a hash
}

// Get returns a copy of key's string value; a hash reads as missing.
func (e *Engine) Get(d int, key string) ([]byte, bool) {
	v, ok, err := e.GetAppend(nil, d, key)
	if err != nil {
		return nil, false
	}
	if ok && v == nil {
		v = []byte{}
	}
	return v, ok
}

// GetAppend appends key's value to dst and returns the result. A value
// is copied while the lock is held: once it is released, the next SET of
// the key may write over the value's bytes.
// It fails with ErrWrongType when key holds a hash.
func (e *Engine) GetAppend(dst []byte, d int, key string) ([]byte, bool, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return dst, false, nil
	}
	if !en.isString() {
		return dst, false, ErrWrongType
	}
	return append(dst, en.val...), true, nil
}

// Set stores val (copied) under key according to o.
func (e *Engine) Set(d int, key string, val []byte, o SetOptions) SetResult {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	if o.Relative {
		o.ExpireAt, o.Relative = addMs(now, o.ExpireAt), false
	}
	if !o.NX && !o.XX && !o.Get && !o.KeepTTL && (o.ExpireAt == 0 || o.ExpireAt > now) {
		e.setLocked(d, key, val, o.ExpireAt, now)
		return SetResult{Done: true}
	}
	// The events: "set", and "expire" when the command gave an expiry
	// (KEEPTTL keeps one without telling).
	withExpire := o.ExpireAt != 0
	en, found := e.lookupLocked(d, key, now)
	var r SetResult
	if o.Get {
		// SET ... GET reads the key: Redis counts the hit or miss.
		e.countRead(found, d, key)
		if found && !en.isString() {
			r.Err = ErrWrongType
			return r
		}
		if found {
			// A copy: the value may be written over once the lock is
			// released.
			r.Old, r.HadOld = bytes.Clone(en.val), true
		}
	}
	if (o.NX && found) || (o.XX && !found) {
		return r
	}
	r.Done = true
	at := o.ExpireAt
	if o.KeepTTL && found {
		at = en.expireAt
	}
	if at != 0 && at <= now {
		// Already in the past: Redis stores and immediately expires the
		// key, which is a delete of whatever was there, and an expiry.
		if found {
			e.removeLocked(d, &en)
			e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
		} else {
			// Nothing to delete, yet the key was written: a WATCH of it
			// fails and a client caching it is told, as in Redis. (The
			// key's bytes may be the request's: the effect keeps a copy.)
			e.emit(Effect{Kind: EffectDelete, DB: d, Key: strings.Clone(key)})
			e.notify(EventNew, "new", d, key)
		}
		e.notify(EventString, "set", d, key)
		e.notify(EventGeneric, "expire", d, key)
		e.stats.ExpiredKeys++
		e.notify(EventExpired, "expired", d, key)
		return r
	}
	en = e.storeLocked(d, key, val, at, encAuto)
	e.notify(EventString, "set", d, en.key)
	if withExpire {
		e.notify(EventGeneric, "expire", d, en.key)
	}
	return r
}

// setLocked is a plain SET: it looks the key up once, where a SET with
// options looks it up, then stores. The result is the same: a key whose
// time has passed is deleted first (reported, and counted as expired, on
// a primary); a live key is touched, so the new value keeps its access
// history as if it had been looked up.
func (e *Engine) setLocked(d int, key string, val []byte, at, now int64) {
	en := e.putLocked(d, key, val, at, encAuto, true, func(old slab.Entry, replaced bool) uint32 {
		if !replaced {
			return newAccess(e.ev.cfg.Policy, now)
		}
		if old.ExpireAt != 0 && now > old.ExpireAt {
			return newAccess(e.ev.cfg.Policy, now) // counted as expired by putLocked
		}
		return e.touched(old.Meta, now)
	})
	e.emit(Effect{Kind: EffectSet, DB: d, Key: en.key, Value: en.val, ExpireAt: at})
	if e.eventClasses != 0 {
		e.notify(EventString, "set", d, en.key)
		if at != 0 {
			e.notify(EventGeneric, "expire", d, en.key)
		}
	}
}

// MGet returns the values of keys; a missing key gives nil.
func (e *Engine) MGet(d int, keys []string) [][]byte {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if en, ok := e.readLocked(d, k, now); ok && en.isString() {
			out[i] = bytes.Clone(en.val)
			if out[i] == nil {
				out[i] = []byte{}
			}
		}
	}
	return out
}

// MSet stores every pair (key, value alternating). With nx it stores
// nothing unless none of the keys exists, and reports whether it stored.
func (e *Engine) MSet(d int, pairs [][]byte, nx bool) bool {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	if nx {
		for i := 0; i < len(pairs); i += 2 {
			if _, ok := e.lookupLocked(d, string(pairs[i]), now); ok {
				return false
			}
		}
	}
	if len(pairs) > 2 {
		// The keys' slots and records, fetched side by side (see Apply).
		keys := e.dbs[d].keys
		for i := 0; i < len(pairs); i += 2 {
			e.touchSum += keys.Touch(bstr(pairs[i]))
		}
	}
	for i := 0; i < len(pairs); i += 2 {
		en := e.storeLocked(d, string(pairs[i]), pairs[i+1], 0, encAuto)
		e.notify(EventString, "set", d, en.key)
	}
	return true
}

// GetDel returns key's value and deletes it.
func (e *Engine) GetDel(d int, key string) ([]byte, bool, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.readLocked(d, key, now)
	if !ok {
		return nil, false, nil
	}
	if !en.isString() {
		return nil, false, ErrWrongType
	}
	e.removeLocked(d, &en)
	e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
	e.notify(EventGeneric, "del", d, en.key)
	return en.val, true, nil
}

// ExpireChange says how GETEX changes the expiry.
type ExpireChange struct {
	Set      bool  // set the expiry to At
	At       int64 // Unix ms
	Relative bool  // At is ms from the engine's time (see SetOptions)
	Persist  bool  // remove the expiry
}

// GetEx returns key's value and changes its expiry as c says.
func (e *Engine) GetEx(d int, key string, c ExpireChange) ([]byte, bool, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.readLocked(d, key, now)
	if !ok {
		return nil, false, nil
	}
	if !en.isString() {
		return nil, false, ErrWrongType
	}
	val := append([]byte{}, en.val...) // a copy: see GetAppend
	if c.Relative {
		c.At, c.Relative = addMs(now, c.At), false
	}
	switch {
	case c.Set && c.At <= now:
		e.removeLocked(d, &en)
		e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
		e.notify(EventGeneric, "del", d, en.key)
	case c.Set:
		e.expireLocked(d, &en, c.At)
		e.emit(Effect{Kind: EffectExpire, DB: d, Key: en.key, ExpireAt: c.At})
		e.notify(EventGeneric, "expire", d, en.key)
	case c.Persist && en.expireAt != 0:
		e.expireLocked(d, &en, 0)
		e.emit(Effect{Kind: EffectExpire, DB: d, Key: en.key})
		e.notify(EventGeneric, "persist", d, en.key)
	}
	return val, true, nil
}

// Append appends val to key's value (creating it) and returns the new length.
func (e *Engine) Append(d int, key string, val []byte) (int, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, key, now)
	if !ok {
		en = e.storeLocked(d, key, val, 0, encAuto)
		e.notify(EventString, "append", d, en.key)
		return len(val), nil
	}
	if !en.isString() {
		return 0, ErrWrongType
	}
	if int64(len(en.val))+int64(len(val)) > e.maxSize {
		return 0, ErrTooLarge
	}
	nv := e.growLocked(d, &en, int64(len(en.val)), val)
	e.notify(EventString, "append", d, nv.key)
	return len(nv.val), nil
}

// appendLocked appends val to the string of en, key d's, and returns
// the new entry, without reporting it. The table appends in place when
// the record has room, past the value's end, where no slice handed out
// reaches.
func (e *Engine) appendLocked(d int, en *entry, val []byte) entry {
	dd := e.dbs[d]
	k := hashKey(en.key)
	old, size := en.term(k), memSize(en)
	// The old bytes stay as they were: the pieces they share with the
	// new value are read after the append.
	n := len(en.val)
	r, _ := dd.keys.Append(en.key, val, uint8(encRaw))
	lo, hi := touchedPieces(n, int64(n), len(val))
	vh := patchedHash(en.valueHash(), n, piecesBefore(r.Value[:n], lo, hi), r.Value, lo, hi)
	dd.keys.SetAux(en.key, vh)
	nv := viewOf(r, -1)
	nv.vhash, nv.hashed = vh, true
	e.changeDigest(d, nv.term(k).sub(old))
	e.accountLocked(dd, memSize(&nv)-size)
	return nv
}

// StrLen returns the length of key's value (0 when missing).
func (e *Engine) StrLen(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return 0, nil
	}
	if !en.isString() {
		return 0, ErrWrongType
	}
	return len(en.val), nil
}

// ParseInt parses a Redis integer: decimal, optional '-', no '+', no
// leading zeros or spaces, within int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	s := b
	if neg {
		s = b[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	if s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		nv := v*10 + uint64(c-'0')
		if nv/10 != v {
			return 0, false
		}
		v = nv
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// IncrBy adds delta to key's integer value (0 when missing), keeping its
// expiry, and returns the result.
func (e *Engine) IncrBy(d int, key string, delta int64) (int64, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, key, now)
	var cur, at int64
	if ok && !en.isString() {
		return 0, ErrWrongType
	}
	if ok {
		v, ok := ParseInt(en.val)
		if !ok {
			return 0, ErrNotInteger
		}
		cur, at = v, en.expireAt
	}
	if (delta < 0 && cur < 0 && delta < math.MinInt64-cur) || (delta > 0 && cur > 0 && delta > math.MaxInt64-cur) {
		return 0, ErrOverflow
	}
	cur += delta
	var buf [20]byte
	en = e.storeLocked(d, key, strconv.AppendInt(buf[:0], cur, 10), at, encAuto)
	e.notify(EventString, "incrby", d, en.key)
	return cur, nil
}

// ParseFloat parses a Redis float argument as getDoubleFromObject does:
// C's strtod over the whole argument (hexadecimal too, infinities in any
// spelling), no spaces, not NaN, no overflow to infinity nor underflow to
// zero.
func ParseFloat(b []byte) (float64, bool) {
	if !floatSyntax(b) {
		return 0, false
	}
	return strtod(string(b), true)
}

// maxFloatChars bounds a float argument as Redis's MAX_LONG_DOUBLE_CHARS.
const maxFloatChars = 5 * 1024

// floatSyntax refuses what strtold would not read whole: empty input,
// surrounding spaces, Go's '_' digit separators, over-long text.
func floatSyntax(b []byte) bool {
	if len(b) == 0 || len(b) > maxFloatChars || b[0] == ' ' || b[len(b)-1] == ' ' {
		return false
	}
	for _, c := range b {
		if c == '_' || c == ' ' || c == '\t' {
			return false
		}
	}
	return true
}

// longDoublePrec is the mantissa of the x87 long double Redis computes
// INCRBYFLOAT in; using it makes 0.1+0.2 print 0.3, as in Redis.
const longDoublePrec = 64

// parseLongDouble reads a float as Redis's string2ld does.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if !floatSyntax(b) {
		return nil, false
	}
	// strtold reads an infinity in any case, also spelled out; it knows
	// no 0b or 0o prefix (big.Float's base 0 would read them).
	unsigned := strings.TrimLeft(string(b), "+-")
	if len(b)-len(unsigned) <= 1 && (strings.EqualFold(unsigned, "inf") || strings.EqualFold(unsigned, "infinity")) {
		return new(big.Float).SetPrec(longDoublePrec).SetInf(b[0] == '-'), true
	}
	if len(unsigned) > 1 && unsigned[0] == '0' && strings.IndexByte("bBoO", unsigned[1]) >= 0 {
		return nil, false
	}
	f, _, err := new(big.Float).SetPrec(longDoublePrec).Parse(string(b), 0)
	if err != nil || !inLongDoubleRange(f) {
		return nil, false
	}
	return f, true
}

// Binary exponent bounds of an x87 long double: strtold reports a value
// beyond them as out of range, and Redis refuses it.
const (
	longDoubleMaxExp = 16384
	longDoubleMinExp = -16445
)

// inLongDoubleRange reports whether f is infinite or a finite value a long
// double can hold (neither overflowing nor underflowing to zero).
func inLongDoubleRange(f *big.Float) bool {
	if f.IsInf() || f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	return exp <= longDoubleMaxExp && exp > longDoubleMinExp
}

// FormatFloat prints f as Redis prints floats for humans: %.17f with
// trailing zeros and a trailing dot removed, and "-0" as "0".
func FormatFloat(f float64) []byte {
	return trimFloat(strconv.AppendFloat(nil, f, 'f', 17, 64))
}

func trimFloat(b []byte) []byte {
	if bytes.IndexByte(b, '.') >= 0 {
		b = bytes.TrimRight(b, "0")
		b = bytes.TrimSuffix(b, []byte("."))
	}
	if string(b) == "-0" {
		b = b[1:]
	}
	return b
}

// IncrByFloat adds delta (a float in text, as the client sent it) to key's
// float value (0 when missing), keeping its expiry, and returns the printed
// result. The sum is computed with a 64-bit mantissa, as Redis's long
// double is, so results print as Redis prints them.
func (e *Engine) IncrByFloat(d int, key string, delta []byte) ([]byte, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, key, now)
	cur := new(big.Float).SetPrec(longDoublePrec)
	var at int64
	if ok && !en.isString() {
		return nil, ErrWrongType // as Redis: the type before either number
	}
	if ok {
		v, ok := parseLongDouble(en.val)
		if !ok {
			return nil, ErrNotFloat
		}
		cur, at = v, en.expireAt
	}
	inc, ok := parseLongDouble(delta)
	if !ok {
		return nil, ErrNotFloat
	}
	if cur.IsInf() || inc.IsInf() {
		return nil, ErrNaNOrInf
	}
	if sum := cur.Add(cur, inc); sum.Sign() != 0 && sum.MantExp(nil) > longDoubleMaxExp {
		return nil, ErrNaNOrInf // a long double would overflow to infinity
	}
	out := trimFloat([]byte(cur.Text('f', 17)))
	en = e.storeLocked(d, key, out, at, encEmbstr)
	e.notify(EventString, "incrbyfloat", d, en.key)
	return out, nil
}

// GetRange returns the substring of key's value between start and end,
// inclusive, with negative indexes counting from the end, as GETRANGE does.
func (e *Engine) GetRange(d int, key string, start, end int64) ([]byte, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return nil, nil
	}
	if !en.isString() {
		return nil, ErrWrongType
	}
	v := en.val
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		return nil, nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return nil, nil
	}
	return bytes.Clone(v[start : end+1]), nil // a copy: see GetAppend
}

// SetRange overwrites key's value from offset with val, padding with zero
// bytes, and returns the new length. offset must be >= 0.
func (e *Engine) SetRange(d int, key string, offset int64, val []byte) (int, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	en, ok := e.lookupLocked(d, key, now)
	var cur []byte
	var at int64
	if ok && !en.isString() {
		return 0, ErrWrongType
	}
	if ok {
		cur, at = en.val, en.expireAt
	}
	if len(val) == 0 {
		return len(cur), nil
	}
	if offset > e.maxSize || int64(len(val)) > e.maxSize-offset {
		return 0, ErrTooLarge
	}
	if ok && e.writeInPlaceLocked(d, &en, offset, val) {
		e.notify(EventString, "setrange", d, en.key)
		return len(cur), nil
	}
	if ok && offset >= int64(len(cur)) {
		en = e.growLocked(d, &en, offset, val)
		e.notify(EventString, "setrange", d, en.key)
		return len(en.val), nil
	}
	n := max(int64(len(cur)), offset+int64(len(val)))
	nv := make([]byte, n)
	copy(nv, cur)
	copy(nv[offset:], val)
	en = e.storePatchedLocked(d, key, nv, at, offset, val)
	e.notify(EventString, "setrange", d, en.key)
	return len(nv), nil
}
