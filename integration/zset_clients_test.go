package integration

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestZSetGoRedis uses sorted sets as an application would with
// go-redis (a leaderboard), in RESP2 and RESP3.
func TestZSetGoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		k := "go:board:" + strconv.Itoa(proto)
		require.Equal(t, int64(3), c.ZAdd(ctx, k, redis.Z{Score: 10, Member: "ada"}, redis.Z{Score: 7.5, Member: "bob"}, redis.Z{Score: math.Inf(1), Member: "cy"}).Val())
		require.Equal(t, 12.5, c.ZIncrBy(ctx, k, 2.5, "ada").Val())
		require.Equal(t, []redis.Z{{Score: 7.5, Member: "bob"}, {Score: 12.5, Member: "ada"}, {Score: math.Inf(1), Member: "cy"}}, c.ZRangeWithScores(ctx, k, 0, -1).Val())
		require.Equal(t, []string{"cy", "ada"}, c.ZRevRange(ctx, k, 0, 1).Val())
		require.Equal(t, []string{"ada"}, c.ZRangeByScore(ctx, k, &redis.ZRangeBy{Min: "(7.5", Max: "100"}).Val())
		require.Equal(t, int64(1), c.ZRank(ctx, k, "ada").Val())
		require.Equal(t, math.Inf(1), c.ZScore(ctx, k, "cy").Val())
		require.Equal(t, []float64{7.5, 0}, c.ZMScore(ctx, k, "bob", "nope").Val())
		require.Equal(t, int64(2), c.ZCount(ctx, k, "0", "20").Val())
		n, err := c.ZAddArgsIncr(ctx, k, redis.ZAddArgs{NX: true, Members: []redis.Z{{Score: 1, Member: "ada"}}}).Result()
		require.ErrorIs(t, err, redis.Nil) // NX kept ada's score
		require.Zero(t, n)
		require.Equal(t, []redis.Z{{Score: 7.5, Member: "bob"}}, c.ZPopMin(ctx, k).Val())
		key, popped, err := c.ZMPop(ctx, "max", 1, "go:none", k).Result()
		require.NoError(t, err)
		require.Equal(t, k, key)
		require.Equal(t, []redis.Z{{Score: math.Inf(1), Member: "cy"}}, popped)
		require.Equal(t, int64(1), c.ZUnionStore(ctx, k+":copy", &redis.ZStore{Keys: []string{k}, Weights: []float64{2}}).Val())
		require.Equal(t, 25.0, c.ZScore(ctx, k+":copy", "ada").Val())
		require.Equal(t, []redis.Z{{Score: 12.5, Member: "ada"}}, c.ZRandMemberWithScores(ctx, k, 1).Val())
		require.Equal(t, "zset", c.Type(ctx, k).Val())
		require.ErrorContains(t, c.Get(ctx, k).Err(), "WRONGTYPE")
		require.Equal(t, int64(1), c.ZRem(ctx, k, "ada", "nope").Val())
		require.Zero(t, c.Exists(ctx, k).Val())
	}
}

// TestZSetRedisPy runs testdata/redis_py_zset.py.
func TestZSetRedisPy(t *testing.T) {
	t.Parallel()
	python := requireRedisPy(t, "redis")
	s := startServer(t)
	out, errOut, code := runTool(t, "", python, "testdata/redis_py_zset.py", strconv.Itoa(s.Port))
	require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Equal(t, "OK\n", out, "stderr:\n%s", errOut)
}

// TestZSetRedisCLI runs sorted set commands through redis-cli, RESP2 and
// -3.
func TestZSetRedisCLI(t *testing.T) {
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
	run("2\n", "ZADD", "cli:z", "1.5", "a", "2", "b")
	run("a\n1.5\nb\n2\n", "ZRANGE", "cli:z", "0", "-1", "WITHSCORES")
	run("a\n1.5\nb\n2\n", "-3", "ZRANGE", "cli:z", "0", "-1", "WITHSCORES")
	run("0.10000000000000001\n", "ZINCRBY", "cli:y", "0.1", "m")
	run("zset\n", "TYPE", "cli:z")
	run("listpack\n", "OBJECT", "ENCODING", "cli:z")
	run("ERR min or max is not a float\n\n", "ZCOUNT", "cli:z", "x", "1")
}

// TestZSetRandomReplies checks the random replies by their properties,
// on a listpack and on a skiplist: ZRANDMEMBER's counts, distinctness
// and scores, and a full ZSCAN returning every member with its score.
func TestZSetRandomReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		k := "rand:" + strconv.Itoa(n)
		want := map[string]float64{}
		var zs []redis.Z
		for i := range n {
			m := "m" + strconv.Itoa(i)
			want[m] = float64(i) / 4
			zs = append(zs, redis.Z{Score: want[m], Member: m})
		}
		require.NoError(t, c.ZAdd(ctx, k, zs...).Err())
		enc := map[int]string{10: "listpack", 1000: "skiplist"}[n]
		require.Equal(t, enc, c.ObjectEncoding(ctx, k).Val())
		for _, count := range []int{1, 5, n - 1, n, n + 10} {
			got := c.ZRandMemberWithScores(ctx, k, count).Val()
			require.Len(t, got, min(count, n))
			seen := map[string]bool{}
			for _, z := range got {
				m := z.Member.(string)
				require.Equal(t, want[m], z.Score)
				require.False(t, seen[m], "ZRANDMEMBER %d repeated %s", count, m)
				seen[m] = true
			}
		}
		for _, count := range []int{-1, -7, -3 * n} {
			got := c.ZRandMember(ctx, k, count).Val()
			require.Len(t, got, -count)
			for _, m := range got {
				require.Contains(t, want, m)
			}
		}
		found := map[string]float64{}
		var cursor uint64
		for {
			page, next, err := c.ZScan(ctx, k, cursor, "", 20).Result()
			require.NoError(t, err)
			require.Zero(t, len(page)%2)
			for i := 0; i < len(page); i += 2 {
				sc, err := strconv.ParseFloat(page[i+1], 64)
				require.NoError(t, err)
				found[page[i]] = sc
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		require.Equal(t, want, found)
		page, _, err := c.ZScan(ctx, k, 0, "m1?", 100000).Result()
		require.NoError(t, err)
		for i := 0; i < len(page); i += 2 {
			require.True(t, strings.HasPrefix(page[i], "m1") && len(page[i]) == 3, page[i])
		}
	}
}

// TestZSetGoRedisBlocking uses BZPOPMIN, BZPOPMAX and BZMPOP as a
// priority job queue would with go-redis, in RESP2 and RESP3: a worker
// waits for the most urgent job, a producer adds jobs once it waits, and
// an empty queue times out (go-redis sends at least one second) with
// redis.Nil.
func TestZSetGoRedisBlocking(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		t.Cleanup(func() { _ = c.Close() })
		jobs := "go:jobs:" + strconv.Itoa(proto)
		got := make(chan *redis.ZWithKey, 1)
		errs := make(chan error, 1)
		go func() {
			z, err := c.BZPopMin(ctx, 0, "go:none", jobs).Result()
			got <- z
			errs <- err
		}()
		waitBlockedClients(t, s.Client(), 1)
		require.Equal(t, int64(3), c.ZAdd(ctx, jobs, redis.Z{Score: 2, Member: "mail"}, redis.Z{Score: 1, Member: "page"}, redis.Z{Score: 3, Member: "log"}).Val())
		require.NoError(t, <-errs)
		require.Equal(t, &redis.ZWithKey{Key: jobs, Z: redis.Z{Score: 1, Member: "page"}}, <-got)

		z, err := c.BZPopMax(ctx, time.Second, jobs).Result()
		require.NoError(t, err)
		require.Equal(t, &redis.ZWithKey{Key: jobs, Z: redis.Z{Score: 3, Member: "log"}}, z)
		key, popped, err := c.BZMPop(ctx, time.Second, "min", 10, "go:none", jobs).Result()
		require.NoError(t, err)
		require.Equal(t, jobs, key)
		require.Equal(t, []redis.Z{{Score: 2, Member: "mail"}}, popped)

		_, err = c.BZPopMin(ctx, time.Second, jobs).Result()
		require.ErrorIs(t, err, redis.Nil)
		_, _, err = c.BZMPop(ctx, time.Second, "max", 1, jobs).Result()
		require.ErrorIs(t, err, redis.Nil)
		require.NoError(t, c.Set(ctx, "go:str", "v", 0).Err())
		require.ErrorContains(t, c.BZPopMin(ctx, time.Second, "go:str").Err(), "WRONGTYPE")
	}
}
