package engine

import (
	"cmp"
	"slices"
	"strconv"
)

// Blocking commands (BLPOP, BLMOVE, BLMPOP..., BZPOPMIN, BZMPOP...). A
// client whose keys are all empty registers a Waiter in the same
// critical section as its failed attempt (Block, inside a Group), so
// that no write can come in between. The engine keeps the waiters of
// each key in the order they blocked. At the end of every critical
// section of a primary (unlock), the keys its effects touched that have
// waiters are looked at: while such a key holds a non-empty value of a
// waiter's type, the longest waiting such waiter is served, under the
// same lock: its Serve pops with the Engine of the group, and its effects
// join the group's, so nothing can take the element first, and a push
// that Serve makes (BLMOVE) serves the waiters of its key in turn. The
// served waiter's Done channel is then closed; the client's goroutine,
// waiting on it, on its timeout, its connection and the server's stop,
// replies. A secondary applies its primary's effects without serving
// (nobody blocks there: blocking commands are writes), and SetRole to a
// secondary drops every waiter.

// WaitState is how a Waiter's wait ended.
type WaitState uint8

const (
	// Waiting: not ended yet.
	Waiting WaitState = iota
	// Served: Serve ran.
	Served
	// Cancelled: the client gave up (Cancel).
	Cancelled
	// Dropped: the engine became a secondary's.
	Dropped
)

// Waiter is one blocked client's wait for any of Keys of database DB to
// hold a non-empty value of type Type.
type Waiter struct {
	DB   int
	Keys []string
	Type ValueType
	// Serve runs, engine lock held, with the group's Engine, when key
	// (one of Keys) holds a non-empty value of Type and the waiter is
	// the longest waiting for it. It does the client's command on key;
	// what it returns to the client it keeps in its closure, which the
	// client reads once Done is closed.
	Serve func(tx *Engine, key string)
	// Ready, when set, says whether key's value, of Type, ends the wait
	// (a blocked XREAD waits for an entry after its ID, not for any
	// stream); nil: any non-empty value does. It only reads, with the
	// group's Engine.
	Ready func(tx *Engine, key string) bool
	// ServeGone also serves the waiter when a change leaves key without a
	// value of Type (deleted, or replaced by another type): a blocked
	// XREADGROUP is then told its stream is gone, as in Redis.
	ServeGone bool

	state WaitState
	done  chan struct{}
}

// Done is closed when the wait ends (served, or dropped).
func (w *Waiter) Done() <-chan struct{} { return w.done }

// waiters are the blocked clients (core.blk).
type waiters struct {
	keys map[watchKey][]*Waiter
	n    int // waiters registered, tested by every unlock
}

// Block registers w, which waits from now on. Call it inside a Group
// whose attempt found every key empty, so that no write comes in
// between. The client ends the wait with Cancel unless Done closes.
func (e *Engine) Block(w *Waiter) {
	e.lock()
	defer e.unlock()
	w.done = make(chan struct{})
	if e.blk.keys == nil {
		e.blk.keys = map[watchKey][]*Waiter{}
	}
	for _, k := range dedupKeys(w.Keys) {
		wk := watchKey{w.DB, k}
		e.blk.keys[wk] = append(e.blk.keys[wk], w)
	}
	e.blk.n++
}

func dedupKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		dup := false
		for _, o := range out {
			if o == k {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

// Cancel ends w's wait if it is still waiting, and returns how it ended:
// Cancelled, or Served or Dropped when that came first.
func (e *Engine) Cancel(w *Waiter) WaitState {
	e.lock()
	defer e.unlock()
	if w.state == Waiting {
		e.unregisterLocked(w)
		w.state = Cancelled
		close(w.done)
	}
	return w.state
}

// State returns how w's wait ended (Waiting while it has not). Read it
// once Done is closed.
func (e *Engine) State(w *Waiter) WaitState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return w.state
}

// Blocked returns the number of waiters.
func (e *Engine) Blocked() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.blk.n
}

// unregisterLocked removes w from the queues of its keys.
func (e *Engine) unregisterLocked(w *Waiter) {
	for _, k := range dedupKeys(w.Keys) {
		wk := watchKey{w.DB, k}
		q := e.blk.keys[wk]
		for i, x := range q {
			if x == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(e.blk.keys, wk)
		} else {
			e.blk.keys[wk] = q
		}
	}
	e.blk.n--
}

// dropWaitersLocked ends every wait as Dropped (the engine becomes a
// secondary's).
func (e *Engine) dropWaitersLocked() {
	for _, q := range e.blk.keys {
		for _, w := range q {
			if w.state == Waiting {
				w.state = Dropped
				close(w.done)
			}
		}
	}
	e.blk = waiters{}
}

// serveBlockedLocked serves the waiters of the keys the group's effects
// touched, in the order the effects came, the effects of the pops served
// included (see the top of this file).
func (e *Engine) serveBlockedLocked() {
	tx := &Engine{core: e.core, held: true}
	now := e.nowMs()
	for i := 0; i < len(e.effects) && e.blk.n > 0; i++ {
		ef := &e.effects[i]
		if ef.Kind == EffectFunctions || !wakesReaders(ef) {
			continue
		}
		if ef.Kind != EffectSwapDB && ef.Kind != EffectFlushDB && ef.Kind != EffectFlushAll {
			e.serveKeyLocked(tx, watchKey{ef.DB, ef.Key}, now)
			continue
		}
		// SWAPDB can give any waited key of either database a value, as
		// Redis finds by scanning the blocked keys of both; a flush takes
		// every key of its databases away (told to the waiters that are
		// told of that, ServeGone).
		other, _ := strconv.Atoi(string(ef.Value))
		var ready []watchKey
		for wk := range e.blk.keys {
			if ef.Kind == EffectFlushAll || wk.db == ef.DB || (ef.Kind == EffectSwapDB && wk.db == other) {
				ready = append(ready, wk)
			}
		}
		slices.SortFunc(ready, func(a, b watchKey) int {
			return cmp.Or(cmp.Compare(a.db, b.db), cmp.Compare(a.key, b.key))
		})
		for _, wk := range ready {
			e.serveKeyLocked(tx, wk, now)
		}
	}
}

// serveKeyLocked serves, longest waiting first, the waiters of key wk
// while it holds a non-empty value of a waiter's type.
func (e *Engine) serveKeyLocked(tx *Engine, wk watchKey, now int64) {
	for {
		q := e.blk.keys[wk]
		if len(q) == 0 {
			return
		}
		en, ok := e.findLocked(wk.db, wk.key, now)
		var w *Waiter
		for _, x := range q {
			holds := ok && collKind(x.Type) == en.kind
			if (holds && (x.Ready == nil || x.Ready(tx, wk.key))) || (!holds && x.ServeGone) {
				w = x
				break
			}
		}
		if w == nil {
			return
		}
		e.unregisterLocked(w)
		w.state = Served
		w.Serve(tx, wk.key)
		close(w.done)
	}
}
