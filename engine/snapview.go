package engine

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// A large set, sorted set or hash is not copied when it is first written
// while a snapshot holds it. Copying a million members took half a second
// under the engine's lock (every client waited), where a forked Redis
// copies the few pages the write touches. Such a value keeps its members
// in a slab.Table of its own (the set's members, the sorted set's index of
// member to score, the hash's fields), so the snapshot is given a frozen
// view of that table instead (slab.Frozen: a copy of its refs, a few
// milliseconds for a million members), the table stays pinned until the
// snapshot is released, and the write changes the value in place. The
// snapshot packs the value from the view, without the lock.
//
// Which values go this way must be decided alike by the writer and by the
// snapshot's reader, which looks at the value's record as it was at
// Capture, without the lock: a value whose record accounts at least
// viewMin bytes (Engine.viewMin; recMem, the same at the first write
// after Capture as at Capture, since nothing changed the value in
// between) and whose type is one of the three. The reader then takes the lock to find or make the
// view; a value of those that has no table (a small encoding) is copied on
// write as before, so the reader may read it without the lock.
const viewMin = 64 << 10

// frozenView is a snapshot's view of one large value.
type frozenView struct {
	typ ValueType
	f   *slab.Frozen
	mem int64
}

// viewKind reports whether a record of this kind may be read through a
// view.
func viewKind(kind encoding) bool { return kind == encSet || kind == encZSet || kind == encHash }

// usesView reports whether the value of a record of this kind and value
// is read through a view by a snapshot (see above).
func (e *Engine) usesView(kind encoding, val []byte) bool {
	return viewKind(kind) && recMem(val) >= e.viewMin
}

// collTable returns the table a collection keeps its members in, or nil.
func collTable(c coll) *slab.Table {
	switch c := c.(type) {
	case *setObj:
		return c.tab
	case *zsetObj:
		return c.idx
	}
	return nil
}

// addView gives s a view of obj's table t (obj: the value's object, the
// key views are found by, whichever database or index it moves to).
func (s *Snapshot) addView(obj any, typ ValueType, t *slab.Table, mem int64) *frozenView {
	v := &frozenView{typ: typ, f: t.Freeze(), mem: mem}
	if s.views == nil {
		s.views = make(map[any]*frozenView)
	}
	s.views[obj] = v
	s.pinned = append(s.pinned, t)
	return v
}

// viewForWrite prepares obj (born at generation born, kept in table t) to
// be changed in place: every live snapshot that may hold it and has no
// view of it yet gets one. The caller holds the lock.
func (e *Engine) viewForWrite(obj any, born uint64, typ ValueType, t *slab.Table, mem int64) {
	for _, s := range e.live {
		if born < s.capGen && s.views[obj] == nil {
			s.addView(obj, typ, t, mem)
		}
	}
}

// frozenViewOf returns s's view of obj, made now if obj keeps a table and no
// write made one yet, or nil when obj keeps none (then no write changes
// obj itself: it is copied first). It takes the engine's lock.
func (s *Snapshot) frozenViewOf(obj any, typ ValueType, t func() *slab.Table, mem int64) *frozenView {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	if v := s.views[obj]; v != nil {
		return v
	}
	if tab := t(); tab != nil {
		return s.addView(obj, typ, tab, mem)
	}
	return nil
}

// collValue returns the packed value of collection c, whose record at
// Capture was rec (kind kind).
func (s *Snapshot) collValue(c coll, kind encoding, rec []byte) []byte {
	if s.e.usesView(kind, rec) {
		if v := s.frozenViewOf(c, c.typ(), func() *slab.Table { return collTable(c) }, recMem(rec)); v != nil {
			return v.pack(make([]byte, 0, v.mem))
		}
	}
	return c.pack(make([]byte, 0, c.memory()))
}

// hashValue returns the packed value of hash o, whose record at Capture
// was rec.
func (s *Snapshot) hashValue(o *hashObj, rec []byte) []byte {
	if s.e.usesView(encHash, rec) {
		if v := s.frozenViewOf(o, TypeHash, func() *slab.Table { return o.tab }, recMem(rec)); v != nil {
			return v.pack(make([]byte, 0, v.mem))
		}
	}
	return o.pack(make([]byte, 0, o.mem))
}

// pack appends the value's packed form, as its object's pack would.
func (v *frozenView) pack(dst []byte) []byte {
	switch v.typ {
	case TypeSet:
		var members [][]byte
		v.f.Each(func(key string, _ []byte, _ int64, _ uint8) bool {
			members = append(members, view(key)) // aliases the slab
			return true
		})
		return packSetMembers(dst, members)
	case TypeZSet:
		ents := make([]zent, 0, v.f.Len())
		v.f.Each(func(key string, value []byte, _ int64, _ uint8) bool {
			ents = append(ents, zent{key, scoreOf(value)})
			return true
		})
		slices.SortFunc(ents, zcompare)
		var num []byte
		for _, e := range ents {
			dst, num = appendZEnt(dst, num, e)
		}
		return dst
	default: // TypeHash
		v.f.Each(func(key string, value []byte, _ int64, _ uint8) bool {
			dst = AppendPacked(AppendPacked(dst, key), value)
			return true
		})
		return dst
	}
}

// packSetMembers appends the packed form of a hashtable set's members, in
// the canonical order: the integers ascending, then the others bytewise.
func packSetMembers(dst []byte, members [][]byte) []byte {
	var ints []int64
	others := members[:0]
	for _, m := range members {
		if v, ok := ParseInt(m); ok {
			ints = append(ints, v)
		} else {
			others = append(others, m)
		}
	}
	slices.Sort(ints)
	slices.SortFunc(others, bytes.Compare)
	var buf [20]byte
	for _, v := range ints {
		dst = AppendPacked(dst, strconv.AppendInt(buf[:0], v, 10))
	}
	for _, m := range others {
		dst = AppendPacked(dst, m)
	}
	return dst
}
