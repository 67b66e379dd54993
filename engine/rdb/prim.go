package rdb

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

// Lengths: the top two bits of the first byte say how many follow.
const (
	len6  = 0    // 00xxxxxx
	len14 = 1    // 01xxxxxx xxxxxxxx
	len32 = 0x80 // then 4 bytes, big-endian
	len64 = 0x81 // then 8 bytes, big-endian
	// 11xxxxxx: a string encoded otherwise, xxxxxx saying how.
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// appendLen appends an RDB length.
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14<<6, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, len32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, len64), n)
}

// appendString appends an RDB string: a short one that is an integer of
// at most 32 bits as that integer, as Redis writes it, others as a length
// and the bytes.
func appendString(dst []byte, s []byte) []byte {
	if len(s) <= 11 {
		if v, ok := engine.ParseInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, 0xc0|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, 0xc0|encInt16), uint16(v))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return binary.LittleEndian.AppendUint32(append(dst, 0xc0|encInt32), uint32(v))
			}
		}
	}
	dst = appendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// reader reads an object; out collects the packed value decoded.
type reader struct {
	b   []byte
	out []byte
}

func (r *reader) byte() (byte, error) {
	if len(r.b) == 0 {
		return 0, ErrBadData
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func (r *reader) take(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)) {
		return nil, ErrBadData
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p, nil
}

// length reads an RDB length; enc says it was a special string encoding
// (11xxxxxx), whose kind is then n.
func (r *reader) length() (n uint64, enc bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case len6:
		return uint64(c & 0x3f), false, nil
	case len14:
		d, err := r.byte()
		return uint64(c&0x3f)<<8 | uint64(d), false, err
	case 3:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case len32:
		p, err := r.take(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case len64:
		p, err := r.take(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, ErrBadData
}

// count reads a length that counts things still to read, each at least
// one byte: more than the bytes left is malformed.
func (r *reader) count() (int, error) {
	n, enc, err := r.length()
	if err == nil && (enc || n > uint64(len(r.b))) {
		err = ErrBadData
	}
	return int(n), err
}

// uint reads a length used as a number.
func (r *reader) uint() (uint64, error) {
	n, enc, err := r.length()
	if err == nil && enc {
		err = ErrBadData
	}
	return n, err
}

// string reads an RDB string, decoding an integer and decompressing LZF;
// the result may alias the payload.
func (r *reader) string() ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.take(n)
	}
	switch n {
	case encInt8:
		c, err := r.byte()
		return strconv.AppendInt(nil, int64(int8(c)), 10), err
	case encInt16:
		p, err := r.take(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p))), 10), nil
	case encInt32:
		p, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p))), 10), nil
	case encLZF:
		clen, err := r.uint()
		if err != nil {
			return nil, err
		}
		ulen, err := r.uint()
		if err != nil {
			return nil, err
		}
		c, err := r.take(clen)
		if err != nil {
			return nil, err
		}
		return lzfDecompress(c, ulen)
	}
	return nil, ErrBadData
}

// maxLZFExpansion bounds what a compressed string may claim to expand
// to: LZF's best ratio is about 1:100 (a back reference of 264 bytes in
// 3 bytes of input), so anything beyond is a lie, refused before any
// memory is taken for it.
const maxLZFExpansion = 100

// maxString is the longest string a payload may expand to, Redis's
// limit on a string's size.
const maxString = 512 << 20

// lzfDecompress expands LZF data c into exactly n bytes.
func lzfDecompress(c []byte, n uint64) ([]byte, error) {
	if n == 0 || n > uint64(len(c))*maxLZFExpansion || n > maxString {
		return nil, ErrBadData
	}
	out := make([]byte, 0, n)
	for len(c) > 0 {
		ctrl := int(c[0])
		c = c[1:]
		if ctrl < 32 { // a run of ctrl+1 literal bytes
			lit := ctrl + 1
			if lit > len(c) || uint64(len(out)+lit) > n {
				return nil, ErrBadData
			}
			out = append(out, c[:lit]...)
			c = c[lit:]
			continue
		}
		l := ctrl >> 5 // a back reference
		if l == 7 {
			if len(c) == 0 {
				return nil, ErrBadData
			}
			l += int(c[0])
			c = c[1:]
		}
		if len(c) == 0 {
			return nil, ErrBadData
		}
		ref := len(out) - (ctrl&0x1f)<<8 - int(c[0]) - 1
		c = c[1:]
		l += 2
		if ref < 0 || uint64(len(out)+l) > n {
			return nil, ErrBadData
		}
		for i := range l { // byte by byte: the reference may overlap
			out = append(out, out[ref+i])
		}
	}
	if uint64(len(out)) != n {
		return nil, ErrBadData
	}
	return out, nil
}

// readDoubleText reads the text form of a double of the oldest sorted
// sets: a length byte (253 NaN, 254 +inf, 255 -inf) then the digits.
func (r *reader) doubleText() (float64, error) {
	n, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return 0, ErrBadData // a NaN score
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, err := r.take(uint64(n))
	if err != nil {
		return 0, err
	}
	return parseScore(p)
}

// binaryDouble reads an IEEE 754 double, little-endian.
func (r *reader) binaryDouble() (float64, error) {
	p, err := r.take(8)
	if err != nil {
		return 0, err
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(p))
	if math.IsNaN(f) {
		return 0, ErrBadData
	}
	return f, nil
}

func parseScore(p []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(p), 64)
	if err != nil || math.IsNaN(f) {
		return 0, ErrBadData
	}
	return f, nil
}

// formatScore is a score as Redis stores it in a listpack: "%.17g", with
// "inf" and "-inf" (an integral one becomes an integer entry).
func formatScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
