package engine

import "slices"

// SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD. As in Redis
// 7.0, every key is looked at first (a missing key is an empty set, one
// holding another type fails the whole command with WRONGTYPE), and the
// union and difference are built as a new set (an intset when their
// members allow it) whose order is the reply's, so that integer results
// come ascending as Redis's do. An intersection answers in the order of
// its smallest set.

// SetOp is the operation of SetAlgebra and SetAlgebraStore.
type SetOp uint8

const (
	SetInter SetOp = iota // members of every set
	SetUnion              // members of any set
	SetDiff               // members of the first set and of no other
)

// readSets returns keys' sets (nil for a missing key), or ErrWrongType
// when any key holds another type.
func (e *Engine) readSets(d int, keys []string) ([]*setObj, error) {
	sets := make([]*setObj, len(keys))
	for i, k := range keys {
		s, err := e.setRead(d, k)
		if err != nil {
			return nil, err
		}
		sets[i] = s
	}
	return sets, nil
}

// interEach calls fn for the members of the intersection of sets in the
// order of the smallest, until fn returns false. The bytes are valid only
// during fn.
func interEach(sets []*setObj, fn func(m []byte) bool) {
	if slices.Contains(sets, nil) {
		return
	}
	sorted := slices.Clone(sets)
	slices.SortStableFunc(sorted, func(a, b *setObj) int { return a.length() - b.length() })
	sorted[0].each(func(m []byte) bool {
		for _, o := range sorted[1:] {
			if o != sorted[0] && !o.has(m) {
				return true
			}
		}
		return fn(m)
	})
}

// setResult computes op over sets as a new set, whose members are copies.
func setResult(op SetOp, sets []*setObj, maxInts int64) *setObj {
	out := &setObj{}
	switch op {
	case SetInter:
		interEach(sets, func(m []byte) bool {
			out.add(m, maxInts)
			return true
		})
	case SetUnion:
		for _, s := range sets {
			if s != nil {
				s.each(func(m []byte) bool {
					out.add(m, maxInts)
					return true
				})
			}
		}
	case SetDiff:
		if sets[0] == nil {
			break
		}
		sets[0].each(func(m []byte) bool {
			for _, o := range sets[1:] {
				if o != nil && o.has(m) {
					return true
				}
			}
			out.add(m, maxInts)
			return true
		})
	}
	return out
}

// SetAlgebra returns the members of op over keys' sets (SINTER, SUNION,
// SDIFF).
func (e *Engine) SetAlgebra(d int, op SetOp, keys []string) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	sets, err := e.readSets(d, keys)
	if err != nil {
		return nil, err
	}
	if op != SetInter {
		return setResult(op, sets, e.climits.SetInts).members(), nil
	}
	var out [][]byte
	interEach(sets, func(m []byte) bool {
		out = append(out, slices.Clone(m))
		return true
	})
	return out, nil
}

// SetAlgebraStore stores op over keys' sets under dst (replacing it and
// its expiry; deleting it for an empty result) and returns the result's
// size (SINTERSTORE, SUNIONSTORE, SDIFFSTORE). The result is reported as
// a whole value.
func (e *Engine) SetAlgebraStore(d int, op SetOp, dst string, keys []string) (int, error) {
	e.lock()
	defer e.unlock()
	sets, err := e.readSets(d, keys)
	if err != nil {
		return 0, err
	}
	res := setResult(op, sets, e.climits.SetInts)
	// A set made by adds alone has the encoding its members give,
	// whatever their order (an add only turns an intset into a hashtable
	// when the new member or the count requires it), so a replica adding
	// the members in res's own order builds the same set: they are
	// reported so, not sorted.
	start := len(e.hbuf)
	res.each(func(m []byte) bool {
		e.hbuf = AppendPacked(e.hbuf, m)
		return true
	})
	if e.storeBuiltLocked(d, dst, res, e.hbuf[start:len(e.hbuf):len(e.hbuf)], 0) {
		e.notify(EventSet, [...]string{SetInter: "sinterstore", SetUnion: "sunionstore", SetDiff: "sdiffstore"}[op], d, dst)
	}
	return res.length(), nil
}

// SInterCard returns the size of the intersection of keys' sets, counting
// no further than limit when limit > 0 (SINTERCARD).
func (e *Engine) SInterCard(d int, keys []string, limit int64) (int, error) {
	e.lock()
	defer e.unlock()
	sets, err := e.readSets(d, keys)
	if err != nil {
		return 0, err
	}
	n := 0
	interEach(sets, func([]byte) bool {
		n++
		return limit <= 0 || int64(n) < limit
	})
	return n, nil
}
