package rdb

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

// A listpack: a 4-byte total size and a 2-byte element count (65535:
// too many to count), little-endian, then each element (an encoding
// byte with its length or small integer, the data, then the entry's size
// backwards in 1-5 bytes), then 0xff.

const (
	lpHeaderSize = 6
	lpEnd        = 0xff
	lpMaxCount   = 65535
)

// lpWriter builds a listpack.
type lpWriter struct {
	b []byte
	n int
}

func newLP(sizeHint int) *lpWriter {
	return &lpWriter{b: make([]byte, lpHeaderSize, lpHeaderSize+sizeHint+1)}
}

// size is the listpack's size once finished.
func (w *lpWriter) size() int { return len(w.b) + 1 }

// add appends an element, as an integer when it is one, as Redis does.
func (w *lpWriter) add(s []byte) {
	if v, ok := engine.ParseInt(s); ok {
		w.addInt(v)
		return
	}
	start := len(w.b)
	switch n := len(s); {
	case n < 64:
		w.b = append(w.b, 0x80|byte(n))
	case n < 4096:
		w.b = append(w.b, 0xe0|byte(n>>8), byte(n))
	default:
		w.b = binary.LittleEndian.AppendUint32(append(w.b, 0xf0), uint32(n))
	}
	w.b = append(w.b, s...)
	w.backlen(len(w.b) - start)
}

// addInt appends an integer element in the smallest encoding.
func (w *lpWriter) addInt(v int64) {
	start := len(w.b)
	switch {
	case v >= 0 && v <= 127:
		w.b = append(w.b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		w.b = append(w.b, 0xc0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		w.b = binary.LittleEndian.AppendUint16(append(w.b, 0xf1), uint16(v))
	case v >= -1<<23 && v < 1<<23:
		u := uint32(v)
		w.b = append(w.b, 0xf2, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		w.b = binary.LittleEndian.AppendUint32(append(w.b, 0xf3), uint32(v))
	default:
		w.b = binary.LittleEndian.AppendUint64(append(w.b, 0xf4), uint64(v))
	}
	w.backlen(len(w.b) - start)
}

// backlen appends an entry's size l, written to be read backwards: the
// low 7 bits last, every byte but the first read flagged by its top bit.
func (w *lpWriter) backlen(l int) {
	switch {
	case l <= 127:
		w.b = append(w.b, byte(l))
	case l < 16383:
		w.b = append(w.b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		w.b = append(w.b, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435455:
		w.b = append(w.b, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	default:
		w.b = append(w.b, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	w.n++
}

// finish ends the listpack and returns it.
func (w *lpWriter) finish() []byte {
	w.b = append(w.b, lpEnd)
	binary.LittleEndian.PutUint32(w.b, uint32(len(w.b)))
	binary.LittleEndian.PutUint16(w.b[4:], uint16(min(w.n, lpMaxCount)))
	return w.b
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// eachListpack checks listpack lp and calls fn with each element (an
// integer as its decimal text; both valid only during fn), stopping at
// fn's first error.
func eachListpack(lp []byte, fn func(el []byte) error) error {
	if len(lp) < lpHeaderSize+1 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != lpEnd {
		return ErrBadData
	}
	want := int(binary.LittleEndian.Uint16(lp[4:]))
	p := lp[lpHeaderSize : len(lp)-1]
	var num [24]byte
	n := 0
	for len(p) > 0 {
		c := p[0]
		var hdr, size int
		var el []byte
		var v int64
		isInt := true
		switch {
		case c < 0x80:
			hdr, v = 1, int64(c)
		case c < 0xc0:
			hdr, size, isInt = 1, int(c&0x3f), false
		case c < 0xe0:
			if len(p) < 2 {
				return ErrBadData
			}
			hdr, v = 2, int64(uint64(c&0x1f)<<8|uint64(p[1]))
			if v >= 1<<12 {
				v -= 1 << 13
			}
		case c < 0xf0:
			if len(p) < 2 {
				return ErrBadData
			}
			hdr, size, isInt = 2, int(c&0x0f)<<8|int(p[1]), false
		case c == 0xf0:
			if len(p) < 5 {
				return ErrBadData
			}
			hdr, size, isInt = 5, int(binary.LittleEndian.Uint32(p[1:])), false
		case c == 0xf1 && len(p) >= 3:
			hdr, v = 3, int64(int16(binary.LittleEndian.Uint16(p[1:])))
		case c == 0xf2 && len(p) >= 4:
			hdr, v = 4, int64(int32(uint32(p[1])|uint32(p[2])<<8|uint32(p[3])<<16)<<8>>8)
		case c == 0xf3 && len(p) >= 5:
			hdr, v = 5, int64(int32(binary.LittleEndian.Uint32(p[1:])))
		case c == 0xf4 && len(p) >= 9:
			hdr, v = 9, int64(binary.LittleEndian.Uint64(p[1:]))
		default:
			return ErrBadData
		}
		l := hdr + size
		if size < 0 || l > len(p) || l+backlenSize(l) > len(p) {
			return ErrBadData
		}
		if isInt {
			el = strconv.AppendInt(num[:0], v, 10)
		} else {
			el = p[hdr:l]
		}
		if !backlenIs(p[l:l+backlenSize(l)], l) {
			return ErrBadData
		}
		p = p[l+backlenSize(l):]
		n++
		if err := fn(el); err != nil {
			return err
		}
	}
	if want != lpMaxCount && want != n {
		return ErrBadData
	}
	return nil
}

// backlenIs reports whether b is the backwards size l.
func backlenIs(b []byte, l int) bool {
	v := 0
	for i, c := range b {
		if (i > 0) != (c&128 != 0) {
			return false
		}
		v = v<<7 | int(c&127)
	}
	return v == l
}

// A ziplist, as Redis before 7.0 wrote small lists, hashes and sorted
// sets: a 4-byte size, a 4-byte offset of the last entry and a 2-byte
// count, little-endian, then each entry (the previous entry's size in 1
// or 5 bytes, an encoding, the data), then 0xff.

// eachZiplist checks ziplist zl and calls fn with each element.
func eachZiplist(zl []byte, fn func(el []byte) error) error {
	if len(zl) < 11 || int(binary.LittleEndian.Uint32(zl)) != len(zl) || zl[len(zl)-1] != 0xff {
		return ErrBadData
	}
	want := int(binary.LittleEndian.Uint16(zl[8:]))
	p := zl[10 : len(zl)-1]
	var num [24]byte
	n := 0
	for len(p) > 0 {
		skip := 1 // the previous entry's size
		if p[0] == 0xfe {
			skip = 5
		} else if p[0] == 0xff {
			return ErrBadData
		}
		if len(p) < skip+1 {
			return ErrBadData
		}
		p = p[skip:]
		c := p[0]
		var hdr, size int
		var v int64
		isInt := true
		switch {
		case c>>6 == 0:
			hdr, size, isInt = 1, int(c&0x3f), false
		case c>>6 == 1 && len(p) >= 2:
			hdr, size, isInt = 2, int(c&0x3f)<<8|int(p[1]), false
		case c == 0x80 && len(p) >= 5:
			hdr, size, isInt = 5, int(binary.BigEndian.Uint32(p[1:])), false
		case c == 0xc0 && len(p) >= 3:
			hdr, v = 3, int64(int16(binary.LittleEndian.Uint16(p[1:])))
		case c == 0xd0 && len(p) >= 5:
			hdr, v = 5, int64(int32(binary.LittleEndian.Uint32(p[1:])))
		case c == 0xe0 && len(p) >= 9:
			hdr, v = 9, int64(binary.LittleEndian.Uint64(p[1:]))
		case c == 0xf0 && len(p) >= 4:
			hdr, v = 4, int64(int32(uint32(p[1])|uint32(p[2])<<8|uint32(p[3])<<16)<<8>>8)
		case c == 0xfe && len(p) >= 2:
			hdr, v = 2, int64(int8(p[1]))
		case c >= 0xf1 && c <= 0xfd:
			hdr, v = 1, int64(c&0x0f)-1
		default:
			return ErrBadData
		}
		if size < 0 || hdr+size > len(p) {
			return ErrBadData
		}
		el := p[hdr : hdr+size]
		if isInt {
			el = strconv.AppendInt(num[:0], v, 10)
		}
		p = p[hdr+size:]
		n++
		if err := fn(el); err != nil {
			return err
		}
	}
	if want != 0xffff && want != n {
		return ErrBadData
	}
	return nil
}

// An intset: its width in bytes (2, 4 or 8) and its count, 4 bytes each,
// then the integers in increasing order, little-endian.

// appendIntset appends the intset of the sorted, distinct values vs.
func appendIntset(dst []byte, vs []int64) []byte {
	width := 2
	for _, v := range vs {
		switch {
		case v < math.MinInt32 || v > math.MaxInt32:
			width = 8
		case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
			width = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(width))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vs)))
	for _, v := range vs {
		switch width {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}

// eachIntset checks intset is and calls fn with each integer.
func eachIntset(is []byte, fn func(el []byte) error) error {
	if len(is) < 8 {
		return ErrBadData
	}
	width := int(binary.LittleEndian.Uint32(is))
	n := int(binary.LittleEndian.Uint32(is[4:]))
	if (width != 2 && width != 4 && width != 8) || n == 0 || len(is)-8 != n*width {
		return ErrBadData
	}
	var num [24]byte
	prev := int64(math.MinInt64)
	for i := range n {
		p := is[8+i*width:]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return ErrBadData
		}
		prev = v
		if err := fn(strconv.AppendInt(num[:0], v, 10)); err != nil {
			return err
		}
	}
	return nil
}
