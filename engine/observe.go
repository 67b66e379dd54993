package engine

// Key change observation, for client-side caching (CLIENT TRACKING). An
// Observer hears of every change of a key, in apply order and under the
// engine lock, whoever made it: a client's command, an expiry, an
// eviction, or the replication stream applied on a secondary. Each change
// names its origin: the ID a client's view of the engine carries (As), or
// 0 for what no client asked for (an expiry, an eviction, the primary's
// stream).

// Observer receives the keys changed. Its methods run under the engine
// lock: they must be quick and must not call back into the engine.
type Observer interface {
	// KeyChanged: key (of any database) was written, deleted, or had its
	// expiry changed.
	KeyChanged(origin int64, key string)
	// AllChanged: a database, or all of them, was emptied (FLUSHDB,
	// FLUSHALL) or replaced (a full resynchronisation).
	AllChanged(origin int64)
	// ChangesDone ends a critical section that reported changes.
	ChangesDone()
}

// SetObserver installs o (nil: none). Changes made after it returns are
// reported to it.
func (e *Engine) SetObserver(o Observer) {
	e.mu.Lock()
	e.obs = o
	e.mu.Unlock()
}

// As returns a view of the engine whose changes are reported to the
// Observer as origin's (a client ID). It shares everything else with e.
func (e *Engine) As(origin int64) *Engine {
	if e == nil {
		return nil
	}
	return &Engine{core: e.core, held: e.held, origin: origin}
}

// Origin returns the origin e's changes are reported with.
func (e *Engine) Origin() int64 { return e.origin }

// observeKey reports a change of key by origin, if anyone observes. The
// engine lock is held.
func (e *Engine) observeKey(origin int64, key string) {
	if e.obs != nil {
		e.obs.KeyChanged(origin, key)
		e.observed = true
	}
}

// observeAll reports that every key may have changed. The engine lock is
// held.
func (e *Engine) observeAll(origin int64) {
	if e.obs != nil {
		e.obs.AllChanged(origin)
		e.observed = true
	}
}

// observeDone ends the critical section's reports. The engine lock is
// held.
func (e *Engine) observeDone() {
	if e.observed {
		e.observed = false
		if e.obs != nil {
			e.obs.ChangesDone()
		}
	}
}

// observeEffect tells the Observer of ef, made by origin. The engine lock
// is held and there is an Observer.
func (e *Engine) observeEffect(origin int64, ef *Effect) {
	switch {
	case ef.Kind == EffectRename:
		// Both names change, the source first.
		if src, ok := e.renameFrom(ef); ok {
			e.observeKey(origin, src.key)
		}
		e.observeKey(origin, ef.Key)
	case signalsKey(ef):
		e.observeKey(origin, ef.Key)
	case ef.Kind == EffectFlushDB || ef.Kind == EffectFlushAll:
		e.observeAll(origin)
	}
}

// keyedEffect reports whether k changes one key (what the Observer and
// WATCH are told of); the database-wide kinds are reported on their own.
func keyedEffect(k EffectKind) bool {
	switch k {
	case EffectSet, EffectDelete, EffectExpire, EffectHashSet, EffectHashDel, EffectHash, EffectObject, EffectApply, EffectRename, EffectCopy:
		return true
	}
	return false
}

// expiredLocked counts and reports key of database d, just removed
// because its time passed: nobody's change.
func (e *Engine) expiredLocked(d int, key string) {
	e.stats.ExpiredKeys++
	e.emitAs(0, Effect{Kind: EffectDelete, DB: d, Key: key})
	e.notify(EventExpired, "expired", d, key)
}

// streamMetaOp returns the operation of ef when ef changes only a
// stream's metadata: its consumer groups (streamGroupOps) or its last ID
// (XSETID). Redis 7.0 does not count those as changes of the key: they
// touch no WATCH, invalidate no tracked key and wake no blocked reader,
// except that a destroyed group wakes its readers (to tell them -NOGROUP).
func streamMetaOp(ef *Effect) (string, bool) {
	if ef.Kind != EffectApply {
		return "", false
	}
	var op []byte
	_ = EachPacked(ef.Value, func(w []byte) bool { op = w; return false })
	if len(op) < 4 || op[0] != 'X' {
		return "", false
	}
	if _, ok := streamGroupOps[string(op)]; ok || string(op) == "XSETID" {
		return string(op), true
	}
	return "", false
}

// signalsKey reports whether ef is a change of its key that WATCH and the
// Observer are told of.
func signalsKey(ef *Effect) bool {
	if !keyedEffect(ef.Kind) {
		return false
	}
	_, meta := streamMetaOp(ef)
	return !meta
}

// wakesReaders reports whether ef may end the wait of a client blocked on
// its key.
func wakesReaders(ef *Effect) bool {
	op, meta := streamMetaOp(ef)
	return !meta || op == "XGDESTROY"
}
