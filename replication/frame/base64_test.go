package frame

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// appendBase64 writes exactly what the standard library writes, for every
// length around its word steps and random contents, after any prefix.
func TestAppendBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for n := range 200 {
		src := randBytes(r, n)
		if n%3 == 0 {
			src = bytes.Repeat([]byte{0xff}, n)
		}
		want := base64.StdEncoding.AppendEncode([]byte("pre"), src)
		require.Equal(t, string(want), string(appendBase64([]byte("pre"), src)), "length %d", n)
	}
}

func FuzzAppendBase64(f *testing.F) {
	f.Add([]byte("hello, world"), []byte("x"))
	f.Fuzz(func(t *testing.T, src, prefix []byte) {
		want := base64.StdEncoding.AppendEncode(bytes.Clone(prefix), src)
		require.Equal(t, want, appendBase64(bytes.Clone(prefix), src))
	})
}

func BenchmarkAppendBase64(b *testing.B) {
	src := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 4<<10)
	var dst []byte
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = base64.StdEncoding.AppendEncode(dst[:0], src)
		}
	})
	b.Run("pairs", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			dst = appendBase64(dst[:0], src)
		}
	})
}
