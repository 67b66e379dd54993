package engine

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/bits"
)

// Digest is a 128-bit digest of a dataset: equal datasets have equal
// digests, whatever the order of the writes that built them, and the empty
// dataset's is zero.
//
// The engine keeps it up to date in O(1) per change, inside the critical
// section that applies the change. It is the sum modulo 2^128, over the
// databases d, of M(d) x S(d), where S(d) is the sum modulo 2^128 of one
// 128-bit term per key of database d and M(d) is a fixed odd constant per
// database index. A key's term mixes a 128-bit hash of its name, a 64-bit
// hash of its value (kept in the key's entry, so replacing or removing a
// value never reads the old bytes again), its type and its expiry. Adding
// or removing a key adds or subtracts M(d) x term; FLUSHDB subtracts
// M(d) x S(d); swapping two databases (SWAPDB) only swaps their sums and
// corrects the total, since the database index is not part of a key's term.
// A load (a restart, a snapshot, a full resynchronisation) rebuilds the sums
// once, in O(n).
//
// Every hash here is fixed (seeds and constants below, little-endian
// reads), so two machines, or two versions of this server, compute the
// same digest for the same data; they are not cryptographic and only guard
// against accidents, not against a peer that lies. Two different datasets
// share a digest with a probability of about 2^-64 (the value hash is the
// narrowest part).
type Digest struct{ Hi, Lo uint64 }

// IsZero reports whether d is the empty dataset's digest.
func (d Digest) IsZero() bool { return d == Digest{} }

func (d Digest) add(x Digest) Digest {
	lo, c := bits.Add64(d.Lo, x.Lo, 0)
	hi, _ := bits.Add64(d.Hi, x.Hi, c)
	return Digest{hi, lo}
}

func (d Digest) sub(x Digest) Digest {
	lo, b := bits.Sub64(d.Lo, x.Lo, 0)
	hi, _ := bits.Sub64(d.Hi, x.Hi, b)
	return Digest{hi, lo}
}

// mul returns d x m modulo 2^128.
func (d Digest) mul(m Digest) Digest {
	hi, lo := bits.Mul64(d.Lo, m.Lo)
	hi += d.Lo*m.Hi + d.Hi*m.Lo
	return Digest{hi, lo}
}

// String returns the digest as 32 lowercase hex digits, most significant
// first.
func (d Digest) String() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], d.Hi)
	binary.BigEndian.PutUint64(b[8:], d.Lo)
	return hex.EncodeToString(b[:])
}

// ErrBadDigest: a digest's text is not 32 hex digits.
var ErrBadDigest = errors.New("digest is not 32 hex digits")

// ParseDigest reads what String writes (upper-case digits too).
func ParseDigest[S ~string | ~[]byte](s S) (Digest, error) {
	var b [16]byte
	if len(s) != 32 {
		return Digest{}, ErrBadDigest
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return Digest{}, ErrBadDigest
	}
	return Digest{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, nil
}

// Fixed seeds and mixing constants of the digest (odd 64-bit numbers taken
// from the fractional parts of the square roots of the primes 2 to 23, as
// SHA-512's initial values are). Changing any of them changes every digest
// and breaks checkpoints between versions.
const (
	kA = 0x6a09e667f3bcc909
	kB = 0xbb67ae8584caa73b
	kC = 0x3c6ef372fe94f82b
	kD = 0xa54ff53a5f1d36f1
	kE = 0x510e527fade682d1
	kF = 0x9b05688c2b3e6c1f
	kG = 0x1f83d9abfb41bd6b
	kH = 0x5be0cd19137e2179
)

// Type tags of a key's term. Only strings exist so far; each new type takes
// the next tag so that a string and, say, a one-element list never collide.
const (
	tagString uint64 = 1
	tagHash   uint64 = 2
	tagList   uint64 = 3
	tagSet    uint64 = 4
	tagZSet   uint64 = 5
	tagStream uint64 = 6
)

// mix multiplies a by b to 128 bits and folds the halves.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func le64[S ~string | ~[]byte](p S) uint64 {
	_ = p[7]
	return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
		uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
}

func le32[S ~string | ~[]byte](p S) uint64 {
	_ = p[3]
	return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24
}

// hash64 is a fast, fixed 64-bit hash of p under seed: 16 bytes per
// multiply, every input bit reaching every output bit through the last two.
func hash64[S ~string | ~[]byte](seed uint64, p S) uint64 {
	n := len(p)
	h := seed ^ mix(seed^kA, uint64(n)^kB)
	for len(p) > 16 {
		h = mix(le64(p)^kC^h, le64(p[8:])^kD)
		p = p[16:]
	}
	var a, b uint64
	switch m := len(p); {
	case m >= 8:
		a, b = le64(p), le64(p[m-8:])
	case m >= 4:
		a, b = le32(p), le32(p[m-4:])
	case m > 0:
		a = uint64(p[0])<<16 | uint64(p[m>>1])<<8 | uint64(p[m-1])
	}
	h = mix(a^kE^h, b^kF)
	return mix(h^kG, uint64(n)^kH)
}

// valueHash is the 64-bit hash of a value kept in its entry. A string up
// to strChunk bytes long is hashed whole. A longer one is hashed by
// pieces: the sum of one hash per strChunk bytes (the last piece may be
// shorter), each under a seed of its index, plus a hash of the length. A
// write of a few bytes into a long string (SETBIT, SETRANGE, APPEND) then
// changes the value hash by rehashing only the pieces it touches
// (patchedHash), not the whole value.
func valueHash(v []byte) uint64 {
	if len(v) <= strChunk {
		return hash64(kB, v)
	}
	return piecesHash(v, 0, (len(v)-1)/strChunk) + lengthHash(len(v))
}

// strChunk is the length of the pieces of a long string's value hash.
const strChunk = 4 << 10

// pieceHash is the hash of piece i of a long string, p.
func pieceHash(i int, p []byte) uint64 { return hash64(mix(uint64(i)^kA, kG)^kB, p) }

// piecesHash is the sum of the hashes of pieces lo to hi of v (those
// beyond its end count nothing).
func piecesHash(v []byte, lo, hi int) uint64 {
	var s uint64
	for i := lo; i <= hi && i*strChunk < len(v); i++ {
		s += pieceHash(i, v[i*strChunk:min((i+1)*strChunk, len(v))])
	}
	return s
}

// lengthHash is the part of a long string's value hash that is its length.
func lengthHash(n int) uint64 { return mix(uint64(n)^kH, kC) }

// touchedPieces returns the first and last piece (of the value hash, see
// valueHash) that a write of n > 0 bytes at off changes in a string of
// oldLen bytes: those it writes, the zero bytes padding a gap past the
// end, and the old last piece when the string grows.
func touchedPieces(oldLen int, off int64, n int) (lo, hi int) {
	return int(min(off, int64(oldLen)) / strChunk), int((off + int64(n) - 1) / strChunk)
}

// piecesBefore is what patchedHash needs of the old value, read before a
// write in place overwrites it: the hashes of the pieces lo to hi of old,
// when old is long enough to be hashed by pieces.
func piecesBefore(old []byte, lo, hi int) uint64 {
	if len(old) <= strChunk {
		return 0
	}
	return piecesHash(old, lo, hi)
}

// patchedHash returns the value hash of nv, the string of oldLen bytes
// and value hash oldVH once a write changed its pieces lo to hi
// (touchedPieces), before being piecesBefore of the old bytes. It costs
// the pieces touched, not the value, once both strings are long.
func patchedHash(oldVH uint64, oldLen int, before uint64, nv []byte, lo, hi int) uint64 {
	if oldLen <= strChunk || len(nv) <= strChunk {
		return valueHash(nv)
	}
	return oldVH - lengthHash(oldLen) - before + piecesHash(nv, lo, hi) + lengthHash(len(nv))
}

// keyHash is the 128-bit hash of a key's name, computed once per change
// even when the change replaces one term by another.
type keyHash struct{ a, b uint64 }

func hashKey(key string) keyHash { return keyHash{hash64(kA, key), hash64(kC, key)} }

// term is the 128-bit term of a key of this name with type tag, value hash
// vh and expiry expireAt.
func (k keyHash) term(tag, vh uint64, expireAt int64) Digest {
	x := mix(vh^kD, tag^kE) ^ uint64(expireAt)
	return Digest{
		Hi: mix(mix(k.a^kF, x^kG)^kH, k.b^kA),
		Lo: mix(mix(k.b^kB, x^kC)^kD, k.a^kE),
	}
}

// dbMultiplier returns M(d), odd so that no database's sum can vanish.
func dbMultiplier(d int) Digest {
	x := uint64(d) + 1
	return Digest{Hi: mix(x^kA, kB) ^ mix(x^kC, kD), Lo: mix(x^kE, kF) ^ mix(x^kG, kH) | 1}
}

// term returns en's term; k is the hash of en.key.
func (en *entry) term(k keyHash) Digest {
	switch en.kind {
	case encHash:
		return k.term(tagHash, recVH(en.val), en.expireAt)
	case encHashLP:
		return k.term(tagHash, lpVH(en.val), en.expireAt)
	case encList, encSet, encZSet, encStream:
		return k.term(collTag(en.kind), recVH(en.val), en.expireAt)
	}
	return k.term(tagString, en.valueHash(), en.expireAt)
}

// collTag is the type tag of a collection record's term.
func collTag(kind encoding) uint64 {
	switch kind {
	case encList:
		return tagList
	case encSet:
		return tagSet
	case encStream:
		return tagStream
	}
	return tagZSet
}

// DigestOf returns the digest of items, as an engine holding exactly them
// reports it.
func DigestOf(items []Item) Digest {
	var sums []Digest
	for i := range items {
		it := &items[i]
		if it.Type == TypeFunctions {
			continue // no key: in no digest
		}
		for len(sums) <= it.DB {
			sums = append(sums, Digest{})
		}
		tag, vh := tagString, valueHash(it.Value)
		switch it.Type {
		case TypeHash:
			o, err := hashFromPacked(it.Value, DefaultHashLimits)
			if err != nil {
				panic("engine: DigestOf: " + err.Error())
			}
			tag, vh = tagHash, o.vh
		case TypeList, TypeSet, TypeZSet, TypeStream:
			c, err := collFromPacked(it.Type, it.Value, DefaultCollLimits)
			if err != nil {
				panic("engine: DigestOf: " + err.Error())
			}
			tag, vh = collTag(collKind(it.Type)), c.valueHash()
		}
		sums[it.DB] = sums[it.DB].add(hashKey(it.Key).term(tag, vh, it.ExpireAt))
	}
	var total Digest
	for d, s := range sums {
		total = total.add(s.mul(dbMultiplier(d)))
	}
	return total
}
