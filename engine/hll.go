package engine

import (
	"encoding/binary"
	"math"
)

// HyperLogLogs are string values in Redis's format, so that GET, DUMP,
// replication and snapshots carry the same bytes as redis-server's:
//
//	"HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached
//	cardinality (8 bytes, little endian; its top bit set: not valid)
//
// then the registers: 16384 of 6 bits, packed from the least significant
// bit of each byte (dense), or run-length opcodes (sparse): ZERO 00xxxxxx
// (1 to 64 zero registers), XZERO 01xxxxxx yyyyyyyy (1 to 16384 zero
// registers), VAL 1vvvvvxx (1 to 4 registers of value 1 to 32). Elements
// are hashed with MurmurHash64A, seed 0xadc83b19; the cardinality is Otmar
// Ertl's improved estimator, as in Redis 7.

const (
	hllP         = 14
	hllQ         = 64 - hllP
	hllRegisters = 1 << hllP
	hllHdrSize   = 16
	hllDenseSize = hllHdrSize + (hllRegisters*6+7)/8
	hllDense     = 0
	hllSparse    = 1
	hllAlphaInf  = 0.721347520444481703680 // 0.5/ln(2)

	hllSparseValMaxValue = 32
	hllSparseValMaxLen   = 4
	hllSparseZeroMaxLen  = 64

	// DefaultHLLSparseMaxBytes is Redis's hll-sparse-max-bytes default.
	DefaultHLLSparseMaxBytes = 3000
)

// SetHLLSparseMaxBytes changes hll-sparse-max-bytes: a sparse
// HyperLogLog that would grow past this many bytes (header included)
// becomes dense.
func (e *Engine) SetHLLSparseMaxBytes(n int64) {
	e.lock()
	e.hllMax = n
	e.unlock()
}

// hllSparseMaxLocked is hll-sparse-max-bytes; engine lock held.
func (e *Engine) hllSparseMaxLocked() int {
	if e.hllMax < 0 || e.hllMax > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(e.hllMax)
}

// murmurHash64A is Redis's MurmurHash64A, reading words little endian.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if rest := key[n:]; len(rest) > 0 {
		for i := len(rest) - 1; i >= 0; i-- {
			h ^= uint64(rest[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element goes to and the length of
// the run of zeros, plus one, in the rest of its hash.
func hllPatLen(ele []byte) (int, uint8) {
	hash := murmurHash64A(ele, 0xadc83b19)
	index := int(hash & (hllRegisters - 1))
	hash >>= hllP
	hash |= 1 << hllQ // the run ends at Q+1 at most
	count := uint8(1)
	for bit := uint64(1); hash&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// newHLL returns an empty sparse HyperLogLog, as Redis creates one.
func newHLL() []byte {
	v := make([]byte, hllHdrSize+2)
	copy(v, "HYLL")
	v[4] = hllSparse
	v[hllHdrSize] = 0x40 | byte((hllRegisters-1)>>8)
	v[hllHdrSize+1] = byte((hllRegisters - 1) & 0xff)
	return v
}

// isHLL checks a string value is a HyperLogLog, as Redis does before
// using one.
func isHLL(v []byte) bool {
	if len(v) < hllHdrSize || string(v[:4]) != "HYLL" || v[4] > hllSparse {
		return false
	}
	return v[4] != hllDense || len(v) == hllDenseSize
}

func hllInvalidate(v []byte) { v[15] |= 0x80 }

func denseGet(regs []byte, i int) uint8 {
	b, fb := i*6/8, uint(i*6&7)
	b0 := uint(regs[b])
	var b1 uint
	if b+1 < len(regs) {
		b1 = uint(regs[b+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & 63)
}

func denseSetReg(regs []byte, i int, val uint8) {
	b, fb := i*6/8, uint(i*6&7)
	v := uint(val)
	regs[b] &^= byte(63 << fb)
	regs[b] |= byte(v << fb)
	if b+1 < len(regs) {
		regs[b+1] &^= byte(63 >> (8 - fb))
		regs[b+1] |= byte(v >> (8 - fb))
	}
}

// denseSet raises register i of dense registers to count; it reports
// whether it changed.
func denseSet(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		denseSetReg(regs, i, count)
		return true
	}
	return false
}

// sparseOp decodes the opcode at v[p]: the registers it covers, its
// value, its length in bytes. A byte missing at the end reads as zero, as
// the terminator of Redis's strings does.
func sparseOp(v []byte, p int) (span, val, oplen int) {
	b := v[p]
	switch {
	case b&0xc0 == 0: // ZERO
		return int(b&0x3f) + 1, 0, 1
	case b&0x80 != 0: // VAL
		return int(b&3) + 1, int(b>>2&0x1f) + 1, 1
	default: // XZERO
		var lo byte
		if p+1 < len(v) {
			lo = v[p+1]
		}
		return (int(b&0x3f)<<8 | int(lo)) + 1, 0, 2
	}
}

func sparseVal(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// appendZeros appends a ZERO or XZERO opcode of n registers.
func appendZeros(seq []byte, n int) []byte {
	if n > hllSparseZeroMaxLen {
		return append(seq, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
	}
	return append(seq, byte(n-1))
}

// sparseToDense returns the dense form of sparse HyperLogLog v, keeping
// its header (magic and cached cardinality); ok false when v's registers
// are not exactly 16384.
func sparseToDense(v []byte) ([]byte, bool) {
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(v); {
		span, val, oplen := sparseOp(v, p)
		if val == 0 {
			idx += span
		} else {
			if idx+span > hllRegisters {
				return d, false // Redis 7.0.15 refuses registers past the last
			}
			for range span {
				denseSetReg(regs, idx, uint8(val))
				idx++
			}
		}
		p += oplen
	}
	return d, idx == hllRegisters
}

// sparseSet raises register index of sparse HyperLogLog v to count, in
// place or by splitting the opcode that holds it and merging equal
// neighbours as Redis does, so that the bytes are Redis's. When the value
// does not fit a VAL opcode or v would grow past maxBytes, it returns v's
// dense form instead. ok false: v is corrupted.
func sparseSet(v []byte, index int, count uint8, maxBytes int) (nv []byte, changed, ok bool) {
	if count > hllSparseValMaxValue {
		return promoteSet(v, index, count)
	}
	p, first, prev := hllHdrSize, 0, -1
	span, val, oplen := 0, 0, 0
	for p < len(v) {
		span, val, oplen = sparseOp(v, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= len(v) {
		return v, false, false
	}
	switch {
	case val != 0 && val >= int(count):
		return v, false, true
	case (val != 0 || oplen == 1) && span == 1:
		v[p] = sparseVal(int(count), 1)
	default:
		last := first + span - 1
		var buf [5]byte
		seq := buf[:0]
		if val == 0 {
			if index != first {
				seq = appendZeros(seq, index-first)
			}
			seq = append(seq, sparseVal(int(count), 1))
			if index != last {
				seq = appendZeros(seq, last-index)
			}
		} else {
			if index != first {
				seq = append(seq, sparseVal(val, index-first))
			}
			seq = append(seq, sparseVal(int(count), 1))
			if index != last {
				seq = append(seq, sparseVal(val, last-index))
			}
		}
		delta := len(seq) - oplen
		if delta > 0 && len(v)+delta > maxBytes {
			return promoteSet(v, index, count)
		}
		tail := v[min(p+oplen, len(v)):]
		out := make([]byte, 0, len(v)+delta)
		out = append(append(append(out, v[:p]...), seq...), tail...)
		v = out
	}
	// Merge adjacent VAL opcodes of the same value, scanning up to five
	// opcodes from the one before the change.
	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < len(v) && scan > 0; scan-- {
		b := v[p]
		if b&0xc0 == 0x40 {
			p += 2
			continue
		}
		if b&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < len(v) && v[p+1]&0x80 != 0 {
			_, v1, _ := sparseOp(v, p)
			_, v2, _ := sparseOp(v, p+1)
			if n := int(b&3) + int(v[p+1]&3) + 2; v1 == v2 && n <= hllSparseValMaxLen {
				v[p+1] = sparseVal(v1, n)
				v = append(v[:p], v[p+1:]...)
				continue
			}
		}
		p++
	}
	hllInvalidate(v)
	return v, true, true
}

// promoteSet converts v to dense and sets the register there.
func promoteSet(v []byte, index int, count uint8) ([]byte, bool, bool) {
	d, ok := sparseToDense(v)
	if !ok {
		return v, false, false
	}
	denseSet(d[hllHdrSize:], index, count)
	return d, true, true
}

// hllSet raises register index of HyperLogLog v (either encoding) to
// count.
func hllSet(v []byte, index int, count uint8, maxBytes int) ([]byte, bool, bool) {
	if v[4] == hllDense {
		return v, denseSet(v[hllHdrSize:], index, count), true
	}
	return sparseSet(v, index, count, maxBytes)
}

// hllMergeInto raises max's registers (one byte each) to v's; ok false
// when v is a corrupted sparse HyperLogLog.
func hllMergeInto(regs *[hllRegisters]uint8, v []byte) bool {
	if v[4] == hllDense {
		r := v[hllHdrSize:]
		for i := range regs {
			regs[i] = max(regs[i], denseGet(r, i))
		}
		return true
	}
	i := 0
	for p := hllHdrSize; p < len(v); {
		span, val, oplen := sparseOp(v, p)
		p += oplen
		if val == 0 {
			i += span
			continue
		}
		if i+span > hllRegisters {
			return false // Redis 7.0.15 refuses registers past the last
		}
		for range span {
			regs[i] = max(regs[i], uint8(val))
			i++
		}
	}
	return i == hllRegisters
}

// hllHisto counts v's registers by value; ok false when v is a corrupted
// sparse HyperLogLog.
func hllHisto(v []byte, h *[64]int) bool {
	if v[4] == hllDense {
		r := v[hllHdrSize:]
		for i := range hllRegisters {
			h[denseGet(r, i)]++
		}
		return true
	}
	idx := 0
	for p := hllHdrSize; p < len(v); {
		span, val, oplen := sparseOp(v, p)
		idx += span
		h[val] += span
		p += oplen
	}
	return idx == hllRegisters
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += float64(x * y) // float64(): never a fused multiply-add
		y += y
		if zPrime == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zPrime == z {
			return z / 3
		}
	}
}

// hllEstimate is Redis 7's cardinality of a register histogram.
func hllEstimate(h *[64]int) uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	return uint64(math.Round(hllAlphaInf * m * m / z))
}

// hllValue returns key's HyperLogLog for reading: nil when missing.
func (e *Engine) hllValue(en *entry, ok bool) ([]byte, error) {
	if !ok {
		return nil, nil
	}
	if !en.isString() {
		return nil, ErrWrongType
	}
	if !isHLL(en.val) {
		return nil, ErrNotHLL
	}
	return en.val, nil
}

// PFAdd adds elems to the HyperLogLog at key, creating it, and reports
// whether a register changed (or the key was created).
func (e *Engine) PFAdd(d int, key string, elems [][]byte) (bool, error) {
	e.lock()
	defer e.unlock()
	en, ok := e.lookupLocked(d, key, e.nowMs())
	old, err := e.hllValue(&en, ok)
	if err != nil {
		return false, err
	}
	var v []byte
	updated := !ok
	if ok {
		v = append(make([]byte, 0, len(old)+8), old...)
	} else {
		v = newHLL()
	}
	maxBytes := e.hllSparseMaxLocked()
	for _, el := range elems {
		i, n := hllPatLen(el)
		nv, changed, valid := hllSet(v, i, n, maxBytes)
		if !valid {
			return false, ErrInvalidHLL
		}
		v = nv
		updated = updated || changed
	}
	if updated {
		hllInvalidate(v)
		e.storeLocked(d, key, v, en.expireAt, encRaw)
		e.notify(EventString, "pfadd", d, key)
	} else {
		e.rawLocked(d, key, &en)
	}
	return updated, nil
}

// PFCount returns the cardinality of the HyperLogLog at keys[0] or, with
// several keys, of their union (missing keys are empty). For one key the
// cached cardinality is used when valid, and written back into the value
// when computed, as Redis does (a write, on a primary only).
func (e *Engine) PFCount(d int, keys []string) (int64, error) {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	if len(keys) > 1 {
		var regs [hllRegisters]uint8
		for _, k := range keys {
			en, ok := e.readLocked(d, k, now)
			v, err := e.hllValue(&en, ok)
			if err != nil {
				return 0, err
			}
			if v != nil && !hllMergeInto(&regs, v) {
				return 0, ErrInvalidHLL
			}
		}
		var h [64]int
		for _, r := range regs {
			h[r]++
		}
		return int64(hllEstimate(&h)), nil
	}
	en, ok := e.readLocked(d, keys[0], now)
	v, err := e.hllValue(&en, ok)
	if err != nil || v == nil {
		return 0, err
	}
	if v[15]&0x80 == 0 {
		card := int64(binary.LittleEndian.Uint64(v[8:16]))
		e.rawLocked(d, keys[0], &en)
		return card, nil
	}
	var h [64]int
	if !hllHisto(v, &h) {
		return 0, ErrInvalidHLL
	}
	card := hllEstimate(&h)
	if !e.replica {
		nv := append([]byte(nil), v...)
		binary.LittleEndian.PutUint64(nv[8:16], card)
		e.storeLocked(d, keys[0], nv, en.expireAt, encRaw)
	} else {
		e.rawLocked(d, keys[0], &en)
	}
	return int64(card), nil
}

// PFMerge stores in dst the union of the HyperLogLogs at srcs (Redis's
// PFMERGE passes dst among them), creating dst as needed and keeping its
// expiry. dst becomes dense when a source is.
func (e *Engine) PFMerge(d int, dst string, srcs []string) error {
	e.lock()
	defer e.unlock()
	now := e.nowMs()
	var regs [hllRegisters]uint8
	dense := false
	for _, k := range srcs {
		en, ok := e.readLocked(d, k, now)
		v, err := e.hllValue(&en, ok)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		dense = dense || v[4] == hllDense
		if !hllMergeInto(&regs, v) {
			return ErrInvalidHLL
		}
	}
	en, ok := e.lookupLocked(d, dst, now)
	var v []byte
	if ok {
		old, err := e.hllValue(&en, ok)
		if err != nil {
			return err
		}
		v = append([]byte(nil), old...)
	} else {
		v = newHLL()
	}
	if dense && v[4] == hllSparse {
		dv, valid := sparseToDense(v)
		if !valid {
			return ErrInvalidHLL
		}
		v = dv
	}
	maxBytes := e.hllSparseMaxLocked()
	for i, r := range regs {
		if r == 0 {
			continue
		}
		nv, _, valid := hllSet(v, i, r, maxBytes)
		if !valid {
			return ErrInvalidHLL
		}
		v = nv
	}
	hllInvalidate(v)
	e.storeLocked(d, dst, v, en.expireAt, encRaw)
	e.notify(EventString, "pfadd", d, dst)
	return nil
}
