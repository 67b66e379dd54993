package engine

import (
	"bytes"
	"math"
	"math/bits"
)

// The bitmap commands work on string values. Bit 0 is the most
// significant bit of the first byte, as in Redis. Every write stores the
// whole new value, and reports it whole (the usual Set effect) or, for a
// long value, as the bytes it changed (strpatch.go): replication, the log,
// snapshots and the digest see a string.

// ReadString calls fn with key's string value, under the engine lock,
// counting a hit or a miss as Redis's lookupKeyRead does. fn must not keep
// v (the next write of the key may reuse its bytes) and must not call the
// engine. It reports whether the key exists; ErrWrongType when it holds a
// value of another type (fn is not called then, nor when it is missing).
func (e *Engine) ReadString(d int, key string, fn func(v []byte)) (bool, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.readLocked(d, key, e.nowMs())
	if !ok {
		return false, nil
	}
	if !en.isString() {
		return true, ErrWrongType
	}
	fn(en.val)
	return true, nil
}

// GetBit returns the bit at offset of key's value; 0 past its end or when
// the key is missing.
func (e *Engine) GetBit(d int, key string, offset uint64) (int, error) {
	var bit int
	_, err := e.ReadString(d, key, func(v []byte) { bit = bitAt(v, offset) })
	return bit, err
}

func bitAt(v []byte, offset uint64) int {
	i := offset >> 3
	if i >= uint64(len(v)) {
		return 0
	}
	return int(v[i]>>(7-offset&7)) & 1
}

// SetBit sets the bit at offset of key's value to on, growing the value
// with zero bytes as needed (a missing key becomes a string of zeros), and
// returns the bit's previous value. The key keeps its expiry. Nothing is
// written when neither the bit nor the length changes.
func (e *Engine) SetBit(d int, key string, offset uint64, on bool) (int, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.lookupLocked(d, key, e.nowMs())
	if ok && !en.isString() {
		return 0, ErrWrongType
	}
	old := bitAt(en.val, offset)
	need := offset>>3 + 1
	if ok && uint64(len(en.val)) >= need && (old == 1) == on {
		e.rawLocked(d, key, &en)
		return old, nil
	}
	mask := byte(1) << (7 - offset&7)
	if ok && uint64(len(en.val)) >= need {
		b := en.val[offset>>3]
		if on {
			b |= mask
		} else {
			b &^= mask
		}
		if e.writeInPlaceLocked(d, &en, int64(offset>>3), []byte{b}) {
			e.notify(EventString, "setbit", d, key)
			return old, nil
		}
	}
	at := int64(offset >> 3)
	if ok && uint64(len(en.val)) < need {
		var b byte
		if on {
			b = mask
		}
		e.growLocked(d, &en, at, []byte{b})
		e.notify(EventString, "setbit", d, key)
		return old, nil
	}
	nv := grownCopy(en.val, need)
	if on {
		nv[offset>>3] |= mask
	} else {
		nv[offset>>3] &^= mask
	}
	e.storePatchedLocked(d, key, nv, en.expireAt, at, nv[at:at+1])
	e.notify(EventString, "setbit", d, key)
	return old, nil
}

// rawLocked gives key's value (en) the raw encoding without changing it,
// as Redis's dbUnshareStringValue does to a value that a bit or
// HyperLogLog command opens for writing: OBJECT ENCODING then reads raw.
// Nothing is reported, the value being the same (encodings are not
// replicated: a Set effect carries none).
func (e *Engine) rawLocked(d int, key string, en *entry) {
	if en.enc() != encRaw {
		e.putLocked(d, key, bytes.Clone(en.val), en.expireAt, encRaw, false, e.keepAccess)
	}
}

// grownCopy returns a copy of v at least n bytes long, zero padded.
func grownCopy(v []byte, n uint64) []byte {
	nv := make([]byte, max(uint64(len(v)), n))
	copy(nv, v)
	return nv
}

// BitCount counts the set bits of v between start and end inclusive,
// which are byte indexes, or bit indexes when isBit, negative ones
// counting from the end, as BITCOUNT key start end [BYTE|BIT] does.
func BitCount(v []byte, start, end int64, isBit bool) int64 {
	if start < 0 && end < 0 && start > end {
		return 0
	}
	sb, eb, ok := bitRange(int64(len(v)), start, end, isBit)
	if !ok {
		return 0
	}
	return countBits(v, sb, eb)
}

// bitRange turns BITCOUNT's and BITPOS's start and end into the first
// and last bit of the range; ok false when it is empty.
func bitRange(n, start, end int64, isBit bool) (sb, eb int64, ok bool) {
	total := n
	if isBit {
		total = n * 8
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = max(end, 0)
	end = min(end, total-1)
	if start > end {
		return 0, 0, false
	}
	if isBit {
		return start, end, true
	}
	return start * 8, end*8 + 7, true
}

// countBits counts the set bits from bit sb to bit eb inclusive.
func countBits(v []byte, sb, eb int64) int64 {
	first, last := sb>>3, eb>>3
	var n int64
	for _, c := range v[first : last+1] {
		n += int64(bits.OnesCount8(c))
	}
	// Take off the bits of the edge bytes outside the range.
	n -= int64(bits.OnesCount8(v[first] & ^byte(0xff>>(sb&7))))
	n -= int64(bits.OnesCount8(v[last] & byte(0xff>>(eb&7+1))))
	return n
}

// BitPos returns the position of the first bit equal to bit in v, as
// BITPOS does. ranged says a start was given (start and end then hold the
// range, in bytes, or bits when isBit); endGiven says an end was. A
// range without 1s gives -1; a range of 1s gives -1 when an end was
// given, else the first bit past the range (the string reads as padded
// with zeros on the right). An empty range gives -1.
func BitPos(v []byte, bit int, ranged bool, start, end int64, endGiven, isBit bool) int64 {
	n := int64(len(v))
	if !ranged {
		start, end, isBit = 0, n-1, false
	} else if !endGiven {
		end = n - 1
		if isBit {
			end = n*8 + 7
		}
	}
	sb, eb, ok := bitRange(n, start, end, isBit)
	if !ok {
		return -1
	}
	if p := findBit(v, sb, eb, bit); p >= 0 {
		return p
	}
	if bit == 1 || endGiven {
		return -1
	}
	return eb + 1
}

// findBit returns the first bit from sb to eb inclusive equal to bit, or
// -1.
func findBit(v []byte, sb, eb int64, bit int) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i := sb >> 3; i <= eb>>3; i++ {
		c := v[i]
		if c == skip {
			continue
		}
		lo, hi := int64(0), int64(7)
		if i == sb>>3 {
			lo = sb & 7
		}
		if i == eb>>3 {
			hi = eb & 7
		}
		for j := lo; j <= hi; j++ {
			if int(c>>(7-j))&1 == bit {
				return i*8 + j
			}
		}
	}
	return -1
}

// BitOp names the operations of BITOP.
type BitOp int

// The operations of BITOP.
const (
	BitAnd BitOp = iota
	BitOr
	BitXor
	BitNot
)

// BitOpStore computes op over the values of srcs (a missing key reads as
// an empty string, missing bytes as zeros) and stores the result in dst,
// replacing whatever it held and dropping its expiry; an empty result
// deletes dst. It returns the result's length. A source of another type
// fails with ErrWrongType before anything changes.
func (e *Engine) BitOpStore(d int, op BitOp, dst string, srcs []string) (int, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	vals := make([][]byte, len(srcs))
	maxLen := 0
	for i, k := range srcs {
		en, ok := e.readLocked(d, k, now)
		if !ok {
			continue
		}
		if !en.isString() {
			return 0, ErrWrongType
		}
		vals[i] = en.val
		maxLen = max(maxLen, len(en.val))
	}
	if maxLen == 0 {
		e.deleteLocked(d, dst, now)
		return 0, nil
	}
	res := make([]byte, maxLen)
	copy(res, vals[0])
	if op == BitNot {
		for i := range res {
			res[i] = ^res[i]
		}
	}
	for _, v := range vals[1:] {
		switch op {
		case BitAnd:
			for i := range res {
				if i < len(v) {
					res[i] &= v[i]
				} else {
					res[i] = 0
				}
			}
		case BitOr:
			for i := range v {
				res[i] |= v[i]
			}
		case BitXor:
			for i := range v {
				res[i] ^= v[i]
			}
		}
	}
	e.storeLocked(d, dst, res, 0, encRaw)
	e.notify(EventString, "set", d, dst)
	return maxLen, nil
}

// Overflow is BITFIELD's OVERFLOW behaviour.
type Overflow int

// The OVERFLOW kinds of BITFIELD.
const (
	OverflowWrap Overflow = iota
	OverflowSat
	OverflowFail
)

// BitFieldOpKind is GET, SET or INCRBY.
type BitFieldOpKind int

// The subcommands of BITFIELD.
const (
	BitFieldGet BitFieldOpKind = iota
	BitFieldSet
	BitFieldIncrBy
)

// BitFieldOp is one GET, SET or INCRBY of BITFIELD.
type BitFieldOp struct {
	Kind     BitFieldOpKind
	Signed   bool
	Bits     uint   // 1..64 signed, 1..63 unsigned
	Offset   uint64 // in bits
	Value    int64  // SET's value, INCRBY's increment
	Overflow Overflow
}

// BitFieldResult is one reply of BITFIELD: Null when an OVERFLOW FAIL
// operation was not done.
type BitFieldResult struct {
	Value int64
	Null  bool
}

// BitField runs ops on key's value, in order, as BITFIELD does. With only
// GETs the key is read (a missing key reads as zeros); otherwise the value
// is grown with zeros to hold the farthest bit written (creating the key),
// and stored, keeping its expiry.
func (e *Engine) BitField(d int, key string, ops []BitFieldOp) ([]BitFieldResult, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	var highest uint64
	lowest := uint64(math.MaxUint64)
	write := false
	for _, op := range ops {
		if op.Kind != BitFieldGet {
			write = true
			highest = max(highest, op.Offset+uint64(op.Bits)-1)
			lowest = min(lowest, op.Offset)
		}
	}
	var en entry
	var ok bool
	if write {
		en, ok = e.lookupLocked(d, key, now)
	} else {
		en, ok = e.readLocked(d, key, now)
	}
	if ok && !en.isString() {
		return nil, ErrWrongType
	}
	out := make([]BitFieldResult, len(ops))
	if !write {
		for i, op := range ops {
			out[i].Value = getField(en.val, op.Offset, op.Bits, op.Signed)
		}
		return out, nil
	}
	// The operations run on a copy of the bytes the writes reach (from,
	// through to), not of the whole value: a counter in a long string
	// costs its bytes. A GET elsewhere reads the value, and the copy where
	// it overlaps it.
	from, to := lowest>>3, highest>>3
	w := make([]byte, to-from+1)
	if from < uint64(len(en.val)) {
		copy(w, en.val[from:])
	}
	size := max(uint64(len(en.val)), highest>>3+1)
	grown := !ok || size > uint64(len(en.val))
	changed := false
	for i, op := range ops {
		if op.Kind == BitFieldGet && (op.Offset < from<<3 || op.Offset+uint64(op.Bits) > (to+1)<<3) {
			out[i].Value = getFieldFrom(func(bit uint64) int {
				if bit>>3 >= from && bit>>3 <= to {
					return bitAt(w, bit-from<<3)
				}
				return bitAt(en.val, bit)
			}, op.Offset, op.Bits, op.Signed)
			continue
		}
		wop := op
		wop.Offset -= from << 3
		out[i] = applyField(w, wop)
		// As Redis counts changes: an executed SET or INCRBY that
		// changed its field, or any executed one on a string it made or
		// grew.
		changed = changed || (op.Kind != BitFieldGet && !out[i].Null && (grown || getField(w, wop.Offset, op.Bits, op.Signed) != getField(en.val, op.Offset, op.Bits, op.Signed)))
	}
	if !grown && !changed {
		return out, nil // nothing written, nothing told
	}
	lo, hi := int64(lowest>>3), int64(highest>>3)
	data := w[uint64(lo)-from : uint64(hi)-from+1]
	switch {
	case ok && !grown && e.writeInPlaceLocked(d, &en, lo, data):
	case ok && lo >= int64(len(en.val)):
		e.growLocked(d, &en, lo, data)
	default:
		v := grownCopy(en.val, size)
		copy(v[from:], w)
		e.storePatchedLocked(d, key, v, en.expireAt, lo, v[lo:hi+1])
	}
	if changed {
		e.notify(EventString, "setbit", d, key)
	}
	return out, nil
}

// getField reads the bits-wide integer at bit offset of v, reading past
// v's end as zeros.
func getField(v []byte, offset uint64, width uint, signed bool) int64 {
	return getFieldFrom(func(bit uint64) int { return bitAt(v, bit) }, offset, width, signed)
}

// getFieldFrom reads the bits-wide integer at bit offset, bit by bit from
// bitAt.
func getFieldFrom(bitAt func(uint64) int, offset uint64, width uint, signed bool) int64 {
	var u uint64
	for j := uint64(0); j < uint64(width); j++ {
		u = u<<1 | uint64(bitAt(offset+j))
	}
	if signed && width < 64 && u&(1<<(width-1)) != 0 {
		u |= math.MaxUint64 << width
	}
	return int64(u)
}

// setField writes the low bits of u at bit offset of v, which is long
// enough.
func setField(v []byte, offset uint64, width uint, u uint64) {
	for j := uint64(0); j < uint64(width); j++ {
		o := offset + j
		mask := byte(1) << (7 - o&7)
		if u>>(uint64(width)-1-j)&1 != 0 {
			v[o>>3] |= mask
		} else {
			v[o>>3] &^= mask
		}
	}
}

// applyField runs one SET or INCRBY (or GET) on v.
func applyField(v []byte, op BitFieldOp) BitFieldResult {
	old := getField(v, op.Offset, op.Bits, op.Signed)
	if op.Kind == BitFieldGet {
		return BitFieldResult{Value: old}
	}
	var nv, ret int64
	var over bool
	if op.Signed {
		if op.Kind == BitFieldIncrBy {
			w, o := signedOverflow(old, op.Value, op.Bits, op.Overflow)
			nv, over = old+op.Value, o
			if o {
				nv = w
			}
			ret = nv
		} else {
			w, o := signedOverflow(op.Value, 0, op.Bits, op.Overflow)
			nv, over, ret = op.Value, o, old
			if o {
				nv = w
			}
		}
	} else {
		if op.Kind == BitFieldIncrBy {
			w, o := unsignedOverflow(uint64(old), op.Value, op.Bits, op.Overflow)
			nv, over = int64(uint64(old)+uint64(op.Value)), o
			if o {
				nv = int64(w)
			}
			ret = nv
		} else {
			w, o := unsignedOverflow(uint64(op.Value), 0, op.Bits, op.Overflow)
			nv, over, ret = op.Value, o, old
			if o {
				nv = int64(w)
			}
		}
	}
	if over && op.Overflow == OverflowFail {
		return BitFieldResult{Null: true}
	}
	setField(v, op.Offset, op.Bits, uint64(nv))
	return BitFieldResult{Value: ret}
}

// unsignedOverflow reports whether value+incr leaves the range of a
// width-bit unsigned integer and, if so, the value to store: wrapped, or
// saturated, as ow says.
func unsignedOverflow(value uint64, incr int64, width uint, ow Overflow) (uint64, bool) {
	maxV := uint64(1)<<width - 1
	maxIncr := int64(maxV - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) & maxV }
	switch {
	case value > maxV || (incr > 0 && incr > maxIncr):
		if ow == OverflowSat {
			return maxV, true
		}
		return wrap(), true
	case incr < 0 && incr < minIncr:
		if ow == OverflowSat {
			return 0, true
		}
		return wrap(), true
	}
	return 0, false
}

// signedOverflow is unsignedOverflow for a width-bit signed integer.
func signedOverflow(value, incr int64, width uint, ow Overflow) (int64, bool) {
	maxV := int64(math.MaxInt64)
	if width < 64 {
		maxV = int64(1)<<(width-1) - 1
	}
	minV := -maxV - 1
	// These may wrap; they are used only once value is known in range.
	maxIncr := int64(uint64(maxV) - uint64(value))
	minIncr := minV - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if c&(1<<(width-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	switch {
	case value > maxV || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		if ow == OverflowSat {
			return maxV, true
		}
		return wrap(), true
	case value < minV || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		if ow == OverflowSat {
			return minV, true
		}
		return wrap(), true
	}
	return 0, false
}
