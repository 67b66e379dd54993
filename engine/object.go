package engine

import "math"

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: the values 0 to 9999 of
// integer-encoded strings are shared objects in Redis.
const sharedIntegers = 10000

// RefCount returns OBJECT REFCOUNT of key, as Redis 7.0 reports it: an
// integer-encoded value from 0 to 9999 is one of Redis's shared objects,
// whose count reads 2147483647 (INT_MAX), unless maxmemory is set with an
// LRU or LFU policy, under which Redis does not share them; every other
// value counts 1. Redis decides when it stores the value, this when asked:
// a value stored before a change of maxmemory or maxmemory-policy may read
// differently.
func (e *Engine) RefCount(d int, key string) (int64, bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.findLocked(d, key, e.nowMs())
	if !ok {
		return 0, false
	}
	n, isInt := ParseInt(en.val)
	if isInt && en.enc() == encAuto && n >= 0 && n < sharedIntegers && e.sharesIntegersLocked() {
		return math.MaxInt32, true
	}
	return 1, true
}

// sharesIntegersLocked reports whether Redis would store a small integer
// as a shared object: not when maxmemory is set and the policy needs the
// object's own LRU or LFU field.
func (e *Engine) sharesIntegersLocked() bool {
	p := e.ev.cfg.Policy
	return e.ev.cfg.MaxMemory == 0 || !(p == AllKeysLRU || p == VolatileLRU || p.LFU())
}
