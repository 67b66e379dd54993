package integration

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// loggedBytes is the size of a node's log segments.
func loggedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, seg := range listData(t, dir).Segments {
		fi, err := os.Stat(segmentPath(dir, seg))
		require.NoError(t, err)
		n += fi.Size()
	}
	return n
}

// TestLongStringPartialWrites: APPEND, SETRANGE, SETBIT and BITFIELD on
// a string of a megabyte are logged and replicated as the bytes they
// wrote, not as the whole value each time: the log grows by about what
// the commands wrote, a secondary and a restarted primary end with the
// same data, and the key keeps its expiry everywhere.
func TestLongStringPartialWrites(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, aofArgs("everysec")...)
	s := startSecondary(t, p)
	chunk := strings.Repeat("x", 1024)
	require.NoError(t, p.rdb.Set(ctx, "big", chunk, 0).Err())
	require.NoError(t, p.rdb.Expire(ctx, "big", 3600e9).Err())
	for range 1023 { // 1 MiB, by 1 KiB appends
		require.NoError(t, p.rdb.Append(ctx, "big", chunk).Err())
	}
	_, err := p.rdb.Pipelined(ctx, func(pp redis.Pipeliner) error {
		for i := range 100 {
			pp.SetBit(ctx, "big", int64(i)*80_000, 0)
			pp.SetRange(ctx, "big", int64(i)*10_000+3, "patched")
			pp.BitField(ctx, "big", "SET", "u8", i*8_000+5, 65, "INCRBY", "u4", i*8_000+900, 3)
		}
		pp.SetBit(ctx, "big", 9_000_000, 1)                 // grows it to 1,125,001 bytes
		pp.SetRange(ctx, "big", 1_200_000, "tail")          // past the end: zeros, then the bytes
		pp.BitField(ctx, "big", "SET", "u8", "#1300000", 7) // past the end too: 1,300,001 bytes
		pp.Append(ctx, "big", "")                           // a write of no bytes, logged whole
		pp.SetBit(ctx, "far", 80_000_000, 1)                // a missing key made 10 MB long: one byte logged
		for i := range 20_000 {                             // a bitmap grown by rising offsets: whole, then patches past 512 bytes
			pp.SetBit(ctx, "bitmap", int64(i)*9, 1)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, int64(1_300_001), p.rdb.StrLen(ctx, "big").Val())
	require.Equal(t, int64(20_000), p.rdb.BitCount(ctx, "bitmap", nil).Val())
	require.Equal(t, int64(10_000_001), p.rdb.StrLen(ctx, "far").Val())
	before := requireConverged(t, p, s)
	require.Greater(t, s.rdb.TTL(ctx, "big").Val().Seconds(), 3000.0, "the expiry stays on the secondary")
	require.Less(t, loggedBytes(t, p.Dir), int64(8<<20), "the log holds the writes, not 1,300 copies of the value")

	p.stop()
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the same data after a restart")
	require.Greater(t, p.rdb.TTL(ctx, "big").Val().Seconds(), 3000.0)
}

// TestLongStringWholeForLegacy: with repl-allow-legacy yes, a partial
// write of a long string is logged whole, as a reference secondary (which
// knows only whole values) needs it.
func TestLongStringWholeForLegacy(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, append(aofArgs("everysec"), "--repl-allow-legacy", "yes")...)
	require.NoError(t, p.rdb.Set(ctx, "big", strings.Repeat("x", 1<<20), 0).Err())
	start := loggedBytes(t, p.Dir)
	for range 3 {
		require.NoError(t, p.rdb.Append(ctx, "big", "y").Err())
	}
	require.NoError(t, p.rdb.Do(ctx, "CONFIG", "SET", "repl-allow-legacy", "no").Err())
	for range 3 {
		require.NoError(t, p.rdb.SetBit(ctx, "big", 100, 1).Err())
	}
	p.stop()
	grown := loggedBytes(t, p.Dir) - start
	require.Greater(t, grown, int64(3<<20), "three whole values")
	require.Less(t, grown, int64(4<<20), "then three patches")
}
