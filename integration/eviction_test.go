package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	// oomText is Redis's refusal of a denyoom command above maxmemory.
	oomText = "OOM command not allowed when used memory > 'maxmemory'."
	// notLFUText answers OBJECT FREQ without an LFU policy.
	notLFUText = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	// lfuText answers OBJECT IDLETIME under an LFU policy.
	lfuText = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

	// evictValueSize is the size of the values the eviction tests write.
	evictValueSize = 1000
	// evictRoom is how much memory above the empty server's the tests
	// allow: room for about 220 of their keys here.
	evictRoom = 256 << 10
)

// usedMemory reads INFO memory's used_memory.
func usedMemory(t *testing.T, n *node) int64 {
	t.Helper()
	return atoi(t, n.requireInfo("memory")["used_memory"])
}

// overshoot is how far above maxmemory used_memory may be seen. Like
// Redis, the server evicts before a write runs, so the last write of a
// single client may take the memory above the limit by its own footprint
// until the next write. Here the accounting is exact, so that footprint is
// bounded by the value, the key and the per-key overhead; redis-server's
// used_memory also moves with its allocator and client buffers.
func overshoot() int64 {
	if target == targetRedis {
		return 64 << 10
	}
	return 2 * evictValueSize
}

// limitMemory sets maxmemory to evictRoom above what n uses now, and the
// policy, and returns the limit.
func limitMemory(t *testing.T, n *node, policy string) int64 {
	t.Helper()
	ctx := context.Background()
	limit := usedMemory(t, n) + evictRoom
	require.NoError(t, n.rdb.ConfigSet(ctx, "maxmemory-policy", policy).Err())
	require.NoError(t, n.rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10)).Err())
	return limit
}

// TestMaxMemoryNoEviction: under noeviction, writes that may grow memory
// are refused with Redis's exact -OOM once memory is above maxmemory, while
// reads, deletes and expiry changes go on; once keys are deleted, writes
// are accepted again. Both targets.
func TestMaxMemoryNoEviction(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	ctx := context.Background()
	c := n.rdb
	require.Equal(t, map[string]string{"maxmemory": "0"}, c.ConfigGet(ctx, "maxmemory").Val())
	require.Equal(t, map[string]string{"maxmemory-policy": "noeviction"}, c.ConfigGet(ctx, "maxmemory-policy").Val())
	limit := limitMemory(t, n, "noeviction")
	require.Equal(t, map[string]string{"maxmemory": strconv.FormatInt(limit, 10)}, c.ConfigGet(ctx, "maxmemory").Val())

	val := strings.Repeat("v", evictValueSize)
	written := 0
	for ; ; written++ {
		err := c.Set(ctx, fmt.Sprintf("key:%05d", written), val, 0).Err()
		if err != nil {
			requireRedisErr(t, err, oomText)
			break
		}
		require.Less(t, written, 10*evictRoom/evictValueSize, "never refused")
	}
	require.Greater(t, written, evictRoom/evictValueSize/2, "refused long before the limit")
	used := usedMemory(t, n)
	if target == targetNadb {
		// Exact accounting: refused only once above the limit. Redis
		// compares the limit with used_memory less some buffers.
		require.Greater(t, used, limit)
	}
	require.LessOrEqual(t, used, limit+overshoot())
	mem := n.requireInfo("memory")
	require.Equal(t, strconv.FormatInt(limit, 10), mem["maxmemory"])
	require.Equal(t, "noeviction", mem["maxmemory_policy"])
	require.Equal(t, "0", n.requireInfo("stats")["evicted_keys"])

	// Every command that may grow memory is refused, checked well above
	// the limit: near it redis-server's figure wobbles with its buffers.
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", "1").Err())
	for _, cmd := range [][]any{
		{"APPEND", "key:00000", "x"}, {"INCR", "counter"}, {"MSET", "a", "1"}, {"SETNX", "b", "1"},
		{"SETRANGE", "key:00000", "0", "x"}, {"GETSET", "key:00000", "x"}, {"COPY", "key:00000", "copy"},
	} {
		requireRedisErr(t, c.Do(ctx, cmd...).Err(), oomText)
	}
	require.Equal(t, val, c.Get(ctx, "key:00000").Val(), "reads go on")
	require.True(t, c.Expire(ctx, "key:00001", time.Hour).Val(), "EXPIRE goes on")
	require.Equal(t, int64(written), c.DBSize(ctx).Val(), "nothing was evicted")
	require.Equal(t, int64(100), c.Del(ctx, keyRange(0, 100)...).Val(), "DEL goes on")
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10)).Err())
	require.NoError(t, c.Set(ctx, "after", "delete", 0).Err(), "room again after the deletes")

	// The LFU and LRU introspection replies, as Redis's (without a limit,
	// so that the new policy evicts nothing).
	require.NoError(t, c.ConfigSet(ctx, "maxmemory", "0").Err())
	requireRedisErr(t, c.Do(ctx, "OBJECT", "FREQ", "after").Err(), notLFUText)
	require.NoError(t, c.ConfigSet(ctx, "maxmemory-policy", "ALLKEYS-LFU").Err())
	require.Equal(t, map[string]string{"maxmemory-policy": "allkeys-lfu"}, c.ConfigGet(ctx, "maxmemory-policy").Val())
	requireRedisErr(t, c.Do(ctx, "OBJECT", "IDLETIME", "after").Err(), lfuText)
	require.ErrorIs(t, c.Do(ctx, "OBJECT", "FREQ", "missing").Err(), redis.Nil)
}

// keyRange returns the names key:from .. key:to-1 of the eviction tests.
func keyRange(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("key:%05d", i))
	}
	return out
}

// TestMaxMemoryEvictionPolicies: for each policy that evicts, a single
// client writes about five times maxmemory. used_memory never goes above
// maxmemory by more than one write (see overshoot), keys are evicted, and
// the right keys survive: keys without an expiry under the volatile
// policies, the keys with the latest expiry under volatile-ttl, a hot set
// read between writes under allkeys-lru and allkeys-lfu. With nadb-server
// a secondary with a much smaller maxmemory of its own follows the
// primary: it evicts nothing, refuses nothing, and holds exactly what the
// primary holds (offsets and DEBUG DIGEST).
func TestMaxMemoryEvictionPolicies(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			testEvictionPolicy(t, policy)
		})
	}
}

func testEvictionPolicy(t *testing.T, policy string) {
	ctx := context.Background()
	p := startNode(t)
	var s *node
	if target == targetNadb {
		s = startSecondary(t, p, "--maxmemory", "10kb", "--maxmemory-policy", policy)
		s.waitInfo("replication", "master_link_status", "up")
	}
	limit := limitMemory(t, p, policy)
	c := p.rdb
	val := strings.Repeat("v", evictValueSize)
	volatile := strings.HasPrefix(policy, "volatile-")

	// The keys that must survive: persistent ones under a volatile policy
	// (the load's keys all expire), ones expiring last under volatile-ttl,
	// a hot set read between the load's writes under LRU and LFU.
	var keep []string
	for i := range 10 {
		k := fmt.Sprintf("keep:%02d", i)
		keep = append(keep, k)
		var ttl time.Duration
		if policy == "volatile-ttl" {
			ttl = 24 * time.Hour
		}
		require.NoError(t, c.Set(ctx, k, val, ttl).Err())
	}
	// The hot set is read between writes under both LRU and LFU.
	// Redis's LRU clock counts whole seconds, so within a load of a few
	// seconds its idle times cannot tell the hot set from the load: there
	// the survival of the hot set is checked for LFU only. This server's
	// LRU clock counts 10 ms units: the hot set is read once the server's
	// clock has moved two units past each batch, so that the clock can
	// tell the batch's keys from the hot set (a fast machine writes many
	// batches within one unit).
	readHot := policy == "allkeys-lru" || policy == "allkeys-lfu"
	hot := policy == "allkeys-lfu" || (readHot && target == targetNadb)

	const phases, perPhase, batch = 12, 100, 25
	total := 0
	for phase := range phases {
		for b := 0; b < perPhase; b += batch {
			pipe := c.Pipeline()
			for range batch {
				ttl := time.Duration(0)
				if volatile || total%2 == 0 {
					ttl = time.Hour + time.Duration(total)*time.Millisecond
				}
				pipe.Set(ctx, fmt.Sprintf("key:%05d", total), val, ttl)
				total++
			}
			_, err := pipe.Exec(ctx)
			require.NoError(t, err, "phase %d", phase)
			if hot && policy == "allkeys-lru" {
				waitServerClock(t, c, 20*time.Millisecond)
			}
			for i := 0; readHot && i < 3; i++ {
				n := countExisting(t, c, keep)
				if hot {
					require.Equal(t, len(keep), n, "the hot set was evicted after %d writes", total)
				}
			}
			used := usedMemory(t, p)
			require.LessOrEqual(t, used, limit+overshoot(), "used_memory above maxmemory after %d writes", total)
		}
	}
	evicted := atoi(t, p.requireInfo("stats")["evicted_keys"])
	require.Greater(t, evicted, int64(total/2), "a load of several times maxmemory evicts most of it")
	dbsize := c.DBSize(ctx).Val()
	require.Less(t, dbsize, int64(evictRoom/evictValueSize)+1)
	if volatile || hot {
		require.Equal(t, len(keep), countExisting(t, c, keep), "a key that %s must keep was evicted", policy)
	}
	if s == nil {
		return
	}
	requireConverged(t, p, s)
	require.Equal(t, "0", s.requireInfo("stats")["evicted_keys"], "a secondary never evicts on its own")
	require.Equal(t, dbsize, s.rdb.DBSize(ctx).Val())
	require.Equal(t, usedMemory(t, p), usedMemory(t, s), "the same keys take the same accounted memory")
	require.Greater(t, usedMemory(t, s), int64(10<<10), "the secondary is far above its own maxmemory")
}

// countExisting reads keys (an access, for LRU and LFU) and returns how
// many exist.
// waitServerClock returns once the server's clock (TIME) has moved d past
// its reading at the call.
func waitServerClock(t *testing.T, c *redis.Client, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	start, err := c.Time(ctx).Result()
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		now, err := c.Time(ctx).Result()
		return err == nil && now.Sub(start) >= d
	}, convergeTimeout, time.Millisecond, "the server's clock did not move")
}

func countExisting(t *testing.T, c *redis.Client, keys []string) int {
	t.Helper()
	vals, err := c.MGet(context.Background(), keys...).Result()
	require.NoError(t, err)
	n := 0
	for _, v := range vals {
		if v != nil {
			n++
		}
	}
	return n
}

// TestMaxMemoryLoweredAtRunTime: CONFIG SET maxmemory below the memory in
// use evicts at once, as Redis does, and the evictions reach a secondary.
func TestMaxMemoryLoweredAtRunTime(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ctx := context.Background()
	p, s := startLinkedPair(t)
	val := strings.Repeat("v", evictValueSize)
	pipe := p.rdb.Pipeline()
	for i := range 500 {
		pipe.Set(ctx, fmt.Sprintf("key:%05d", i), val, 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	require.NoError(t, p.rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-random").Err())
	require.NoError(t, p.rdb.ConfigSet(ctx, "maxmemory", "100kb").Err())
	require.LessOrEqual(t, usedMemory(t, p), int64(100<<10), "evicted by CONFIG SET itself")
	p.requireLogged(t, "the new maxmemory is below the memory used")
	requireConverged(t, p, s)
	require.Equal(t, p.rdb.DBSize(ctx).Val(), s.rdb.DBSize(ctx).Val())
	require.Equal(t, "0", s.requireInfo("stats")["evicted_keys"])
}
