package engine

// DUMP and RESTORE: a key's value out as a snapshot item, and back in.
// The RDB format itself is package rdb's.

// Dump returns the value of key in database d for DUMP: its type and its
// value packed as a snapshot carries it (a copy), with its OBJECT
// ENCODING. It is a read: a hit or a miss is counted.
func (e *Engine) Dump(d int, key string) (it Item, encoding string, ok bool) {
	e.lock()
	defer e.unlock()
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return Item{}, "", false
	}
	it = Item{DB: d, Key: key, ExpireAt: en.expireAt}
	switch o, c := e.hashOf(d, &en), e.collOf(d, &en); {
	case o != nil:
		it.Type, it.Value, encoding = TypeHash, o.pack(nil), o.encoding()
	case c != nil:
		it.Type, it.Value, encoding = c.typ(), c.pack(nil), c.encoding()
	default:
		it.Type, it.Value, encoding = TypeString, append([]byte(nil), en.val...), stringEncoding(&en)
	}
	return it, encoding, true
}

// RestoreOptions are RESTORE's: REPLACE, IDLETIME and FREQ.
type RestoreOptions struct {
	Replace bool
	// IdleSecs is the key's idle time under an LRU (or any non-LFU)
	// policy; -1: not given.
	IdleSecs int64
	// Freq is the key's LFU counter under an LFU policy; -1: not given.
	Freq int
}

// Restore stores it (its type and packed value, as Decode of package rdb
// returns them) under it.Key in database it.DB with expiry it.ExpireAt
// (Unix ms, 0 for none), as RESTORE does: ErrBusyKey when the key exists
// and o.Replace is not set, ErrBadValue when the value is malformed, and
// nothing stored when the expiry has passed already (with Replace, the
// key that was there is deleted). The key is a new one, with the access
// o gives it, and its events are "new" and "restore".
func (e *Engine) Restore(it *Item, o RestoreOptions) error {
	e.lock()
	defer e.unlock()
	d, key, now := it.DB, it.Key, e.nowMs()
	old, exists := e.lookupLocked(d, key, now)
	if exists && !o.Replace {
		return ErrBusyKey
	}
	var h *hashObj
	var c coll
	switch it.Type {
	case TypeString:
	case TypeHash:
		var err error
		h, err = hashFromPacked(it.Value, e.hlim)
		if n, cerr := CountPacked(it.Value); err != nil || cerr != nil || n != 2*h.len() {
			return ErrBadValue // a field twice
		}
	default:
		var err error
		c, err = collFromPacked(it.Type, it.Value, e.climits)
		if err != nil || (c.length() == 0 && !keepsEmpty(it.Type)) {
			return ErrBadValue
		}
		if it.Type == TypeSet {
			if n, err := CountPacked(it.Value); err != nil || n != c.length() {
				return ErrBadValue // a member twice
			}
		}
	}
	if it.ExpireAt != 0 && it.ExpireAt <= now {
		if exists {
			e.removeLocked(d, &old)
			e.emit(Effect{Kind: EffectDelete, DB: d, Key: old.key})
			e.notify(EventGeneric, "del", d, old.key)
		}
		return nil
	}
	switch {
	case h != nil:
		e.storeHashLocked(d, key, h, it.ExpireAt)
	case c != nil:
		// Built from the bytes reported, as a replica builds it.
		e.storeBuiltLocked(d, key, c, it.Value, it.ExpireAt)
	default:
		e.storeLocked(d, key, it.Value, it.ExpireAt, encAuto)
	}
	if en, ok := e.findLocked(d, key, now); ok {
		e.setAccessLocked(d, &en, e.restoredAccess(o, now))
	}
	if exists { // Redis deletes the old key and adds a new one
		e.notify(EventNew, "new", d, key)
	}
	e.notify(EventGeneric, "restore", d, key)
	return nil
}

// restoredAccess is the access word of a restored key: FREQ under an LFU
// policy, IDLETIME under another, else a new key's.
func (e *Engine) restoredAccess(o RestoreOptions, now int64) uint32 {
	lfu := e.ev.cfg.Policy.LFU()
	switch {
	case lfu && o.Freq >= 0:
		return lfuMinutes(now)<<8 | uint32(min(o.Freq, 255))
	case !lfu && o.IdleSecs >= 0:
		units := int64(accessMask)
		if o.IdleSecs < units/(1000/lruUnitMs) {
			units = o.IdleSecs * (1000 / lruUnitMs)
		}
		return (lruClock(now) - uint32(units)) & accessMask
	}
	return newAccess(e.ev.cfg.Policy, now)
}
