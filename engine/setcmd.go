package engine

import (
	"slices"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// The set commands on one key. Each runs in one critical section and
// reports its change as EffectApply words (SADD or SREM of the members
// that changed), so that a replica replays exactly the change whatever
// randomness chose it (SPOP). Members handed out stay valid after the
// lock is released (see setObj.members).

var (
	opSAdd = []byte("SADD")
	opSRem = []byte("SREM")
)

// setRead returns key's set for a read (nil when missing).
func (e *Engine) setRead(d int, key string) (*setObj, error) {
	c, err := e.collRead(d, key, TypeSet)
	if c == nil {
		return nil, err
	}
	return c.(*setObj), nil
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
	s := c.(*setObj)
	added := [][]byte{opSAdd}
	for _, m := range members {
		if s.add(m, e.climits.SetInts) {
			added = append(added, m)
		}
	}
	if len(added) > 1 {
		k := keyOf(&en, found, key)
		e.saveColl(d, key, &en, found, s)
		e.emitApply(d, k, added...)
		e.notify(EventSet, "sadd", d, k)
	}
	return len(added) - 1, nil
}

// SRem removes members from key's set, and the key once empty, and
// returns how many were there.
func (e *Engine) SRem(d int, key string, members [][]byte) (int, error) {
	e.lock()
	defer e.unlock()
	en, c, found, err := e.collWrite(d, key, TypeSet)
	if err != nil || !found {
		return 0, err
	}
	s := c.(*setObj)
	removed := [][]byte{opSRem}
	for _, m := range members {
		if s.remove(m) {
			removed = append(removed, m)
		}
	}
	if len(removed) > 1 {
		k := en.key
		e.saveColl(d, key, &en, found, s)
		e.emitApply(d, k, removed...)
		e.notifyEmptied(EventSet, "srem", d, k, s.length() == 0)
	}
	return len(removed) - 1, nil
}

// SMembers returns the members of key's set: ascending for an intset.
func (e *Engine) SMembers(d int, key string) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if s == nil {
		return nil, err
	}
	return s.members(), nil
}

// SCard returns the number of members of key's set.
func (e *Engine) SCard(d int, key string) (int, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if s == nil {
		return 0, err
	}
	return s.length(), nil
}

// SIsMember reports whether m is a member of key's set.
func (e *Engine) SIsMember(d int, key string, m []byte) (bool, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if s == nil {
		return false, err
	}
	return s.has(m), nil
}

// SMIsMember reports, for each of members, whether it is in key's set.
func (e *Engine) SMIsMember(d int, key string, members [][]byte) ([]bool, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(members))
	for i, m := range members {
		out[i] = s != nil && s.has(m)
	}
	return out, nil
}

// SPop removes up to count members chosen at random from key's set and
// returns them; all of them (in the set's order) when count is at least
// its size, and the key goes. A missing key gives nothing. The members
// drawn are reported as SREM, a whole set as a deletion.
func (e *Engine) SPop(d int, key string, count int64) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	en, c, found, err := e.collWrite(d, key, TypeSet)
	if err != nil || !found || count <= 0 {
		return nil, err
	}
	s := c.(*setObj)
	n := s.length()
	if count >= int64(n) {
		out := s.members()
		e.removeLocked(d, &en)
		e.emit(Effect{Kind: EffectDelete, DB: d, Key: en.key})
		e.notifyEmptied(EventSet, "spop", d, en.key, true)
		return out, nil
	}
	out := make([][]byte, 0, count)
	var whole []byte // the rebuilt set's packed value, reported whole
	if s.tab != nil {
		for range count {
			m := s.random(e.randIntn)
			s.remove(m)
			out = append(out, m)
		}
		if (int64(n)-count)*5 <= count {
			// When few members remain, Redis builds the set again from
			// them (its SPOP's third case), so integers alone make an
			// intset again.
			p := s.pack(nil)
			if rebuilt, err := collFromPacked(TypeSet, p, e.climits); err == nil {
				s, whole = rebuilt.(*setObj), p
				e.dbs[d].colls[recIdx(en.val)].c = s
			}
		}
	} else {
		// A partial shuffle of the values, then one rebuild of the rest.
		all := s.members()
		for i := range int(count) {
			j := i + e.randIntn(n-i)
			all[i], all[j] = all[j], all[i]
			out = append(out, all[i])
		}
		for _, m := range out {
			s.remove(m)
		}
	}
	k := en.key
	e.saveColl(d, key, &en, found, s)
	if whole != nil {
		// A replica builds the set again from the same members, in the
		// same encoding (the SREM of the members popped, more than
		// those left, would leave its set a hashtable).
		e.emit(Effect{Kind: EffectObject, Type: TypeSet, DB: d, Key: k, Value: whole, ExpireAt: en.expireAt})
	} else {
		e.emitApply(d, k, append([][]byte{opSRem}, out...)...)
	}
	e.notify(EventSet, "spop", d, k)
	return out, nil
}

// SRandMember returns random members of key's set without changing it:
// for count > 0 up to count distinct members (all of them, in the set's
// order, when count is at least its size); for count < 0, -count members
// that may repeat.
func (e *Engine) SRandMember(d int, key string, count int64) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if s == nil || count == 0 {
		return nil, err
	}
	n := s.length()
	switch {
	case count < 0:
		out := make([][]byte, 0, -count)
		for range -count {
			out = append(out, s.random(e.randIntn))
		}
		return out, nil
	case count >= int64(n):
		return s.members(), nil
	case count*4 < int64(n):
		// Few of many: draw members, skipping those drawn already.
		seen := make(map[string]bool, count)
		out := make([][]byte, 0, count)
		for int64(len(out)) < count {
			if m := s.random(e.randIntn); !seen[string(m)] {
				seen[string(m)] = true
				out = append(out, m)
			}
		}
		return out, nil
	}
	// A partial Fisher-Yates shuffle of all the members.
	all := s.members()
	for i := range int(count) {
		j := i + e.randIntn(n-i)
		all[i], all[j] = all[j], all[i]
	}
	return all[:count], nil
}

// SMove moves member m from set src to set dst and reports whether it was
// in src. As in Redis, a missing src answers false before dst's type is
// checked, and src == dst only checks membership. The change is reported
// as SREM on src and, when m was not in dst yet, SADD on dst, in one
// group.
func (e *Engine) SMove(d int, src, dst string, m []byte) (bool, error) {
	e.lock()
	defer e.unlock()
	en, c, found, err := e.collWrite(d, src, TypeSet)
	if !found {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := e.collPeek(d, dst, TypeSet); err != nil {
		return false, err
	}
	s := c.(*setObj)
	if src == dst {
		return s.has(m), nil
	}
	if !s.remove(m) {
		return false, nil
	}
	k := en.key
	e.saveColl(d, src, &en, found, s)
	e.emitApply(d, k, opSRem, m)
	e.notifyEmptied(EventSet, "srem", d, k, s.length() == 0)

	den, dc, dfound, _ := e.collWrite(d, dst, TypeSet)
	if !dfound {
		dc = newSet(e.climits)
	}
	if ds := dc.(*setObj); ds.add(m, e.climits.SetInts) {
		dk := keyOf(&den, dfound, dst)
		e.saveColl(d, dst, &den, dfound, ds)
		e.emitApply(d, dk, opSAdd, m)
		e.notify(EventSet, "sadd", d, dk)
	}
	return true, nil
}

// SScan runs one SSCAN step: the members of key's set that match pattern
// (see scanMatch) and the next cursor (0: done). An intset gives all its
// members at once whatever the cursor, as Redis's does; a hashtable is
// walked with its table's cursor, which keeps SCAN's guarantee across
// changes and resizes, visiting about count members.
func (e *Engine) SScan(d int, key string, cursor uint64, pattern string, count int) (uint64, [][]byte, error) {
	e.lock()
	defer e.unlock()
	s, err := e.setRead(d, key)
	if s == nil {
		return 0, nil, err
	}
	var out [][]byte
	if s.tab == nil {
		out = s.members()
		out = slices.DeleteFunc(out, func(m []byte) bool { return !scanMatch(pattern, bstr(m)) })
		return 0, out, nil
	}
	count = max(count, 1)
	seen := 0 // as Redis, count members before the pattern filters them
	keep := func(r slab.Entry) {
		seen++
		if scanMatch(pattern, r.KeyString()) {
			out = append(out, r.Key[:len(r.Key):len(r.Key)])
		}
	}
	for buckets := 0; ; buckets++ {
		cursor = s.tab.Scan(cursor, keep)
		if cursor == 0 || seen >= count || buckets >= count*10 {
			break
		}
	}
	return cursor, out, nil
}
