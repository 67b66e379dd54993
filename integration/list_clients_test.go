package integration

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestListGoRedis uses lists as an application would with go-redis, a
// work queue with a blocked consumer included, in RESP2 and RESP3.
func TestListGoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		k, done := "go:jobs:"+strconv.Itoa(proto), "go:done:"+strconv.Itoa(proto)
		require.Equal(t, int64(2), c.LPush(ctx, k, "j1", "j2").Val())
		require.Equal(t, int64(3), c.RPush(ctx, k, "j0").Val())
		require.Equal(t, []string{"j2", "j1", "j0"}, c.LRange(ctx, k, 0, -1).Val())
		require.Equal(t, int64(3), c.LLen(ctx, k).Val())
		require.Equal(t, "j1", c.LIndex(ctx, k, 1).Val())
		require.Equal(t, int64(1), c.LPos(ctx, k, "j1", redis.LPosArgs{}).Val())
		require.Equal(t, "j0", c.LMove(ctx, k, done, "RIGHT", "LEFT").Val())
		require.Equal(t, []string{"j2", "j1"}, c.LPopCount(ctx, k, 5).Val())
		require.ErrorIs(t, c.LPop(ctx, k).Err(), redis.Nil)
		key, vals, err := c.LMPop(ctx, "left", 10, k, done).Result()
		require.NoError(t, err)
		require.Equal(t, done, key)
		require.Equal(t, []string{"j0"}, vals)

		// A consumer blocked in BLPOP is served by the producer's push.
		got := make(chan []string, 1)
		go func() { got <- c.BLPop(ctx, 10*time.Second, k).Val() }()
		waitBlockedClients(t, s.Client(), 1)
		require.NoError(t, s.Client().RPush(ctx, k, "late").Err())
		require.Equal(t, []string{k, "late"}, <-got)
		require.ErrorIs(t, c.BLPop(ctx, 50*time.Millisecond, k).Err(), redis.Nil)
		require.ErrorIs(t, c.BLMove(ctx, k, done, "LEFT", "LEFT", 50*time.Millisecond).Err(), redis.Nil)
		require.Equal(t, "list", func() string { c.RPush(ctx, k, "x"); return c.Type(ctx, k).Val() }())
		require.ErrorContains(t, c.Get(ctx, k).Err(), "WRONGTYPE")
	}
}

// TestListRedisPy runs testdata/redis_py_list.py.
func TestListRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_list.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
}

// TestListRedisCLI runs list commands through redis-cli, RESP2 and -3.
func TestListRedisCLI(t *testing.T) {
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
	run("3\n", "RPUSH", "cli:l", "a", "b", "c")
	run("a\nb\nc\n", "LRANGE", "cli:l", "0", "-1")
	run("quicklist\n", "OBJECT", "ENCODING", "cli:l")
	run("cli:l\na\n", "BLPOP", "cli:l", "0")
	run("cli:l\nb\nc\n", "-3", "LMPOP", "1", "cli:l", "LEFT", "COUNT", "5")
	run("\n", "BLPOP", "cli:l", "0.01")
	run("none\n", "TYPE", "cli:l")
}
