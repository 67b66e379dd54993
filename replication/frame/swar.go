package frame

import "encoding/binary"

// Word-at-a-time scanning of JSON string text. Keys and values are mostly
// printable ASCII, and the string loops of the encoder and the decoder spend
// their time stepping over such runs one byte at a time; plainPrefix steps
// over them eight bytes at a time instead.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// plainPrefix returns the length of the longest prefix of s made of bytes
// that stand for themselves inside a canonical JSON string: 0x20 to 0x7e,
// except '"' and '\\'.
func plainPrefix(s []byte) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special8(binary.LittleEndian.Uint64(s[i:])) != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return i
		}
	}
	return i
}

// special8 is non-zero when any of the eight bytes of x is below 0x20, at or
// above 0x7f, '"' or '\\'. Borrows and carries between bytes can only add
// flags above a byte that is itself special, so zero means none is.
func special8(x uint64) uint64 {
	low := (x - 0x20*swarOnes) &^ x // a byte below 0x20 (or with its high bit set)
	high := x | (x + 0x01*swarOnes) // a byte 0x7f or above
	q := x ^ ('"' * swarOnes)       // a '"' becomes zero
	bs := x ^ ('\\' * swarOnes)     // a '\\' becomes zero
	zq := (q - swarOnes) &^ q       // a zero byte of q
	zb := (bs - swarOnes) &^ bs     // a zero byte of bs
	return (low | high | zq | zb) & swarHighs
}
