package integration

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestHashGoRedis uses hashes as an application would with go-redis, in
// RESP2 and RESP3.
func TestHashGoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		k := "go:session:" + strconv.Itoa(proto)
		require.NoError(t, c.HSet(ctx, k, map[string]any{"user": "ada", "visits": 1}).Err())
		require.Equal(t, map[string]string{"user": "ada", "visits": "1"}, c.HGetAll(ctx, k).Val())
		require.Equal(t, int64(3), c.HIncrBy(ctx, k, "visits", 2).Val())
		require.InDelta(t, 0.5, c.HIncrByFloat(ctx, k, "ratio", 0.5).Val(), 1e-9)
		require.Equal(t, []any{"ada", nil}, c.HMGet(ctx, k, "user", "none").Val())
		require.ElementsMatch(t, []string{"user", "visits", "ratio"}, c.HKeys(ctx, k).Val())
		require.True(t, c.HExists(ctx, k, "user").Val())
		require.False(t, c.HSetNX(ctx, k, "user", "bob").Val())
		require.Len(t, c.HRandFieldWithValues(ctx, k, 2).Val(), 2)
		keys, cursor, err := c.HScan(ctx, k, 0, "*", 10).Result()
		require.NoError(t, err)
		require.Zero(t, cursor)
		require.Len(t, keys, 6)
		var st struct {
			User   string `redis:"user"`
			Visits int    `redis:"visits"`
		}
		require.NoError(t, c.HGetAll(ctx, k).Scan(&st))
		require.Equal(t, "ada", st.User)
		require.Equal(t, 3, st.Visits)
		require.Equal(t, "hash", c.Type(ctx, k).Val())
		require.ErrorContains(t, c.Get(ctx, k).Err(), "WRONGTYPE")
		require.Equal(t, int64(3), c.HDel(ctx, k, "user", "visits", "ratio").Val())
		require.Zero(t, c.Exists(ctx, k).Val())
	}
}

// TestHashRedisPy runs testdata/redis_py_hash.py.
func TestHashRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_hash.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
}

// TestHashRedisCLI runs hash commands through redis-cli, RESP2 and -3.
func TestHashRedisCLI(t *testing.T) {
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
	run("2\n", "HSET", "cli:h", "a", "1", "b", "2")
	run("a\n1\nb\n2\n", "HGETALL", "cli:h")
	run("a 1\nb 2\n", "-3", "HGETALL", "cli:h") // a map, as redis-cli prints one raw
	run("11\n", "HINCRBY", "cli:h", "a", "10")
	run("hash\n", "TYPE", "cli:h")
	run("listpack\n", "OBJECT", "ENCODING", "cli:h")
	run("WRONGTYPE Operation against a key holding the wrong kind of value\n\n", "GET", "cli:h")
}

// TestHashRandomReplies checks the replies that are random or depend on
// the encoding by their properties, on a listpack and on a hashtable:
// HRANDFIELD's counts, distinctness and values, a full HSCAN returning
// every field with its value, HGETALL/HKEYS/HVALS agreeing.
func TestHashRandomReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		k := "rand:" + strconv.Itoa(n)
		want := map[string]string{}
		for i := range n {
			want["f"+strconv.Itoa(i)] = "v" + strconv.Itoa(i*7)
		}
		require.NoError(t, c.HSet(ctx, k, want).Err())
		require.Equal(t, want, c.HGetAll(ctx, k).Val())
		keys, vals := c.HKeys(ctx, k).Val(), c.HVals(ctx, k).Val()
		require.Len(t, keys, n)
		for i := range keys {
			require.Equal(t, want[keys[i]], vals[i])
		}
		for _, count := range []int{1, 5, n - 1, n, n + 10} {
			got := c.HRandFieldWithValues(ctx, k, count).Val()
			require.Len(t, got, min(count, n))
			seen := map[string]bool{}
			for _, kv := range got {
				require.Equal(t, want[kv.Key], kv.Value)
				require.False(t, seen[kv.Key], "HRANDFIELD %d repeated %s", count, kv.Key)
				seen[kv.Key] = true
			}
		}
		for _, count := range []int{-1, -7, -3 * n} {
			got := c.HRandField(ctx, k, count).Val()
			require.Len(t, got, -count)
			for _, f := range got {
				require.Contains(t, want, f)
			}
		}
		// A full HSCAN, following the cursor, returns every field.
		found := map[string]string{}
		var cursor uint64
		for {
			page, next, err := c.HScan(ctx, k, cursor, "", 20).Result()
			require.NoError(t, err)
			require.Zero(t, len(page)%2)
			for i := 0; i < len(page); i += 2 {
				found[page[i]] = page[i+1]
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		require.Equal(t, want, found)
		page, _, err := c.HScan(ctx, k, 0, "f1?", 10000).Result()
		require.NoError(t, err)
		for i := 0; i < len(page); i += 2 {
			require.Len(t, page[i], 3)
		}
	}
}
