package resp

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nadb-server/nadb-server/engine"
)

// Keyspace notifications (notify-keyspace-events), for the classes this
// server produces: x, a key removed because its time passed ("expired"),
// and e, a key evicted under maxmemory ("evicted"); published, as Redis
// does, to __keyspace@<db>__:<key> with the event as the message (class
// K) and to __keyevent@<db>__:<event> with the key as the message (class
// E). Like Redis, a primary sends them when it removes the key (a read
// that finds it expired, the active expiry cycle, an eviction); a
// secondary, which removes nothing on its own, sends none. The other
// classes (generic commands, strings, lists...) are refused with an error
// that says so, rather than accepted and never sent.

// Keyspace event class bits.
const (
	notifyKeyspace uint32 = 1 << iota // K
	notifyKeyevent                    // E
	notifyExpired                     // x
	notifyEvicted                     // e
)

// errNotifyClass refuses a character that is no event class of Redis's.
var errNotifyClass = &OptionValueError{"Invalid event class character. Use 'Ag$lshzxeKEtmdn'."}

// ParseKeyspaceEvents reads a notify-keyspace-events value: its event
// classes in Redis's letters. Classes Redis has and this server does not
// produce are refused with an error naming them.
func ParseKeyspaceEvents(v string) (uint32, error) {
	var f uint32
	var missing strings.Builder
	for _, ch := range v {
		switch ch {
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 'x':
			f |= notifyExpired
		case 'e':
			f |= notifyEvicted
		case 'A', 'g', '$', 'l', 's', 'h', 'z', 't', 'm', 'd', 'n':
			if !strings.ContainsRune(missing.String(), ch) {
				missing.WriteRune(ch)
			}
		default:
			return 0, errNotifyClass
		}
	}
	if missing.Len() > 0 {
		return 0, &OptionValueError{"keyspace notifications of class '" + missing.String() +
			"' are not implemented: only K, E, x (expired) and e (evicted)"}
	}
	return f, nil
}

// KeyspaceEventsString is f as CONFIG GET shows it, in Redis's order.
func KeyspaceEventsString(f uint32) string {
	var b strings.Builder
	for _, c := range []struct {
		bit uint32
		ch  byte
	}{{notifyExpired, 'x'}, {notifyEvicted, 'e'}, {notifyKeyspace, 'K'}, {notifyKeyevent, 'E'}} {
		if f&c.bit != 0 {
			b.WriteByte(c.ch)
		}
	}
	return b.String()
}

// keyspaceEvents publishes the notifications (engine.Removals).
type keyspaceEvents struct {
	hub   *hub
	flags atomic.Uint32
	// mu orders installing the listener in the engine with the changes
	// of flags.
	mu  sync.Mutex
	eng *engine.Engine
}

// set applies notify-keyspace-events: the engine tells of removals only
// while some notification is to be sent.
func (n *keyspaceEvents) set(f uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.flags.Store(f)
	if n.eng == nil {
		return
	}
	if f&(notifyKeyspace|notifyKeyevent) != 0 && f&(notifyExpired|notifyEvicted) != 0 {
		n.eng.SetRemovals(n)
	} else {
		n.eng.SetRemovals(nil)
	}
}

// Removed implements engine.Removals.
func (n *keyspaceEvents) Removed(db int, key string, evicted bool) {
	f := n.flags.Load()
	event, class := "expired", notifyExpired
	if evicted {
		event, class = "evicted", notifyEvicted
	}
	if f&class == 0 {
		return
	}
	d := strconv.Itoa(db)
	if f&notifyKeyspace != 0 {
		n.hub.publish([]byte("__keyspace@"+d+"__:"+key), []byte(event))
	}
	if f&notifyKeyevent != 0 {
		n.hub.publish([]byte("__keyevent@"+d+"__:"+event), []byte(key))
	}
}

// SetKeyspaceEvents applies notify-keyspace-events (a value
// ParseKeyspaceEvents accepts; anything else turns them off).
func (s *Server) SetKeyspaceEvents(v string) {
	f, _ := ParseKeyspaceEvents(v)
	s.notify.set(f)
}
