package frame

import (
	"math/rand/v2"
	"testing"
)

func plainPrefixNaive(s []byte) int {
	for i, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

// Every byte value at every position of a 17-byte run of plain text, and
// random texts that mix plain and special bytes, give the byte loop's answer.
func TestPlainPrefix(t *testing.T) {
	base := []byte("abcdefghijklmnopq")
	for pos := range base {
		for c := range 256 {
			s := append([]byte(nil), base...)
			s[pos] = byte(c)
			if got, want := plainPrefix(s), plainPrefixNaive(s); got != want {
				t.Fatalf("byte %#x at %d: got %d, want %d", c, pos, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		s := make([]byte, r.IntN(40))
		for i := range s {
			if r.IntN(20) == 0 {
				s[i] = byte(r.IntN(256))
			} else {
				s[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := plainPrefix(s), plainPrefixNaive(s); got != want {
			t.Fatalf("%q: got %d, want %d", s, got, want)
		}
	}
}
