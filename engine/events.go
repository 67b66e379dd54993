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
// its own copy.
type Events interface {
	KeyEvent(event string, db int, key string)
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
		e.events.KeyEvent(event, d, strings.Clone(key))
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

// notifying reports whether events of class are told (to spare work that
// only names an event).
func (e *Engine) notifying(class EventClass) bool { return e.eventClasses&class != 0 }
