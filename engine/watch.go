package engine

// WATCH. The engine counts the changes to every key some client watches,
// so that EXEC can tell whether one was touched since WATCH: by any
// client's write (its own included, as in Redis), by an expiry, by FLUSHDB
// or FLUSHALL, or by the replication stream on a secondary. Keys nobody
// watches cost one integer test per change.

// watchKey names a key of a database.
type watchKey struct {
	db  int
	key string
}

// watched is a watched key's change count and how many watches hold it.
type watched struct {
	version uint64
	refs    int
}

// watches is the keys being watched (core.watch).
type watches struct {
	keys map[watchKey]*watched
	n    int // len(keys), tested by every change
}

// Watch is one client's watch of one key (see Engine.Watch).
type Watch struct {
	db      int
	key     string
	w       *watched
	version uint64
	// expired: the key did not exist, or its time had passed, at WATCH.
	// A key that was live then and whose time has passed since fails the
	// EXEC even if nothing deleted it yet, as Redis checks.
	expired bool
}

// Watch starts watching key of database d. The caller ends the watch with
// Unwatch.
func (e *Engine) Watch(d int, key string) Watch {
	e.lock()
	defer e.unlock()
	if e.watch.keys == nil {
		e.watch.keys = map[watchKey]*watched{}
	}
	k := watchKey{d, key}
	w := e.watch.keys[k]
	if w == nil {
		w = &watched{}
		e.watch.keys[k] = w
		e.watch.n++
	}
	w.refs++
	_, live := e.findLocked(d, key, e.nowMs())
	return Watch{db: d, key: key, w: w, version: w.version, expired: !live}
}

// Unwatch ends the watches given.
func (e *Engine) Unwatch(ws []Watch) {
	if len(ws) == 0 {
		return
	}
	e.lock()
	defer e.unlock()
	for i := range ws {
		w := ws[i].w
		if w.refs--; w.refs == 0 {
			delete(e.watch.keys, watchKey{ws[i].db, ws[i].key})
			e.watch.n--
		}
	}
}

// Touched reports whether any of the watched keys changed since it was
// watched, or was live then and has expired since. Called on the Engine a
// Group hands out, it is part of the group: EXEC checks and runs in one
// critical section.
func (e *Engine) Touched(ws []Watch) bool {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	for i := range ws {
		wt := &ws[i]
		if wt.w.version != wt.version {
			return true
		}
		if !wt.expired {
			if _, live := e.findLocked(wt.db, wt.key, now); !live {
				return true
			}
		}
	}
	return false
}

// touchWatchedLocked counts a change of ef's key, if watched.
func (e *Engine) touchWatchedLocked(ef *Effect) {
	if !signalsKey(ef) {
		return
	}
	if ef.Kind == EffectRename {
		if src, ok := e.renameFrom(ef); ok {
			if w := e.watch.keys[src]; w != nil {
				w.version++
			}
		}
	}
	if w := e.watch.keys[watchKey{ef.DB, ef.Key}]; w != nil {
		w.version++
	}
}

// touchWatchedDBLocked counts a change of every watched key of database d
// that exists (FLUSHDB, FLUSHALL: a key that was not there is not changed
// by emptying its database). d < 0 counts every watched key (a full
// resynchronisation replaced the dataset).
func (e *Engine) touchWatchedDBLocked(d int) {
	for k, w := range e.watch.keys {
		switch {
		case d < 0:
			w.version++
		case k.db == d && e.dbs[d].keys.Find(k.key) >= 0:
			w.version++
		}
	}
}
