package rdb

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"

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

func encodeHash(dst, p []byte, encoding string) ([]byte, error) {
	ws, err := words(p)
	if err != nil || len(ws)%2 != 0 {
		return dst, ErrBadData
	}
	if encoding == "listpack" {
		w := newLP(len(p))
		for _, el := range ws {
			w.add(el)
		}
		return appendRaw(append(dst, typeHashListpack), w.finish()), nil
	}
	dst = appendLen(append(dst, typeHash), uint64(len(ws)/2))
	for _, el := range ws {
		dst = appendString(dst, el)
	}
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
	ws, err := words(p)
	if err != nil {
		return dst, err
	}
	if encoding == "intset" {
		vs := make([]int64, 0, len(ws))
		for _, m := range ws {
			v, ok := engine.ParseInt(m)
			if !ok {
				return dst, ErrBadData
			}
			vs = append(vs, v)
		}
		slices.Sort(vs)
		return appendRaw(append(dst, typeSetIntset), appendIntset(nil, vs)), nil
	}
	dst = appendLen(append(dst, typeSet), uint64(len(ws)))
	for _, m := range ws {
		dst = appendString(dst, m)
	}
	return dst, nil
}

// encodeZSet writes a listpack of member, score pairs in the sorted
// set's order, or a skiplist's members from the highest score down with
// binary scores, as Redis does.
func encodeZSet(dst, p []byte, encoding string) ([]byte, error) {
	ws, err := words(p)
	if err != nil || len(ws)%2 != 0 {
		return dst, ErrBadData
	}
	scores := make([]float64, len(ws)/2)
	for i := range scores {
		if scores[i], err = parseScore(ws[2*i+1]); err != nil {
			return dst, err
		}
	}
	if encoding == "listpack" {
		w := newLP(len(p))
		var num []byte
		for i, s := range scores {
			w.add(ws[2*i])
			num = formatScore(num[:0], s)
			w.add(num)
		}
		return appendRaw(append(dst, typeZSetListpack), w.finish()), nil
	}
	dst = appendLen(append(dst, typeZSet2), uint64(len(scores)))
	for i := len(scores) - 1; i >= 0; i-- {
		dst = appendString(dst, ws[2*i])
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
	ws, err := words(p)
	if err != nil {
		return nil, err
	}
	var nodes [][]byte
	var w *lpWriter
	for _, el := range ws {
		if w != nil && w.size()+len(el)+11 > listNodeBytes {
			nodes, w = append(nodes, w.finish()), nil
		}
		if w == nil {
			w = newLP(min(len(p), listNodeBytes))
		}
		w.add(el)
	}
	if w != nil {
		nodes = append(nodes, w.finish())
	}
	return nodes, nil
}

// ListShape describes the quicklist Encode writes for a packed list (a
// TypeList item's value): its elements, its nodes, and the bytes of its
// nodes' listpacks (DEBUG OBJECT's figures).
func ListShape(p []byte) (elements, nodes, bytes int, err error) {
	ws, err := words(p)
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
	return len(ws), len(lps), bytes, nil
}
