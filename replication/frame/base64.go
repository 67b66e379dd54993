package frame

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
)

// appendBase64 appends the standard base64 (padded) of src to dst, as
// base64.StdEncoding.AppendEncode does, about twice as fast: six input
// bytes at a time, read as one word, become eight characters through four
// lookups of twelve bits each (base64Pairs), written as one word. Batches
// of operations and of snapshot keys, always base64 on the wire, spent
// about half of their encoding time in the standard library's encoder,
// which looks up one character per six bits.
func appendBase64(dst, src []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(src))
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	i, j := 0, 0
	t := &base64Pairs
	for ; len(src)-i >= 14 && len(out)-j >= 16; i, j = i+12, j+16 {
		v := binary.BigEndian.Uint64(src[i : i+8])
		w := binary.BigEndian.Uint64(src[i+6 : i+14])
		binary.LittleEndian.PutUint64(out[j:j+8], uint64(t[v>>52])|
			uint64(t[v>>40&0xfff])<<16|
			uint64(t[v>>28&0xfff])<<32|
			uint64(t[v>>16&0xfff])<<48)
		binary.LittleEndian.PutUint64(out[j+8:j+16], uint64(t[w>>52])|
			uint64(t[w>>40&0xfff])<<16|
			uint64(t[w>>28&0xfff])<<32|
			uint64(t[w>>16&0xfff])<<48)
	}
	for ; len(src)-i >= 8 && len(out)-j >= 8; i, j = i+6, j+8 {
		v := binary.BigEndian.Uint64(src[i : i+8]) // the first 48 bits are the six bytes
		binary.LittleEndian.PutUint64(out[j:j+8], uint64(t[v>>52])|
			uint64(t[v>>40&0xfff])<<16|
			uint64(t[v>>28&0xfff])<<32|
			uint64(t[v>>16&0xfff])<<48)
	}
	// The rest (fewer than eight bytes, from a multiple of three).
	base64.StdEncoding.Encode(out[j:], src[i:])
	return dst[:len(dst)+n]
}

// base64Pairs maps twelve bits to their two base64 characters, the first
// in the low byte. Read-only after package initialisation.
var base64Pairs = func() (t [4096]uint16) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = uint16(alphabet[i>>6]) | uint16(alphabet[i&63])<<8
	}
	return t
}()
