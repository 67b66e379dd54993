package rdb

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDecodeFunctions: a FUNCTION DUMP payload made by redis-server
// 7.0.15 (its library's code LZF-compressed) gives the code back; this
// package's payloads go back and forth; a payload that is damaged or holds
// something else than a library is refused.
func TestDecodeFunctions(t *testing.T) {
	fromRedis, err := hex.DecodeString("f5c3405340721f23216c7561206e616d653d6c7a660a72656469732e72656769737465725f6675076e6374696f6e2822201c02222c20e0000f14292072657475726e2022636f6d7072657373656420e0170a052220656e64290a00817e192b8be2175f")
	require.NoError(t, err)
	codes, err := DecodeFunctions(fromRedis)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte(`#!lua name=lzf` + "\n" + `redis.register_function("lzf", function() return "compressed compressed compressed compressed" end)`)}, codes)

	for _, want := range [][][]byte{nil, {[]byte("a")}, {[]byte("#!lua name=x\nreturn 1"), []byte("12"), make([]byte, 70000)}} {
		got, err := DecodeFunctions(EncodeFunctions(want))
		require.NoError(t, err)
		require.Equal(t, len(want), len(got))
		for i := range want {
			require.Equal(t, want[i], got[i])
		}
	}

	damaged := append([]byte(nil), fromRedis...)
	damaged[5] ^= 1
	_, err = DecodeFunctions(damaged)
	require.ErrorIs(t, err, ErrPayload)
	notLib := AppendFooter(appendString([]byte{0}, []byte("k")), 0) // a string object
	_, err = DecodeFunctions(notLib)
	require.ErrorIs(t, err, ErrNotFunction)
	truncated := AppendFooter([]byte{opFunction2, 0x05, 'a'}, 0)
	_, err = DecodeFunctions(truncated)
	require.ErrorIs(t, err, ErrBadData)
}
