package rdb

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine"
)

// listNodeBytes is the largest listpack of a list's quicklist node that
// Encode writes, as Redis's default list-max-listpack-size (-2) allows.
const listNodeBytes = 8 << 10

// appendRaw appends an RDB string of bytes that are never an integer.
func appendRaw(dst []byte, s []byte) []byte {
	return append(appendLen(dst, uint64(len(s))), s...)
}

// words returns the elements of packed value p.
func words(p []byte) ([][]byte, error) {
	var ws [][]byte
	if err := engine.EachPacked(p, func(w []byte) bool { ws = append(ws, w); return true }); err != nil {
		return nil, ErrBadData
	}
	return ws, nil
}

// count returns the number of elements of packed value p. The encoders
// walk p's elements where they lie (engine.EachPacked) rather than
// collecting them: a slice of a million element slices was most of a
// large value's DUMP, in its making and in the collector's scans of it.
func count(p []byte) (int, error) {
	n, err := engine.CountPacked(p)
	if err != nil {
		return 0, ErrBadData
	}
	return n, nil
}

// each calls fn for every element of packed value p (checked by count).
func each(p []byte, fn func(el []byte)) {
	_ = engine.EachPacked(p, func(el []byte) bool { fn(el); return true })
}

func encodeHash(dst, p []byte, encoding string) ([]byte, error) {
	n, err := count(p)
	if err != nil || n%2 != 0 {
		return dst, ErrBadData
	}
	if encoding == "listpack" {
		w := newLP(len(p))
		each(p, w.add)
		return appendRaw(append(dst, typeHashListpack), w.finish()), nil
	}
	dst = appendLen(append(dst, typeHash), uint64(n/2))
	each(p, func(el []byte) { dst = appendString(dst, el) })
	return dst, nil
}

// encodeList writes a quicklist of listpacks, each filled up to
// listNodeBytes as Redis fills its nodes when elements are pushed.
func encodeList(dst, p []byte) ([]byte, error) {
	nodes, err := listNodes(p)
	if err != nil {
		return dst, err
	}
	dst = appendLen(append(dst, typeListQuicklist2), uint64(len(nodes)))
	for _, nd := range nodes {
		dst = appendLen(dst, 2) // a packed node
		dst = appendRaw(dst, nd)
	}
	return dst, nil
}

func encodeSet(dst, p []byte, encoding string) ([]byte, error) {
	n, err := count(p)
	if err != nil {
		return dst, err
	}
	if encoding == "intset" {
		vs := make([]int64, 0, n)
		bad := false
		each(p, func(m []byte) {
			v, ok := engine.ParseInt(m)
			bad = bad || !ok
			vs = append(vs, v)
		})
		if bad {
			return dst, ErrBadData
		}
		slices.Sort(vs)
		return appendRaw(append(dst, typeSetIntset), appendIntset(nil, vs)), nil
	}
	dst = appendLen(append(dst, typeSet), uint64(n))
	each(p, func(m []byte) { dst = appendString(dst, m) })
	return dst, nil
}

// encodeZSet writes a listpack of member, score pairs in the sorted
// set's order, or a skiplist's members from the highest score down with
// binary scores, as Redis does.
func encodeZSet(dst, p []byte, encoding string) ([]byte, error) {
	n, err := count(p)
	if err != nil || n%2 != 0 {
		return dst, ErrBadData
	}
	// Each member's place in p (offsets: no pointers for the collector
	// to scan) and its score.
	members := make([][2]int, 0, n/2)
	scores := make([]float64, 0, n/2)
	odd := false
	each(p, func(el []byte) {
		if !odd {
			off := 0 // an empty member: any empty slice of p
			if len(el) > 0 {
				off = int(uintptr(unsafe.Pointer(&el[0])) - uintptr(unsafe.Pointer(&p[0])))
			}
			members = append(members, [2]int{off, off + len(el)})
		} else {
			s, serr := parseScore(el)
			if serr != nil && err == nil {
				err = serr
			}
			scores = append(scores, s)
		}
		odd = !odd
	})
	if err != nil {
		return dst, err
	}
	if encoding == "listpack" {
		w := newLP(len(p))
		var num []byte
		for i, s := range scores {
			w.add(p[members[i][0]:members[i][1]])
			num = formatScore(num[:0], s)
			w.add(num)
		}
		return appendRaw(append(dst, typeZSetListpack), w.finish()), nil
	}
	dst = appendLen(append(dst, typeZSet2), uint64(len(scores)))
	for i := len(scores) - 1; i >= 0; i-- {
		dst = appendString(dst, p[members[i][0]:members[i][1]])
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(scores[i]))
	}
	return dst, nil
}

// decodeObject reads one object into r.out and returns its type.
func decodeObject(r *reader) (engine.ValueType, error) {
	t, err := r.byte()
	if err != nil {
		return 0, err
	}
	n := 0 // elements packed
	add := func(el []byte) error {
		r.out = engine.AppendPacked(r.out, el)
		n++
		return nil
	}
	var typ engine.ValueType
	switch t {
	case typeString:
		s, err := r.string()
		r.out = append(r.out, s...)
		return engine.TypeString, err
	case typeList, typeSet, typeHash:
		typ = engine.TypeList
		if t == typeSet {
			typ = engine.TypeSet
		} else if t == typeHash {
			typ = engine.TypeHash
		}
		count, err := r.count()
		if err != nil {
			return 0, err
		}
		if t == typeHash {
			count *= 2
		}
		for range count {
			s, err := r.string()
			if err != nil {
				return 0, err
			}
			_ = add(s)
		}
	case typeListZiplist, typeListQuicklist:
		typ = engine.TypeList
		nodes := 1
		if t == typeListQuicklist {
			if nodes, err = r.count(); err != nil {
				return 0, err
			}
		}
		for range nodes {
			blob, err := r.string()
			if err == nil {
				err = eachZiplist(blob, add)
			}
			if err != nil {
				return 0, err
			}
		}
	case typeListQuicklist2:
		typ = engine.TypeList
		nodes, err := r.count()
		if err != nil {
			return 0, err
		}
		for range nodes {
			container, err := r.uint()
			if err != nil {
				return 0, err
			}
			blob, err := r.string()
			switch {
			case err != nil:
			case container == 1: // a plain node: one element
				err = add(blob)
			case container == 2:
				err = eachListpack(blob, add)
			default:
				err = ErrBadData
			}
			if err != nil {
				return 0, err
			}
		}
	case typeSetIntset, typeSetListpack, typeHashZiplist, typeHashListpack:
		typ = engine.TypeSet
		if t == typeHashZiplist || t == typeHashListpack {
			typ = engine.TypeHash
		}
		blob, err := r.string()
		switch {
		case err != nil:
		case t == typeSetIntset:
			err = eachIntset(blob, add)
		case t == typeHashZiplist:
			err = eachZiplist(blob, add)
		default:
			err = eachListpack(blob, add)
		}
		if err != nil {
			return 0, err
		}
		if typ == engine.TypeHash && n%2 != 0 {
			return 0, ErrBadData
		}
	case typeZSet, typeZSet2:
		typ = engine.TypeZSet
		count, err := r.count()
		if err != nil {
			return 0, err
		}
		for range count {
			m, err := r.string()
			if err != nil {
				return 0, err
			}
			var s float64
			if t == typeZSet {
				s, err = r.doubleText()
			} else {
				s, err = r.binaryDouble()
			}
			if err != nil {
				return 0, err
			}
			_ = add(m)
			_ = add(strconv.AppendFloat(nil, s, 'g', -1, 64))
		}
	case typeZSetZiplist, typeZSetListpack:
		typ = engine.TypeZSet
		blob, err := r.string()
		if err != nil {
			return 0, err
		}
		member := true
		each := func(el []byte) error {
			if member {
				member = false
				return add(el)
			}
			member = true
			s, err := parseScore(el)
			if err != nil {
				return err
			}
			return add(strconv.AppendFloat(nil, s, 'g', -1, 64))
		}
		if t == typeZSetZiplist {
			err = eachZiplist(blob, each)
		} else {
			err = eachListpack(blob, each)
		}
		if err != nil || !member {
			return 0, ErrBadData
		}
	case typeStream, typeStream2, typeStream3:
		return engine.TypeStream, decodeStream(r, t)
	default:
		return 0, ErrBadData
	}
	if n == 0 { // Redis refuses an empty collection too
		return 0, ErrBadData
	}
	return typ, nil
}

// listNodes splits a packed list into the listpacks of its quicklist.
func listNodes(p []byte) ([][]byte, error) {
	if _, err := count(p); err != nil {
		return nil, err
	}
	var nodes [][]byte
	var w *lpWriter
	each(p, func(el []byte) {
		if w != nil && w.size()+len(el)+11 > listNodeBytes {
			nodes, w = append(nodes, w.finish()), nil
		}
		if w == nil {
			w = newLP(min(len(p), listNodeBytes))
		}
		w.add(el)
	})
	if w != nil {
		nodes = append(nodes, w.finish())
	}
	return nodes, nil
}

// ListShape describes the quicklist Encode writes for a packed list (a
// TypeList item's value): its elements, its nodes, and the bytes of its
// nodes' listpacks (DEBUG OBJECT's figures).
func ListShape(p []byte) (elements, nodes, bytes int, err error) {
	n, err := count(p)
	if err != nil {
		return 0, 0, 0, err
	}
	lps, err := listNodes(p)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, lp := range lps {
		bytes += len(lp)
	}
	return n, len(lps), bytes, nil
}
