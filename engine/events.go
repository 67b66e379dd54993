package engine

import "strings"

// Keyspace events, for keyspace notifications (notify-keyspace-events).
// The engine names each change as Redis does when it notifies: the event
// ("set", "lpush", "del", "expired"...), its class, the database and the
// key, at the moment the change is made, so that the events of one command
// come in Redis's order. Events are told only while some class is wanted,
// and only of changes made here: a command's, an expiry's, an eviction's,
// or, on a replica, one applied from the primary's stream (named after its
// effect, see applyEvents).

// EventClass is a class of keyspace events, one of Redis's
// notify-keyspace-events letters.
type EventClass uint16

const (
	EventGeneric EventClass = 1 << iota // g: DEL, EXPIRE, RENAME...
	EventString                         // $
	EventList                           // l
	EventSet                            // s
	EventHash                           // h
	EventZSet                           // z
	EventExpired                        // x: a key removed because its time passed
	EventEvicted                        // e: a key evicted under maxmemory
	EventStream                         // t (no streams here: never told)
	EventModule                         // d (no modules here: never told)
	EventNew                            // n: a key added to a database
	EventKeyMiss                        // m: a read that did not find its key
)

// Events hears of keyspace events. KeyEvent runs under the engine lock, in
// order: it must be quick and must not call back into the engine. key is
// its own copy; origin is who made the change, as the Observer is told
// (see As): a client ID, or 0.
type Events interface {
	KeyEvent(origin int64, event string, db int, key string)
}

// SetEvents installs l, told of the events of the classes given (nil or
// none: no events).
func (e *Engine) SetEvents(l Events, classes EventClass) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l == nil {
		classes = 0
	}
	e.events, e.eventClasses = l, classes
}

// notify tells of event, of class, on key of database d. The engine lock
// is held. The key is copied only when the event is told, so that a
// caller's string(b) conversion does not escape.
func (e *Engine) notify(class EventClass, event string, d int, key string) {
	if e.eventClasses&class != 0 {
		e.events.KeyEvent(e.origin, event, d, strings.Clone(key))
	}
}

// notifyEmptied tells event, of class, on key of database d, then "del"
// when the change left the key empty and removed it, as Redis tells a
// command that empties a list, set, sorted set or hash.
func (e *Engine) notifyEmptied(class EventClass, event string, d int, key string, emptied bool) {
	e.notify(class, event, d, key)
	if emptied {
		e.notify(EventGeneric, "del", d, key)
	}
}

// applyEventsLocked tells the events of ef, a change applied from the
// primary's stream (deletions and expiries are told by applyLocked). The
// command that made it is not known here, so each is named by its kind:
// "set" for any string write (INCR, APPEND... included), "hset" and
// "hdel" for hashes, the operation for a list, set or sorted set change
// ("lpush", "srem", "zadd"...; "del" after one that emptied the key), and
// for a whole collection stored at once (a STORE, a RENAME) the event of
// building it: "rpush", "sadd" or "zadd".
func (e *Engine) applyEventsLocked(ef *Effect) {
	d, key := ef.DB, ef.Key
	switch ef.Kind {
	case EffectSet:
		e.notify(EventString, "set", d, key)
		if ef.ExpireAt != 0 {
			e.notify(EventGeneric, "expire", d, key)
		}
	case EffectRename:
		sd, src, err := renameSource(ef.Value, len(e.dbs))
		if err != nil {
			return
		}
		from, to := "rename_from", "rename_to"
		if sd != d {
			from, to = "move_from", "move_to"
		}
		e.notify(EventGeneric, from, sd, string(src))
		e.notify(EventGeneric, to, d, key)
	case EffectCopy:
		e.notify(EventGeneric, "copy_to", d, key)
	case EffectHashSet, EffectHash:
		e.notify(EventHash, "hset", d, key)
	case EffectHashDel:
		_, live := e.getLocked(d, key)
		e.notifyEmptied(EventHash, "hdel", d, key, !live)
	case EffectObject:
		switch ef.Type {
		case TypeList:
			e.notify(EventList, "rpush", d, key)
		case TypeSet:
			e.notify(EventSet, "sadd", d, key)
		case TypeZSet:
			e.notify(EventZSet, "zadd", d, key)
		case TypeStream:
			e.notify(EventStream, "xadd", d, key)
		}
	case EffectApply:
		var words [][]byte
		_ = EachPacked(ef.Value, func(w []byte) bool { words = append(words, w); return len(words) < 3 })
		if len(words) == 0 {
			return
		}
		op, ok := applyOps(string(words[0]))
		if !ok {
			return
		}
		class := EventList
		switch op.typ {
		case TypeString: // a patch of a long string: "set", as whole
			e.notify(EventString, "set", d, key)
			return
		case TypeSet:
			class = EventSet
		case TypeZSet:
			class = EventZSet
		case TypeStream:
			class = EventStream
		}
		_, live := e.getLocked(d, key)
		if string(words[0]) == "LMOVE" && len(words) == 3 {
			// A list's element moved from one end to an end: a push
			// then a pop, as Redis tells LMOVE of a key to itself.
			e.notify(class, listEvent(true, string(words[2]) == "LEFT"), d, key)
			e.notify(class, listEvent(false, string(words[1]) == "LEFT"), d, key)
			return
		}
		e.notifyEmptied(class, strings.ToLower(string(words[0])), d, key, !live)
	}
}
