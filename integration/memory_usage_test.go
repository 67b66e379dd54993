package integration

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestMemoryUsageReplies holds for redis-server too: MEMORY USAGE answers
// an integer for a key, a null for a missing one, and Redis's errors for
// its options; MEMORY PURGE answers OK. (The figures differ: Redis asks its
// allocator, nadb-server its keyspace's accounting.)
func TestMemoryUsageReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"MEMORY", "USAGE", "missing"}, "$-1\r\n"},
		{[]string{"MEMORY", "USAGE", "k", "SAMPLES", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"MEMORY", "USAGE", "k", "SAMPLES", "-1"}, "-ERR syntax error\r\n"},
		{[]string{"MEMORY", "USAGE", "k", "SAMPLES"}, "-ERR syntax error\r\n"},
		{[]string{"MEMORY", "USAGE", "k", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"MEMORY", "USAGE"}, "-ERR wrong number of arguments for 'memory|usage' command\r\n"},
		{[]string{"MEMORY", "PURGE"}, "+OK\r\n"},
		{[]string{"MEMORY", "PURGE", "x"}, "-ERR wrong number of arguments for 'memory|purge' command\r\n"},
		{[]string{"MEMORY", "FOO"}, "-ERR unknown subcommand 'FOO'. Try MEMORY HELP.\r\n"},
	})
	for _, args := range [][]string{{"MEMORY", "USAGE", "k"}, {"MEMORY", "USAGE", "k", "SAMPLES", "0"}} {
		c.send(respCommand(args))
		line := c.readLine()
		require.True(t, strings.HasPrefix(line, ":"), "%v: %q", args, line)
		n, err := strconv.Atoi(line[1:])
		require.NoError(t, err)
		require.Positive(t, n, "%v", args)
	}
}

// TestMemoryUsageAddsUp: the keys' MEMORY USAGE add up to used_memory,
// less the fixed share of the 16 empty databases: they are the same
// accounting, key by key.
func TestMemoryUsageAddsUp(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startNode(t)
	rdb := n.rdb
	for i := range 50 {
		k := strconv.Itoa(i)
		require.NoError(t, rdb.Set(ctx, "s"+k, strings.Repeat("v", i*10), 0).Err())
		require.NoError(t, rdb.Set(ctx, "t"+k, k, time.Hour).Err())
		require.NoError(t, rdb.HSet(ctx, "h"+k, "f", k, "g", strings.Repeat("x", i)).Err())
		require.NoError(t, rdb.RPush(ctx, "l"+k, "a", "b", k).Err())
		require.NoError(t, rdb.ZAdd(ctx, "z"+k, redis.Z{Score: 1, Member: k}).Err())
	}
	var sum int64
	for _, k := range rdb.Keys(ctx, "*").Val() {
		n, err := rdb.MemoryUsage(ctx, k).Result()
		require.NoError(t, err, k)
		sum += n
	}
	used, err := strconv.ParseInt(n.requireInfo("memory")["used_memory"], 10, 64)
	require.NoError(t, err)
	require.Equal(t, used-16*512, sum)
}

// TestRedisCLIMemKeys: redis-cli --memkeys, which walks the keyspace with
// SCAN, TYPE and MEMORY USAGE, reports the biggest key of each type.
func TestRedisCLIMemKeys(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()
	require.NoError(t, rdb.Set(ctx, "small", "v", 0).Err())
	require.NoError(t, rdb.Set(ctx, "large", strings.Repeat("x", 5000), 0).Err())
	require.NoError(t, rdb.HSet(ctx, "h", "f", "v").Err())
	out, err := exec.Command(cli, "-p", strconv.Itoa(s.Port), "--memkeys").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "Sampled 3 keys in the keyspace!")
	require.Contains(t, string(out), `Biggest string found '"large"'`)
	require.Contains(t, string(out), `Biggest   hash found '"h"'`)
}
