package engine

import (
	"bytes"
	"slices"
)

// SORT and SORT_RO, as Redis 7.0 sorts: the elements of a list, set or
// sorted set, ordered by their value as numbers (or ALPHA, as bytes), or
// by the strings or hash fields a BY pattern names, cut by LIMIT, turned
// into other keys' values by GET patterns, returned or stored as a list.

// SortSpec is what SORT was asked. Count < 0 takes every element from
// Offset (negative: 0), as SORT without LIMIT.
type SortSpec struct {
	By            []byte // BY pattern; nil: none
	NoSort        bool   // a BY pattern without '*': keep the native order
	Offset, Count int64
	Gets          [][]byte // GET patterns ("#": the element itself)
	Desc, Alpha   bool
}

// sortItem is one element being sorted, with what it is compared by.
type sortItem struct {
	elem  []byte
	score float64
	by    []byte // the BY value under ALPHA; nil: missing
}

// Sort returns SORT's reply: each selected element, or for each the
// values of the GET patterns (nil for a missing one).
func (e *Engine) Sort(d int, key string, s SortSpec) ([][]byte, error) {
	e.lock()
	defer e.unlock()
	return (&Engine{core: e.core, held: true}).sortLocked(d, key, s, false)
}

// SortStore is SORT ... STORE dst: it stores the reply as a list under
// dst (a missing value as an empty string), or deletes dst when the reply
// is empty, and returns the list's length.
func (e *Engine) SortStore(d int, key, dst string, s SortSpec) (int, error) {
	e.lock()
	defer e.unlock()
	out, err := (&Engine{core: e.core, held: true}).sortLocked(d, key, s, true)
	if err != nil {
		return 0, err
	}
	l := newListObj(e.climits.ListSize)
	for _, v := range out {
		l.pushBack(v)
	}
	// A whole list (an OBJECT effect), with no expiry, whatever dst held.
	if _, stored := e.storeCollLocked(d, dst, l, 0); stored {
		e.notify(EventList, "sortstore", d, dst)
	}
	return len(out), nil
}

// sortLocked runs SORT on tx, an engine whose lock is held. With store a
// set kept in its native order is sorted as ALPHA instead, so that what is
// stored (and replicated) does not depend on the set's layout, as Redis
// does.
func (tx *Engine) sortLocked(d int, key string, s SortSpec, store bool) ([][]byte, error) {
	typ, live := tx.LiveType(d, key)
	var items []sortItem
	if !live {
		tx.countRead(false, d, key)
	} else {
		if typ != TypeList && typ != TypeSet && typ != TypeZSet {
			tx.countRead(true, d, key)
			return nil, ErrWrongType
		}
		if s.NoSort && typ == TypeSet && store {
			s.NoSort, s.Alpha, s.By = false, true, nil
		}
		elems, err := tx.sortElements(d, key, typ, s)
		if err != nil {
			return nil, err
		}
		items = make([]sortItem, len(elems))
		for i, el := range elems {
			if el == nil {
				el = []byte{} // an empty element, not a missing value
			}
			items[i].elem = el
		}
	}
	n := int64(len(items))
	start := max(s.Offset, 0)
	end := n - 1
	if s.Count >= 0 {
		end = start + s.Count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)
	if s.NoSort && (typ == TypeList || typ == TypeZSet) && live {
		// The native order, reversed by DESC (sortElements read it so).
	} else if !s.NoSort {
		if err := tx.sortScores(d, items, s); err != nil {
			return nil, err
		}
		slices.SortFunc(items, func(a, b sortItem) int { return compareSortItems(&a, &b, s) })
	}
	if end < start {
		return [][]byte{}, nil
	}
	items = items[start : end+1]
	if len(s.Gets) == 0 {
		out := make([][]byte, len(items))
		for i := range items {
			out[i] = items[i].elem
		}
		return out, nil
	}
	out := make([][]byte, 0, len(items)*len(s.Gets))
	for i := range items {
		for _, g := range s.Gets {
			v, ok := tx.sortLookup(d, g, items[i].elem)
			switch {
			case ok:
				out = append(out, v)
			case store:
				out = append(out, []byte{})
			default:
				out = append(out, nil)
			}
		}
	}
	return out, nil
}

// sortElements reads the elements to sort: a list in order, a sorted set
// by rank, a set as it iterates; kept in their native order (NoSort), a
// list or sorted set is read from the other end under DESC.
func (tx *Engine) sortElements(d int, key string, typ ValueType, s SortSpec) ([][]byte, error) {
	rev := s.NoSort && s.Desc
	switch typ {
	case TypeList:
		elems, err := tx.LRange(d, key, 0, -1)
		if rev {
			slices.Reverse(elems)
		}
		return elems, err
	case TypeSet:
		return tx.SMembers(d, key)
	default:
		ms, err := tx.ZRange(d, key, ZRangeSpec{By: ZByRank, Start: 0, Stop: -1, Rev: rev, Count: -1})
		elems := make([][]byte, len(ms))
		for i, m := range ms {
			elems[i] = []byte(m.Member)
		}
		return elems, err
	}
}

// sortScores fills what each item is compared by: its BY value (as bytes
// under ALPHA, else as a number) or, without BY, the element as a number.
// A missing BY value compares as 0, or below every value under ALPHA.
func (tx *Engine) sortScores(d int, items []sortItem, s SortSpec) error {
	if s.Alpha && s.By == nil {
		return nil
	}
	bad := false
	for i := range items {
		v := items[i].elem
		if s.By != nil {
			var ok bool
			if v, ok = tx.sortLookup(d, s.By, items[i].elem); !ok {
				continue
			}
		}
		if s.Alpha {
			items[i].by = v
			continue
		}
		f, ok := sortNumber(v)
		if !ok {
			bad = true
		}
		items[i].score = f
	}
	if bad {
		return ErrSortScore
	}
	return nil
}

// compareSortItems orders two items as Redis's sortCompare: numbers, equal
// ones by their elements' bytes; ALPHA by the BY values (a missing one
// first; equal ones are left in any order, as in Redis) or by the
// elements' bytes; DESC reverses it.
func compareSortItems(a, b *sortItem, s SortSpec) int {
	var c int
	switch {
	case !s.Alpha:
		switch {
		case a.score > b.score:
			c = 1
		case a.score < b.score:
			c = -1
		default:
			c = bytes.Compare(a.elem, b.elem)
		}
	case s.By != nil:
		switch {
		case a.by == nil && b.by == nil:
			c = 0
		case a.by == nil:
			c = -1
		case b.by == nil:
			c = 1
		default:
			c = bytes.Compare(a.by, b.by)
		}
	default:
		c = bytes.Compare(a.elem, b.elem)
	}
	if s.Desc {
		return -c
	}
	return c
}

// sortLookup is the value a BY or GET pattern names for elem: elem itself
// for "#"; else the pattern with its first '*' replaced by elem names a
// key whose string value it is, or, after "->field", the field of that
// hash. A pattern without '*', a missing key or one of another type gives
// nothing.
func (tx *Engine) sortLookup(d int, pattern, elem []byte) ([]byte, bool) {
	if string(pattern) == "#" {
		return elem, true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	rest := pattern[star+1:]
	var field []byte
	if f := bytes.Index(rest, []byte("->")); f >= 0 && f+2 < len(rest) {
		field, rest = rest[f+2:], rest[:f]
	}
	name := make([]byte, 0, len(pattern)+len(elem))
	name = append(append(append(name, pattern[:star]...), elem...), rest...)
	if field != nil {
		v, ok, err := tx.HGet(d, string(name), field)
		if err != nil || !ok {
			return nil, false
		}
		return append([]byte{}, v...), true
	}
	v, ok := tx.Get(d, string(name))
	if ok && v == nil {
		v = []byte{} // an empty string is a value, not a missing one
	}
	return v, ok
}

// sortNumber reads a value as Redis's SORT does with C's strtod: leading
// white space, then the whole rest as a number (ERANGE and NaN refused);
// an empty value is 0.
func sortNumber(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	return strtod(string(b[i:]), true)
}
