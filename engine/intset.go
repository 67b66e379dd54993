package engine

import (
	"encoding/binary"
	"math"
)

// intset is Redis's compact set of integers: distinct int64 values kept
// sorted in one byte slice, each at the width (2, 4 or 8 bytes) of the
// widest of them, so that a set of small numbers costs two bytes a member.
// A value that needs a wider width re-encodes the whole set at it (an
// upgrade). Unlike Redis's, the width also shrinks when the removal of
// the smallest or largest value allows it, so that an intset's bytes
// depend on its values alone (as they do once Redis reloads it).
type intset struct {
	width int    // 2, 4 or 8; 0 for an empty intset never written to
	b     []byte // len(b)/width values, ascending, little-endian
}

// intWidth is the width an intset needs to hold v.
func intWidth(v int64) int {
	switch {
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 2
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 4
	}
	return 8
}

func (s *intset) len() int {
	if s.width == 0 {
		return 0
	}
	return len(s.b) / s.width
}

// at returns the i-th smallest value.
func (s *intset) at(i int) int64 {
	switch s.width {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(s.b[2*i:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(s.b[4*i:])))
	}
	return int64(binary.LittleEndian.Uint64(s.b[8*i:]))
}

// put writes v at position i (which exists).
func (s *intset) put(i int, v int64) {
	switch s.width {
	case 2:
		binary.LittleEndian.PutUint16(s.b[2*i:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(s.b[4*i:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(s.b[8*i:], uint64(v))
	}
}

// search returns v's position and whether it is there; when it is not,
// the position is where it would go.
func (s *intset) search(v int64) (int, bool) {
	lo, hi := 0, s.len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.at(m) < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < s.len() && s.at(lo) == v
}

func (s *intset) has(v int64) bool {
	_, ok := s.search(v)
	return ok
}

// resize re-encodes the values at width w.
func (s *intset) resize(w int) {
	old := *s
	n := old.len()
	s.width, s.b = w, make([]byte, n*w, (n+1)*w)
	for i := range n {
		s.put(i, old.at(i))
	}
}

// insert adds v and reports whether it was new.
func (s *intset) insert(v int64) bool {
	if w := intWidth(v); w > s.width {
		s.resize(w)
	}
	i, ok := s.search(v)
	if ok {
		return false
	}
	n := s.len()
	s.b = append(s.b, make([]byte, s.width)...)
	copy(s.b[(i+1)*s.width:], s.b[i*s.width:n*s.width])
	s.put(i, v)
	return true
}

// remove removes v and reports whether it was there.
func (s *intset) remove(v int64) bool {
	i, ok := s.search(v)
	if !ok {
		return false
	}
	copy(s.b[i*s.width:], s.b[(i+1)*s.width:])
	s.b = s.b[:len(s.b)-s.width]
	if n := s.len(); n > 0 && (i == 0 || i == n) {
		if w := max(intWidth(s.at(0)), intWidth(s.at(n-1))); w < s.width {
			s.resize(w)
		}
	}
	return true
}

// bytes is the memory the values take.
func (s *intset) bytes() int64 { return int64(len(s.b)) }

func (s *intset) clone() intset { return intset{width: s.width, b: append([]byte(nil), s.b...)} }
