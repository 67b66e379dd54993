package integration

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestSetGoRedis uses sets as an application would with go-redis, in
// RESP2 and RESP3: tags of an article, followers in common, a lottery.
func TestSetGoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		p := strconv.Itoa(proto)
		ada, bob := "go:followers:ada:"+p, "go:followers:bob:"+p
		require.Equal(t, int64(3), c.SAdd(ctx, ada, "carl", "dora", "eve").Val())
		require.Equal(t, int64(2), c.SAdd(ctx, bob, "dora", "fred").Val())
		require.ElementsMatch(t, []string{"dora"}, c.SInter(ctx, ada, bob).Val())
		require.ElementsMatch(t, []string{"carl", "eve"}, c.SDiff(ctx, ada, bob).Val())
		require.ElementsMatch(t, []string{"carl", "dora", "eve", "fred"}, c.SUnion(ctx, ada, bob).Val())
		require.Equal(t, int64(1), c.SInterCard(ctx, 0, ada, bob).Val())
		require.Equal(t, int64(4), c.SUnionStore(ctx, "go:all:"+p, ada, bob).Val())
		require.True(t, c.SIsMember(ctx, ada, "eve").Val())
		require.Equal(t, []bool{true, false}, c.SMIsMember(ctx, ada, "eve", "zed").Val())
		require.True(t, c.SMove(ctx, ada, bob, "eve").Val())
		require.Equal(t, int64(3), c.SCard(ctx, bob).Val())
		members, cursor, err := c.SScan(ctx, bob, 0, "*e*", 10).Result()
		require.NoError(t, err)
		require.Zero(t, cursor)
		require.ElementsMatch(t, []string{"fred", "eve"}, members)

		lottery := "go:lottery:" + p
		require.NoError(t, c.SAdd(ctx, lottery, 1, 2, 3, 4, 5).Err())
		require.Equal(t, "intset", c.ObjectEncoding(ctx, lottery).Val())
		require.Equal(t, []string{"1", "2", "3", "4", "5"}, c.SMembers(ctx, lottery).Val())
		winners := c.SPopN(ctx, lottery, 2).Val()
		require.Len(t, winners, 2)
		require.Equal(t, int64(3), c.SCard(ctx, lottery).Val())
		require.Len(t, c.SRandMemberN(ctx, lottery, -10).Val(), 10)
		require.Equal(t, map[string]struct{}{"1": {}, "2": {}, "3": {}, "4": {}, "5": {}}, mapOf(append(c.SMembers(ctx, lottery).Val(), winners...)))
		require.Equal(t, "set", c.Type(ctx, lottery).Val())
		require.ErrorContains(t, c.Get(ctx, lottery).Err(), "WRONGTYPE")
		require.Equal(t, int64(1), c.Del(ctx, lottery).Val())
	}
}

func mapOf(ss []string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, s := range ss {
		out[s] = struct{}{}
	}
	return out
}

// TestSetRedisPy runs testdata/redis_py_set.py.
func TestSetRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_set.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
}

// TestSetRedisCLI runs set commands through redis-cli, RESP2 and -3.
func TestSetRedisCLI(t *testing.T) {
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
	run("3\n", "SADD", "cli:s", "30", "10", "20")
	run("10\n20\n30\n", "SMEMBERS", "cli:s")
	run("10\n20\n30\n", "-3", "SMEMBERS", "cli:s")
	run("intset\n", "OBJECT", "ENCODING", "cli:s")
	run("1\n", "SADD", "cli:s", "x")
	run("hashtable\n", "OBJECT", "ENCODING", "cli:s")
	run("4\n", "SCARD", "cli:s")
	run("1\n0\n", "SMISMEMBER", "cli:s", "x", "y")
	run("2\n", "SINTERCARD", "2", "cli:s", "cli:s", "LIMIT", "2")
	run("set\n", "TYPE", "cli:s")
	run("ERR numkeys should be greater than 0\n\n", "SINTERCARD", "0", "cli:s")
	run("WRONGTYPE Operation against a key holding the wrong kind of value\n\n", "GET", "cli:s")
}
