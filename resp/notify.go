package resp

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nadb-server/nadb-server/engine"
)

// Keyspace notifications (notify-keyspace-events): every change the
// engine makes is named as Redis names it (engine.Events), and published,
// as Redis does, to __keyspace@<db>__:<key> with the event as the message
// (K) and to __keyevent@<db>__:<event> with the key as the message (E),
// for the classes chosen. A secondary tells the events of what it applies
// from its primary by the kind of each change (see engine.Engine.Apply).

// The flags beyond the engine's event classes.
const (
	notifyKeyspace uint32 = 1 << (16 + iota) // K
	notifyKeyevent                           // E
)

// notifyAll is Redis's A: every class but n (new) and m (keymiss).
const notifyAll = uint32(engine.EventGeneric | engine.EventString | engine.EventList | engine.EventSet |
	engine.EventHash | engine.EventZSet | engine.EventExpired | engine.EventEvicted | engine.EventStream | engine.EventModule)

// notifyLetters are the letters of the classes, in the order CONFIG GET
// shows them (m comes after K and E).
var notifyLetters = []struct {
	bit uint32
	ch  byte
}{
	{uint32(engine.EventGeneric), 'g'}, {uint32(engine.EventString), '$'}, {uint32(engine.EventList), 'l'},
	{uint32(engine.EventSet), 's'}, {uint32(engine.EventHash), 'h'}, {uint32(engine.EventZSet), 'z'},
	{uint32(engine.EventExpired), 'x'}, {uint32(engine.EventEvicted), 'e'}, {uint32(engine.EventStream), 't'},
	{uint32(engine.EventModule), 'd'}, {uint32(engine.EventNew), 'n'},
	{notifyKeyspace, 'K'}, {notifyKeyevent, 'E'}, {uint32(engine.EventKeyMiss), 'm'},
}

// errNotifyClass refuses a character that is no event class of Redis's.
var errNotifyClass = &OptionValueError{"Invalid event class character. Use 'Ag$lshzxeKEtmdn'."}

// ParseKeyspaceEvents reads a notify-keyspace-events value: its event
// classes in Redis's letters.
func ParseKeyspaceEvents(v string) (uint32, error) {
	var f uint32
	for i := 0; i < len(v); i++ {
		if v[i] == 'A' {
			f |= notifyAll
			continue
		}
		j := 0
		for j < len(notifyLetters) && notifyLetters[j].ch != v[i] {
			j++
		}
		if j == len(notifyLetters) {
			return 0, errNotifyClass
		}
		f |= notifyLetters[j].bit
	}
	return f, nil
}

// KeyspaceEventsString is f as CONFIG GET shows it, as Redis writes it:
// A for all its classes (and then not n), else each class, then K, E, m.
func KeyspaceEventsString(f uint32) string {
	var b strings.Builder
	all := f&notifyAll == notifyAll
	if all {
		b.WriteByte('A')
	}
	for _, l := range notifyLetters {
		inA := l.bit&notifyAll != 0 || l.bit == uint32(engine.EventNew)
		if f&l.bit != 0 && !(all && inA) {
			b.WriteByte(l.ch)
		}
	}
	return b.String()
}

// KeyspaceEventsLetters is f with one letter per class, in CONFIG GET's
// order, A spelled out: a form that ParseKeyspaceEvents reads back whole.
func KeyspaceEventsLetters(f uint32) string {
	var b strings.Builder
	for _, l := range notifyLetters {
		if f&l.bit != 0 {
			b.WriteByte(l.ch)
		}
	}
	return b.String()
}

// keyspaceEvents publishes the notifications (engine.Events).
type keyspaceEvents struct {
	hub   *hub
	flags atomic.Uint32
	// mu orders installing the listener in the engine with the changes
	// of flags.
	mu  sync.Mutex
	eng *engine.Engine
}

// set applies notify-keyspace-events: the engine tells of the classes
// chosen, and only while K or E says where to publish them.
func (n *keyspaceEvents) set(f uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.flags.Store(f)
	if n.eng == nil {
		return
	}
	if f&(notifyKeyspace|notifyKeyevent) != 0 {
		n.eng.SetEvents(n, engine.EventClass(f&0xffff))
	} else {
		n.eng.SetEvents(nil, 0)
	}
}

// KeyEvent implements engine.Events.
func (n *keyspaceEvents) KeyEvent(origin int64, event string, db int, key string) {
	f := n.flags.Load()
	d := strconv.Itoa(db)
	if f&notifyKeyspace != 0 {
		n.hub.publish([]byte("__keyspace@"+d+"__:"+key), []byte(event), origin)
	}
	if f&notifyKeyevent != 0 {
		n.hub.publish([]byte("__keyevent@"+d+"__:"+event), []byte(key), origin)
	}
}

// SetKeyspaceEvents applies notify-keyspace-events (a value
// ParseKeyspaceEvents accepts; anything else turns them off).
func (s *Server) SetKeyspaceEvents(v string) {
	f, _ := ParseKeyspaceEvents(v)
	s.notify.set(f)
}
