package integration

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestBitmapGoRedis uses bitmaps and HyperLogLogs as an application would
// with go-redis, in RESP2 and RESP3: a daily activity bitmap, counters in
// a bit field, unique visitors in a HyperLogLog.
func TestBitmapGoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		p := strconv.Itoa(proto)
		day := "go:active:" + p
		for _, user := range []int64{3, 10, 11, 500} {
			require.Zero(t, c.SetBit(ctx, day, user, 1).Val())
		}
		require.Equal(t, int64(1), c.SetBit(ctx, day, 10, 0).Val(), "the old bit")
		require.Equal(t, int64(1), c.GetBit(ctx, day, 11).Val())
		require.Zero(t, c.GetBit(ctx, day, 10).Val())
		require.Equal(t, int64(3), c.BitCount(ctx, day, nil).Val())
		require.Equal(t, int64(2), c.BitCount(ctx, day, &redis.BitCount{Start: 0, End: 1}).Val())
		require.Equal(t, int64(1), c.BitCount(ctx, day, &redis.BitCount{Start: 8, End: 15, Unit: redis.BitCountIndexBit}).Val())
		require.Equal(t, int64(3), c.BitPos(ctx, day, 1).Val())
		require.Equal(t, int64(500), c.BitPos(ctx, day, 1, 2).Val())
		require.Equal(t, int64(63), c.StrLen(ctx, day).Val())
		require.Equal(t, int64(63), c.BitOpNot(ctx, day+":not", day).Val())
		require.Equal(t, int64(63*8-3), c.BitCount(ctx, day+":not", nil).Val())

		ctr := "go:counters:" + p
		require.Equal(t, []int64{0, -5}, c.BitField(ctx, ctr, "SET", "u8", "#0", 250, "INCRBY", "i16", "#1", -5).Val())
		require.Equal(t, []int64{4, -5}, c.BitField(ctx, ctr, "INCRBY", "u8", "#0", 10, "GET", "i16", "#1").Val())
		require.Equal(t, []int64{255}, c.BitField(ctx, ctr, "OVERFLOW", "SAT", "INCRBY", "u8", "#0", 1000).Val())
		require.Equal(t, []int64{255, -5}, c.BitFieldRO(ctx, ctr, "u8", "#0", "i16", "#1").Val())
		require.ErrorContains(t, c.BitField(ctx, ctr, "GET", "u64", 0).Err(), "Invalid bitfield type")

		visits := "go:visitors:" + p
		require.Equal(t, int64(1), c.PFAdd(ctx, visits, "ada", "bob", "cy").Val())
		require.Zero(t, c.PFAdd(ctx, visits, "bob").Val())
		require.Equal(t, int64(3), c.PFCount(ctx, visits).Val())
		var many []any
		for i := range 10000 {
			many = append(many, "visitor:"+strconv.Itoa(i))
		}
		require.Equal(t, int64(1), c.PFAdd(ctx, visits+":big", many...).Val())
		require.InEpsilon(t, 10000, c.PFCount(ctx, visits+":big").Val(), 0.02)
		require.Equal(t, "OK", c.PFMerge(ctx, visits+":all", visits, visits+":big").Val())
		require.Equal(t, c.PFCount(ctx, visits, visits+":big").Val(), c.PFCount(ctx, visits+":all").Val())
		require.Equal(t, "string", c.Type(ctx, visits).Val())
		require.ErrorContains(t, c.PFAdd(ctx, day, "x").Err(), "WRONGTYPE Key is not a valid HyperLogLog string value.")
	}
}

// TestBitmapRedisPy runs testdata/redis_py_bitmap.py.
func TestBitmapRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_bitmap.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
}

// TestBitmapRedisCLI runs bitmap and HyperLogLog commands through
// redis-cli, RESP2 and -3.
func TestBitmapRedisCLI(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	s := startServer(t)
	port := strconv.Itoa(s.Port)
	run := func(want string, args ...string) {
		t.Helper()
		out, errOut, code := runTool(t, "", cli, append([]string{"-p", port}, args...)...)
		require.Zero(t, code, "stderr:\n%s", errOut)
		require.Equal(t, want, out, "%v", args)
	}
	run("0\n", "SETBIT", "cli:b", "9", "1")
	run("1\n", "GETBIT", "cli:b", "9")
	run("\x00@\n", "GET", "cli:b")
	run("1\n", "BITCOUNT", "cli:b")
	run("9\n", "BITPOS", "cli:b", "1")
	run("0\n200\n", "BITFIELD", "cli:f", "SET", "u8", "0", "200", "GET", "u8", "0")
	run("\n", "BITFIELD", "cli:f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "100")
	run("1) (nil)\n", "-3", "--no-raw", "BITFIELD", "cli:f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "100")
	run("1\n", "PFADD", "cli:h", "a", "b", "c", "a")
	run("3\n", "PFCOUNT", "cli:h")
	run("OK\n", "PFMERGE", "cli:u", "cli:h", "cli:none")
	run("3\n", "PFCOUNT", "cli:u", "cli:h")
	run("WRONGTYPE Key is not a valid HyperLogLog string value.\n\n", "PFCOUNT", "cli:b")
}
