package engine

import (
	"fmt"
)

// setObj is one set. (A first form: members in a Go map; compact
// encodings and the set commands come next.)
type setObj struct {
	m   map[string]struct{}
	vh  uint64 // the sum of memberHash over the members
	mem int64  // the accounted bytes of the members
}

const memberOverhead = 48 // accounted per member beyond its bytes

func memberHash[S ~string | ~[]byte](m S) uint64 { return mix(hash64(kB, m)^kC, kH) }

func newSet(CollLimits) coll { return &setObj{m: map[string]struct{}{}} }

func (s *setObj) typ() ValueType    { return TypeSet }
func (s *setObj) length() int       { return len(s.m) }
func (s *setObj) valueHash() uint64 { return s.vh }
func (s *setObj) memory() int64     { return s.mem }
func (s *setObj) encoding() string  { return EncodingHashtable }

func (s *setObj) clone() coll {
	c := &setObj{m: make(map[string]struct{}, len(s.m)), vh: s.vh, mem: s.mem}
	for k := range s.m {
		c.m[k] = struct{}{}
	}
	return c
}

func (s *setObj) pack(dst []byte) []byte {
	for k := range s.m {
		dst = AppendPacked(dst, k)
	}
	return dst
}

// add adds member m and reports whether it is new.
func (s *setObj) add(m []byte) bool {
	if _, ok := s.m[string(m)]; ok {
		return false
	}
	k := string(m)
	s.m[k] = struct{}{}
	s.vh += memberHash(k)
	s.mem += int64(len(k)) + memberOverhead
	return true
}

// remove removes member m and reports whether it was there.
func (s *setObj) remove(m []byte) bool {
	if _, ok := s.m[string(m)]; !ok {
		return false
	}
	delete(s.m, string(m))
	s.vh -= memberHash(m)
	s.mem -= int64(len(m)) + memberOverhead
	return true
}

func setFromPacked(p []byte, l CollLimits) (coll, error) {
	s := newSet(l).(*setObj)
	err := EachPacked(p, func(m []byte) bool {
		s.add(m)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("set: %w", err)
	}
	return s, nil
}

// setApplyOps are the set operations an EffectApply carries: SADD and
// SREM of members.
var setApplyOps = map[string]applyOp{
	"SADD": {typ: TypeSet, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		for _, m := range args {
			c.(*setObj).add(m)
		}
	}},
	"SREM": {typ: TypeSet, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		for _, m := range args {
			c.(*setObj).remove(m)
		}
	}},
}

// SAdd adds members to key's set, creating it, and returns how many were
// new.
func (e *Engine) SAdd(d int, key string, members [][]byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, c, found, err := e.collWrite(d, key, TypeSet)
	if err != nil {
		return 0, err
	}
	if !found {
		c = newSet(e.climits)
	}
	s, n := c.(*setObj), 0
	var added [][]byte
	for _, m := range members {
		if s.add(m) {
			n++
			added = append(added, m)
		}
	}
	if n > 0 {
		e.saveColl(d, key, &en, found, s)
		e.emitApply(d, keyOf(&en, found, key), append([][]byte{[]byte("SADD")}, added...)...)
	}
	return n, nil
}

// SRem removes members from key's set and returns how many were there.
func (e *Engine) SRem(d int, key string, members [][]byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, c, found, err := e.collWrite(d, key, TypeSet)
	if err != nil || !found {
		return 0, err
	}
	s, n := c.(*setObj), 0
	var removed [][]byte
	for _, m := range members {
		if s.remove(m) {
			n++
			removed = append(removed, m)
		}
	}
	if n > 0 {
		k := en.key
		e.saveColl(d, key, &en, found, s)
		e.emitApply(d, k, append([][]byte{[]byte("SREM")}, removed...)...)
	}
	return n, nil
}

// SMembers returns the members of key's set.
func (e *Engine) SMembers(d int, key string) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	c, err := e.collRead(d, key, TypeSet)
	if c == nil || err != nil {
		return nil, err
	}
	out := make([][]byte, 0, c.length())
	for k := range c.(*setObj).m {
		out = append(out, []byte(k))
	}
	return out, nil
}

// SCard returns the number of members of key's set.
func (e *Engine) SCard(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	c, err := e.collRead(d, key, TypeSet)
	if c == nil || err != nil {
		return 0, err
	}
	return c.length(), nil
}
