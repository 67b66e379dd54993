package replication

import (
	"errors"
	"math"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// ErrCompacted is returned when a position has already left the log.
var ErrCompacted = errors.New("position is no longer in the operation log")

// Entry is one logged operation: an engine effect with its sequence number.
type Entry struct {
	Seq    uint64
	Effect engine.Effect // Value bytes are shared with the engine, never modified
	Group  int           // size of the atomic group the entry belongs to (1: alone)
	TimeMs int64         // when it was logged, Unix milliseconds
}

// OpLog is what a primary's senders need from the operation log.
type OpLog interface {
	// Last returns the sequence of the newest entry (0 when none ever).
	Last() uint64
	// First returns the oldest sequence still readable.
	First() uint64
	// Read appends to buf the entries from seq on, at most max of them. It
	// returns ErrCompacted when seq has left the log.
	Read(seq uint64, max int, buf []Entry) ([]Entry, error)
	// TimeOf returns when entry seq was logged, if it is still in the log.
	TimeOf(seq uint64) (int64, bool)
	// Subscribe returns a channel that receives a value (coalesced) after
	// each append, and a function that unsubscribes.
	Subscribe() (<-chan struct{}, func())
	// Pin keeps entries from seq on in the log, beyond its normal size,
	// until unpin is called (a full sync in progress needs them).
	Pin(seq uint64) (unpin func())
}

// MemLog is a bounded in-memory OpLog. It is also the engine.Sink of a
// primary: Record runs under the engine lock, so sequence order is apply
// order. It keeps the newest size entries, and more while a pin needs them
// (each connected secondary pins its position, so a burst of writes does
// not cut off a secondary that is briefly behind), up to hardSize entries,
// beyond which pins no longer hold: like Redis's replica output buffer
// limit, that bounds memory and sends a hopelessly slow secondary to a full
// resync.
type MemLog struct {
	size, hardSize int
	dbs            int // a FLUSHALL is logged as one FLUSH per database
	now            func() time.Time

	mu    sync.Mutex // guards everything below
	ring  []Entry    // circular; len is a power of two
	head  int        // index of the oldest entry
	n     int        // number of entries
	first uint64     // sequence of ring[head] (when n > 0), else next sequence
	subs  map[*chan struct{}]struct{}
	pins  map[*uint64]struct{}
	// minPin is the smallest pinned sequence (MaxUint64 when none); kept
	// up to date by Pin so the write path need not scan the pins.
	minPin uint64
	aof    *AOF // when set, every entry is appended to it as it is logged
}

// SetAOF makes the log append every entry it records from now on to a.
func (l *MemLog) SetAOF(a *AOF) {
	l.mu.Lock()
	l.aof = a
	l.mu.Unlock()
}

// NewMemLog returns an empty log of size entries whose next sequence is
// next, for an engine of dbs databases.
func NewMemLog(size, dbs int, next uint64, now func() time.Time) *MemLog {
	if size < 1 {
		size = 1
	}
	if next == 0 {
		next = 1
	}
	return &MemLog{
		size:     size,
		hardSize: max(size*10, 1_000_000),
		dbs:      dbs,
		now:      now,
		ring:     make([]Entry, 16),
		first:    next,
		subs:     map[*chan struct{}]struct{}{},
		pins:     map[*uint64]struct{}{},
		minPin:   math.MaxUint64,
	}
}

// Record implements engine.Sink. A FlushAll effect becomes one FLUSH per
// database, so each entry maps to one NADB frame.
func (l *MemLog) Record(effects []engine.Effect) {
	now := l.now().UnixMilli()
	l.mu.Lock()
	n := 0
	for _, ef := range effects {
		if ef.Kind == engine.EffectFlushAll {
			n += l.dbs
		} else {
			n++
		}
	}
	seq := l.first + uint64(l.n)
	end := seq + uint64(n) - 1 // the group's last sequence
	push := func(e Entry) {
		l.pushLocked(e)
		if l.aof != nil {
			l.aof.add(&e, e.Seq == end)
		}
	}
	for _, ef := range effects {
		if ef.Kind == engine.EffectFlushAll {
			for db := range l.dbs {
				push(Entry{Seq: seq, Effect: engine.Effect{Kind: engine.EffectFlushDB, DB: db}, Group: n, TimeMs: now})
				seq++
			}
			continue
		}
		push(Entry{Seq: seq, Effect: ef, Group: n, TimeMs: now})
		seq++
	}
	if l.n > l.size {
		l.evictLocked()
	}
	for c := range l.subs {
		select {
		case *c <- struct{}{}:
		default:
		}
	}
	l.mu.Unlock()
}

func (l *MemLog) pushLocked(e Entry) {
	if l.n == len(l.ring) {
		l.evictLocked()
		if l.n == len(l.ring) {
			l.growLocked()
		}
	}
	l.ring[(l.head+l.n)&(len(l.ring)-1)] = e
	l.n++
}

// evictLocked drops the oldest entries beyond size, but not those a pin
// needs unless the log has reached hardSize.
func (l *MemLog) evictLocked() {
	for l.n > l.size && (l.first < l.minPin || l.n > l.hardSize) {
		l.ring[l.head] = Entry{}
		l.head = (l.head + 1) & (len(l.ring) - 1)
		l.n--
		l.first++
	}
}

func (l *MemLog) growLocked() {
	nr := make([]Entry, len(l.ring)*2)
	for i := range l.n {
		nr[i] = l.ring[(l.head+i)&(len(l.ring)-1)]
	}
	l.ring, l.head = nr, 0
}

// Last implements OpLog.
func (l *MemLog) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first + uint64(l.n) - 1
}

// First implements OpLog.
func (l *MemLog) First() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

// Read implements OpLog.
func (l *MemLog) Read(seq uint64, max int, buf []Entry) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.first {
		return buf, ErrCompacted
	}
	off := seq - l.first
	for i := off; i < uint64(l.n) && max > 0; i++ {
		buf = append(buf, l.ring[(uint64(l.head)+i)&uint64(len(l.ring)-1)])
		max--
	}
	return buf, nil
}

// TimeOf implements OpLog.
func (l *MemLog) TimeOf(seq uint64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.first || seq >= l.first+uint64(l.n) {
		return 0, false
	}
	return l.ring[(uint64(l.head)+seq-l.first)&uint64(len(l.ring)-1)].TimeMs, true
}

// Subscribe implements OpLog.
func (l *MemLog) Subscribe() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	l.mu.Lock()
	l.subs[&c] = struct{}{}
	l.mu.Unlock()
	return c, func() {
		l.mu.Lock()
		delete(l.subs, &c)
		l.mu.Unlock()
	}
}

// Pin implements OpLog.
func (l *MemLog) Pin(seq uint64) func() {
	p := new(uint64)
	*p = seq
	l.mu.Lock()
	l.pins[p] = struct{}{}
	l.minPin = min(l.minPin, seq)
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.pins, p)
		l.minPin = math.MaxUint64
		for q := range l.pins {
			l.minPin = min(l.minPin, *q)
		}
		l.mu.Unlock()
	}
}
