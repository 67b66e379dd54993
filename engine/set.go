package engine

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// A set has Redis 7.0's two forms. While every member is an integer (in
// the canonical decimal form Redis's string2ll accepts) and there are at
// most set-max-intset-entries of them, it is an intset (intset.go): the
// values sorted, packed two, four or eight bytes each. The first member
// that is not an integer, or one too many, makes it a hashtable for good
// (removing members never turns it back, as in Redis): the members are
// the keys, with empty values, of a slab.Table of its own (NewGrowing),
// so a member costs a 24-byte record header, its bytes rounded up to 8
// and its index slot, and the collector sees no object per member; the
// table's reversed-bits cursor gives SSCAN Redis's guarantee and its
// sampling serves SRANDMEMBER and SPOP.
//
// The value hash is the sum of memberHash over the members, so equal
// sets have equal hashes whatever their encoding and history. The packed
// form (what snapshots, full syncs and DEBUG DIGEST-VALUE read) lists the
// members in one canonical order whatever the encoding: the integers
// ascending, then the others bytewise.

// setObj is one set: an intset while tab is nil, else a hashtable.
type setObj struct {
	ints intset
	tab  *slab.Table
	vh   uint64 // the sum of memberHash over the members
	mem  int64  // the accounted bytes of the members
}

// EncodingIntset is OBJECT ENCODING's name for a set of few integers.
const EncodingIntset = "intset"

// tableSlot is what a hashtable member is accounted for its share of the
// table's index (12-byte slots kept at most three quarters full).
const tableSlot = 16

func memberHash[S ~string | ~[]byte](m S) uint64 { return mix(hash64(kB, m)^kC, kH) }

// tableMemberMem is the bytes a hashtable member of n bytes is accounted.
func tableMemberMem(n int) int64 { return int64(slab.RecordSize(n, 0, false, false)) + tableSlot }

func newSet(CollLimits) coll { return &setObj{} }

func (s *setObj) typ() ValueType    { return TypeSet }
func (s *setObj) valueHash() uint64 { return s.vh }
func (s *setObj) memory() int64     { return s.mem }

func (s *setObj) length() int {
	if s.tab != nil {
		return s.tab.Len()
	}
	return s.ints.len()
}

func (s *setObj) encoding() string {
	if s.tab != nil {
		return EncodingHashtable
	}
	return EncodingIntset
}

func (s *setObj) clone() coll {
	c := &setObj{vh: s.vh, mem: s.mem}
	if s.tab == nil {
		c.ints = s.ints.clone()
		return c
	}
	c.tab = slab.NewGrowing()
	s.tab.EachStored(func(r slab.Entry) bool {
		c.tab.Set(r.KeyString(), nil, 0, 0, 0, 0)
		return true
	})
	return c
}

// bstr is b as a string sharing its bytes, for lookups that do not keep
// it.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// intHash is memberHash of v's decimal form.
func intHash(v int64) uint64 {
	var buf [20]byte
	return memberHash(strconv.AppendInt(buf[:0], v, 10))
}

// convert turns an intset into a hashtable.
func (s *setObj) convert() {
	s.tab = slab.NewGrowing()
	s.mem = 0
	var buf [20]byte
	for i := range s.ints.len() {
		m := strconv.AppendInt(buf[:0], s.ints.at(i), 10)
		s.tab.Set(bstr(m), nil, 0, 0, 0, 0)
		s.mem += tableMemberMem(len(m))
	}
	s.ints = intset{}
}

// add adds member m and reports whether it is new; maxInts is
// set-max-intset-entries.
func (s *setObj) add(m []byte, maxInts int64) bool {
	if s.tab == nil {
		v, isInt := ParseInt(m)
		if isInt {
			before := s.ints.bytes()
			if !s.ints.insert(v) {
				return false
			}
			s.vh += memberHash(m)
			s.mem += s.ints.bytes() - before
			if int64(s.ints.len()) > maxInts {
				s.convert()
			}
			return true
		}
		s.convert() // a member that is not an integer is not in an intset
	}
	if s.tab.Find(bstr(m)) >= 0 {
		return false
	}
	s.tab.Set(bstr(m), nil, 0, 0, 0, 0)
	s.vh += memberHash(m)
	s.mem += tableMemberMem(len(m))
	return true
}

// remove removes member m and reports whether it was there.
func (s *setObj) remove(m []byte) bool {
	if s.tab == nil {
		v, isInt := ParseInt(m)
		if !isInt {
			return false
		}
		before := s.ints.bytes()
		if !s.ints.remove(v) {
			return false
		}
		s.mem -= before - s.ints.bytes()
	} else {
		if !s.tab.Delete(bstr(m)) {
			return false
		}
		s.mem -= tableMemberMem(len(m))
	}
	s.vh -= memberHash(m)
	return true
}

// has reports whether m is a member.
func (s *setObj) has(m []byte) bool {
	if s.tab != nil {
		return s.tab.Find(bstr(m)) >= 0
	}
	v, isInt := ParseInt(m)
	return isInt && s.ints.has(v)
}

// each calls fn for every member until fn returns false: ascending for an
// intset, in the order the members lie in the table's slabs (fixed while
// the set does not change, and read one after the other: see
// slab.Table.EachStored, which does not read the index, as SRANDMEMBER
// may change it while a snapshot packs the set without the lock) for a
// hashtable. The bytes are valid only during fn.
func (s *setObj) each(fn func(m []byte) bool) {
	if s.tab != nil {
		s.tab.EachStored(func(r slab.Entry) bool { return fn(r.Key) })
		return
	}
	var buf [20]byte
	for i := range s.ints.len() {
		if !fn(strconv.AppendInt(buf[:0], s.ints.at(i), 10)) {
			return
		}
	}
}

// members returns the members in each's order, as bytes that stay valid
// (a hashtable's keys are never written again; an intset's are formatted
// into one new buffer).
func (s *setObj) members() [][]byte {
	out := make([][]byte, 0, s.length())
	if s.tab != nil {
		s.tab.EachStored(func(r slab.Entry) bool {
			out = append(out, r.Key[:len(r.Key):len(r.Key)])
			return true
		})
		return out
	}
	buf := make([]byte, 0, s.ints.len()*(s.ints.width*5/2+1))
	for i := range s.ints.len() {
		start := len(buf)
		buf = strconv.AppendInt(buf, s.ints.at(i), 10)
		out = append(out, buf[start:len(buf):len(buf)])
	}
	return out
}

// random returns a member chosen at random (the set must not be empty),
// as bytes that stay valid.
func (s *setObj) random(rnd func(int) int) []byte {
	if s.tab != nil {
		r, _ := s.tab.Sample(rnd)
		return r.Key[:len(r.Key):len(r.Key)]
	}
	return strconv.AppendInt(nil, s.ints.at(rnd(s.ints.len())), 10)
}

// pack appends the members in the canonical order: the integers
// ascending, then the others bytewise (see above).
func (s *setObj) pack(dst []byte) []byte {
	if s.tab == nil {
		s.each(func(m []byte) bool {
			dst = AppendPacked(dst, m)
			return true
		})
		return dst
	}
	members := make([][]byte, 0, s.tab.Len())
	s.tab.EachStored(func(r slab.Entry) bool {
		members = append(members, r.Key)
		return true
	})
	return packSetMembers(dst, members)
}

// setFromPacked builds a set of the packed members p, an intset when
// they allow it (as Redis loads a set from an RDB file).
func setFromPacked(p []byte, l CollLimits) (coll, error) {
	s := &setObj{}
	err := EachPacked(p, func(m []byte) bool {
		s.add(m, l.SetInts)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("set: %w", err)
	}
	return s, nil
}

// setApplyOps are the set operations an EffectApply carries: SADD and
// SREM of members (SPOP and SMOVE report SREM and SADD too).
var setApplyOps = map[string]applyOp{
	"SADD": {typ: TypeSet, min: 1, max: -1, apply: func(e *Engine, c coll, args [][]byte) {
		for _, m := range args {
			c.(*setObj).add(m, e.climits.SetInts)
		}
	}},
	"SREM": {typ: TypeSet, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		for _, m := range args {
			c.(*setObj).remove(m)
		}
	}},
}
