package engine

import (
	"bytes"
	"math"
	"strconv"
)

// The list commands. Each runs in one critical section and reports what
// it changed as EffectApply operations (listApplyOps): a command that
// changes two keys (LMOVE) reports one per key, in its group. Elements
// returned are copies.

// listRead returns key's list for a read (nil when missing).
func (e *Engine) listRead(d int, key string) (*listObj, error) {
	c, err := e.collRead(d, key, TypeList)
	if c == nil {
		return nil, err
	}
	return c.(*listObj), nil
}

// listWrite returns key's entry and list for a change (nil when missing).
func (e *Engine) listWrite(d int, key string) (entry, *listObj, bool, error) {
	en, c, found, err := e.collWrite(d, key, TypeList)
	if c == nil {
		return en, nil, found, err
	}
	return en, c.(*listObj), found, nil
}

func word(s string) []byte { return []byte(s) }

func intWord(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// pushOp is the operation that pushes at the head (left) or the tail.
func pushOp(left bool) []byte {
	if left {
		return word("LPUSH")
	}
	return word("RPUSH")
}

// listEvent is the keyspace event of a push or a pop at the head (left)
// or the tail.
func listEvent(push, left bool) string {
	switch {
	case push && left:
		return "lpush"
	case push:
		return "rpush"
	case left:
		return "lpop"
	}
	return "rpop"
}

// LPush pushes elems, in order, at the head (left) or the tail of key's
// list, creating it unless onlyExisting (LPUSHX, RPUSHX: a missing key
// stays missing), and returns the new length (0 when nothing was pushed).
func (e *Engine) LPush(d int, key string, elems [][]byte, left, onlyExisting bool) (int, error) {
	e.lock()
	defer e.unlock()
	return e.pushLocked(d, key, elems, left, onlyExisting)
}

func (e *Engine) pushLocked(d int, key string, elems [][]byte, left, onlyExisting bool) (int, error) {
	en, l, found, err := e.listWrite(d, key)
	if err != nil {
		return 0, err
	}
	if !found {
		if onlyExisting {
			return 0, nil
		}
		l = newListObj(e.climits.ListSize)
	}
	for _, x := range elems {
		if left {
			l.pushFront(x)
		} else {
			l.pushBack(x)
		}
	}
	k := keyOf(&en, found, key)
	e.saveColl(d, key, &en, found, l)
	e.emitApply(d, k, append([][]byte{pushOp(left)}, elems...)...)
	e.notify(EventList, listEvent(true, left), d, k)
	return l.n, nil
}

// LPop pops up to count elements from the head (left) or the tail of
// key's list. found is false when the key is missing.
func (e *Engine) LPop(d int, key string, left bool, count int) (elems [][]byte, found bool, err error) {
	e.lock()
	defer e.unlock()
	return e.popLocked(d, key, left, count)
}

func (e *Engine) popLocked(d int, key string, left bool, count int) ([][]byte, bool, error) {
	en, l, found, err := e.listWrite(d, key)
	if err != nil || !found {
		return nil, false, err
	}
	out := l.pop(left, count)
	if len(out) == 0 {
		return out, true, nil // LPOP key 0: nothing changed, as in Redis
	}
	k := en.key
	e.saveColl(d, key, &en, found, l)
	op := word("RPOP")
	if left {
		op = word("LPOP")
	}
	e.emitApply(d, k, op, intWord(int64(len(out))))
	e.notifyEmptied(EventList, listEvent(false, left), d, k, l.n == 0)
	return out, true, nil
}

// LLen returns the length of key's list (0 when missing).
func (e *Engine) LLen(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	l, err := e.listRead(d, key)
	if l == nil {
		return 0, err
	}
	return l.n, nil
}

// LRange returns elements start..stop of key's list, negative indexes
// counting from the tail, as Redis clamps them.
func (e *Engine) LRange(d int, key string, start, stop int64) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	l, err := e.listRead(d, key)
	if l == nil {
		return nil, err
	}
	n := int64(l.n)
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return [][]byte{}, nil
	}
	stop = min(stop, n-1)
	out := make([][]byte, 0, stop-start+1)
	l.each(int(start), int(stop), func(x []byte) bool {
		out = append(out, append([]byte(nil), x...))
		return true
	})
	return out, nil
}

// LIndex returns element i of key's list (negative: from the tail); ok
// is false when the key is missing or i is out of range.
func (e *Engine) LIndex(d int, key string, i int64) (elem []byte, ok bool, err error) {
	e.lock()
	defer e.unlock()
	l, err := e.listRead(d, key)
	if l == nil {
		return nil, false, err
	}
	if i < 0 {
		i += int64(l.n)
	}
	if i < 0 || i >= int64(l.n) {
		return nil, false, nil
	}
	return append([]byte(nil), l.index(int(i))...), true, nil
}

// LSet replaces element i of key's list (negative: from the tail):
// ErrNoSuchKey when the key is missing, ErrIndexOutOfRange when i is.
func (e *Engine) LSet(d int, key string, i int64, elem []byte) error {
	e.lock()
	defer e.unlock()
	en, l, found, err := e.listWrite(d, key)
	switch {
	case err != nil:
		return err
	case !found:
		return ErrNoSuchKey
	}
	if i < 0 {
		i += int64(l.n)
	}
	if i < 0 || i >= int64(l.n) {
		return ErrIndexOutOfRange
	}
	l.set(int(i), elem)
	e.saveColl(d, key, &en, found, l)
	e.emitApply(d, en.key, word("LSET"), intWord(i), elem)
	e.notify(EventList, "lset", d, en.key)
	return nil
}

// LInsert puts elem before (or after) the first element equal to pivot
// and returns the new length: 0 when the key is missing, -1 when pivot
// is not there.
func (e *Engine) LInsert(d int, key string, before bool, pivot, elem []byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, l, found, err := e.listWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	at, i := -1, 0
	l.each(0, l.n-1, func(x []byte) bool {
		if string(x) == string(pivot) {
			at = i
			return false
		}
		i++
		return true
	})
	if at < 0 {
		return -1, nil
	}
	if !before {
		at++
	}
	l.insert(at, elem)
	e.saveColl(d, key, &en, found, l)
	e.emitApply(d, en.key, word("LINSERT"), intWord(int64(at)), elem)
	e.notify(EventList, "linsert", d, en.key)
	return l.n, nil
}

// LRem removes up to |count| elements equal to elem (all when 0), from
// the tail when count < 0, and returns how many it removed.
func (e *Engine) LRem(d int, key string, count int64, elem []byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, l, found, err := e.listWrite(d, key)
	if err != nil || !found {
		return 0, err
	}
	n := l.removeMatching(count, elem)
	if n > 0 {
		k := en.key
		e.saveColl(d, key, &en, found, l)
		e.emitApply(d, k, word("LREM"), intWord(count), elem)
		e.notifyEmptied(EventList, "lrem", d, k, l.n == 0)
	}
	return n, nil
}

// LTrim keeps elements start..stop of key's list, as Redis clamps them,
// removing the key when nothing is left.
func (e *Engine) LTrim(d int, key string, start, stop int64) error {
	e.lock()
	defer e.unlock()
	en, l, found, err := e.listWrite(d, key)
	if err != nil || !found {
		return err
	}
	n := int64(l.n)
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	k := en.key
	if start > stop || start >= n {
		e.removeLocked(d, &en)
		e.emit(Effect{Kind: EffectDelete, DB: d, Key: k})
		e.notifyEmptied(EventList, "ltrim", d, k, true)
		return nil
	}
	stop = min(stop, n-1)
	if start == 0 && stop == n-1 {
		// Nothing to trim, nothing to log; a WATCH of the key still
		// sees a change, and the event is told, as in Redis.
		if e.watch.n > 0 {
			e.touchWatchedLocked(&Effect{Kind: EffectApply, DB: d, Key: k})
		}
		e.notify(EventList, "ltrim", d, k)
		return nil
	}
	l.trim(int(start), int(stop))
	e.saveColl(d, key, &en, found, l)
	e.emitApply(d, k, word("LTRIM"), intWord(start), intWord(stop))
	e.notify(EventList, "ltrim", d, k)
	return nil
}

// LPosOptions are LPOS's RANK, COUNT and MAXLEN (checked by the caller):
// Rank non-zero; Count 0 for all matches, -1 when COUNT was not given;
// MaxLen 0 for no limit.
type LPosOptions struct {
	Rank, Count, MaxLen int64
}

// LPos returns the indexes of the elements equal to elem, as LPOS finds
// them.
func (e *Engine) LPos(d int, key string, elem []byte, o LPosOptions) ([]int64, error) {
	e.lock()
	defer e.unlock()
	l, err := e.listRead(d, key)
	if l == nil {
		return nil, err
	}
	want := o.Count
	if want < 0 {
		want = 1
	}
	// Matches to pass over first; Redis's most negative rank passes
	// over none.
	skip := max(o.Rank, -o.Rank) - 1
	if o.Rank == math.MinInt64 {
		skip = 0
	}
	var out []int64
	var seen int64
	i, step := int64(0), int64(1)
	if o.Rank <= 0 {
		i, step = int64(l.n-1), -1
	}
	// One closure for the whole walk (one per element cost an allocation
	// each: a million for a long list).
	visit := func(x []byte) bool {
		seen++
		if bytes.Equal(x, elem) {
			if skip > 0 {
				skip--
			} else {
				out = append(out, i)
			}
		}
		i += step
		return (o.MaxLen == 0 || seen < o.MaxLen) && (want == 0 || int64(len(out)) < want)
	}
	if o.Rank > 0 {
		l.each(0, l.n-1, visit)
	} else {
		l.eachReverse(0, l.n-1, visit)
	}
	return out, nil
}

// LMove pops an element from the head (fromLeft) or the tail of src and
// pushes it at the head (toLeft) or the tail of dst, and returns it; ok
// is false when src is missing. ErrWrongType when either key holds
// another type (nothing moves).
func (e *Engine) LMove(d int, src, dst string, fromLeft, toLeft bool) (elem []byte, ok bool, err error) {
	e.lock()
	defer e.unlock()
	return e.moveLocked(d, src, dst, fromLeft, toLeft)
}

func endWord(left bool) []byte {
	if left {
		return word("LEFT")
	}
	return word("RIGHT")
}

func (e *Engine) moveLocked(d int, src, dst string, fromLeft, toLeft bool) ([]byte, bool, error) {
	en, l, found, err := e.listWrite(d, src)
	if err != nil || !found {
		return nil, false, err
	}
	if _, err := e.collPeek(d, dst, TypeList); err != nil {
		return nil, false, err
	}
	if src == dst {
		var x []byte
		if fromLeft {
			x = l.index(0)
		} else {
			x = l.index(l.n - 1)
		}
		x = append([]byte(nil), x...)
		l.rotate(fromLeft, toLeft)
		e.saveColl(d, src, &en, found, l)
		e.emitApply(d, en.key, word("LMOVE"), endWord(fromLeft), endWord(toLeft))
		e.notify(EventList, listEvent(true, toLeft), d, en.key)
		e.notify(EventList, listEvent(false, fromLeft), d, en.key)
		return x, true, nil
	}
	// The push first, then the pop, as Redis tells their events (the
	// keys differ: the order changes nothing else).
	var x []byte
	if fromLeft {
		x = l.index(0)
	} else {
		x = l.index(l.n - 1)
	}
	x = append([]byte(nil), x...)
	if _, err := e.pushLocked(d, dst, [][]byte{x}, toLeft, false); err != nil {
		return nil, false, err // not reached: dst was checked
	}
	e.popLocked(d, src, fromLeft, 1)
	return x, true, nil
}

// LMPop pops up to count elements from the head (left) or the tail of
// the first non-empty list among keys, and returns its key; key is ""
// when every list is missing. ErrWrongType when a key met before the
// first list holds another type.
func (e *Engine) LMPop(d int, keys []string, left bool, count int) (key string, elems [][]byte, err error) {
	e.lock()
	defer e.unlock()
	return e.mpopLocked(d, keys, left, count)
}

func (e *Engine) mpopLocked(d int, keys []string, left bool, count int) (string, [][]byte, error) {
	for _, k := range keys {
		out, found, err := e.popLocked(d, k, left, count)
		if err != nil {
			return "", nil, err
		}
		if found {
			return k, out, nil
		}
	}
	return "", nil, nil
}
