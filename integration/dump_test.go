package integration

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startReference starts a real redis-server beside the server under test,
// for the tests that move values between the two. It checks every payload
// RESTORE gives it in depth (sanitize-dump-payload), so that a payload of
// this server that Redis takes is well formed, not merely readable.
func startReference(t *testing.T) *Server {
	t.Helper()
	bin := requireTool(t, "redis-server")
	for attempt := 1; ; attempt++ {
		port := freePorts(t, 1)[0]
		s, err := tryLaunchWith(t, launchOpts{bin: bin}, port, "--port", strconv.Itoa(port),
			"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--sanitize-dump-payload", "yes")
		if err == nil {
			return s
		}
		if attempt == 5 {
			t.Fatal(err)
		}
	}
}

// dumpCase builds one value with the same commands on both servers.
type dumpCase struct {
	name  string
	key   string
	cmds  [][]any
	exact bool // Redis's payload is this server's byte for byte (no LZF in it)
}

func dumpCases() []dumpCase {
	cs := []dumpCase{
		{"short string", "s", [][]any{{"SET", "s", "hello"}}, true},
		{"empty string", "s", [][]any{{"SET", "s", ""}}, true},
		{"int8", "s", [][]any{{"SET", "s", "-12"}}, true},
		{"int16", "s", [][]any{{"SET", "s", "300"}}, true},
		{"int32", "s", [][]any{{"SET", "s", "-2147483648"}}, true},
		{"int64 as text", "s", [][]any{{"SET", "s", "2147483648"}}, true},
		{"not canonical", "s", [][]any{{"SET", "s", "007"}}, true},
		{"float text", "s", [][]any{{"SET", "s", "1.5"}}, true},
		{"binary", "s", [][]any{{"SET", "s", "\x00\xff\r\n"}}, true},
		{"long string", "s", [][]any{{"SET", "s", strings.Repeat("abcdefgh", 40)}}, false},
		{"string with expiry", "s", [][]any{{"SET", "s", "v", "EX", "1000"}}, true},
		{"listpack hash", "h", [][]any{{"HSET", "h", "a", "1", "b", "x"}}, true},
		{"hashtable hash", "h", [][]any{{"HSET", "h", "f", strings.Repeat("v", 100)}}, false},
		{"small list", "l", [][]any{{"RPUSH", "l", "a", "1", "-700"}}, true},
		{"intset", "si", [][]any{{"SADD", "si", "1", "2", "-3"}}, true},
		{"hashtable set", "sh", [][]any{{"SADD", "sh", "a", "b", "c"}}, false},
		{"listpack zset", "z", [][]any{{"ZADD", "z", "1", "a", "2.5", "b"}}, true},
		{"stream", "x", [][]any{{"XADD", "x", "1-1", "f", "v"}}, true},
	}
	big := func(name, key string, n int, f func(i int) []any) dumpCase {
		c := dumpCase{name: name, key: key}
		for i := range n {
			c.cmds = append(c.cmds, f(i))
		}
		return c
	}
	cs = append(cs,
		big("big hash", "h", 300, func(i int) []any { return []any{"HSET", "h", fmt.Sprint("field:", i), fmt.Sprint(i * 7)} }),
		big("big list", "l", 3000, func(i int) []any { return []any{"RPUSH", "l", fmt.Sprint("element-", i), i} }),
		big("big intset", "si", 300, func(i int) []any { return []any{"SADD", "si", i * 1000003} }),
		big("big set", "sh", 300, func(i int) []any { return []any{"SADD", "sh", fmt.Sprint("m", i)} }),
		big("skiplist zset", "z", 300, func(i int) []any { return []any{"ZADD", "z", float64(i) / 3, fmt.Sprint("m", i)} }),
		big("big stream", "x", 450, func(i int) []any {
			if i%3 == 0 {
				return []any{"XADD", "x", fmt.Sprintf("%d-%d", 1+i/10, i%10), "f", i, "g", "x"}
			}
			return []any{"XADD", "x", fmt.Sprintf("%d-%d", 1+i/10, i%10), "other", i}
		}),
		dumpCase{"stream with deletions and groups", "x", [][]any{
			{"XADD", "x", "1-1", "a", "1"}, {"XADD", "x", "2-1", "a", "2"}, {"XADD", "x", "3-1", "b", "3", "c", "4"},
			{"XADD", "x", "4-1", "a", "5"}, {"XDEL", "x", "2-1"},
			{"XGROUP", "CREATE", "x", "g1", "0"}, {"XGROUP", "CREATE", "x", "g0", "$"},
			{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "x", ">"},
			{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "1", "STREAMS", "x", ">"},
			{"XACK", "x", "g1", "1-1"}, {"XGROUP", "CREATECONSUMER", "x", "g1", "carol"},
		}, false},
		dumpCase{"empty stream", "x", [][]any{{"XADD", "x", "5-5", "a", "1"}, {"XDEL", "x", "5-5"}}, true},
	)
	return cs
}

// valueOf is everything a client can read of a key, times aside.
func valueOf(ctx context.Context, t *testing.T, c *redis.Client, key string) string {
	t.Helper()
	typ, err := c.Type(ctx, key).Result()
	require.NoError(t, err)
	enc, err := c.ObjectEncoding(ctx, key).Result()
	require.NoError(t, err)
	ttl, err := c.PTTL(ctx, key).Result()
	require.NoError(t, err)
	out := fmt.Sprintf("%s %s ttl:%v ", typ, enc, ttl > 0)
	var v any
	switch typ {
	case "string":
		v, err = c.Get(ctx, key).Result()
	case "hash":
		m, e := c.HGetAll(ctx, key).Result()
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k+"="+m[k])
		}
		slices.Sort(keys)
		v, err = keys, e
	case "list":
		v, err = c.LRange(ctx, key, 0, -1).Result()
	case "set":
		m, e := c.SMembers(ctx, key).Result()
		slices.Sort(m)
		v, err = m, e
	case "zset":
		v, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
	case "stream":
		var parts []any
		for _, cmd := range [][]any{{"XRANGE", key, "-", "+"}, {"XINFO", "GROUPS", key}} {
			r, e := c.Do(ctx, cmd...).Result()
			require.NoError(t, e)
			parts = append(parts, r)
		}
		info, e := c.Do(ctx, "XINFO", "STREAM", key).Result()
		require.NoError(t, e)
		for _, f := range []string{"length", "last-generated-id", "max-deleted-entry-id", "entries-added", "first-entry", "last-entry"} {
			parts = append(parts, f, info.(map[any]any)[f])
		}
		groups, e := c.XInfoGroups(ctx, key).Result()
		require.NoError(t, e)
		for _, g := range groups {
			pend, e := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: key, Group: g.Name, Start: "-", End: "+", Count: 100}).Result()
			require.NoError(t, e)
			for _, p := range pend {
				parts = append(parts, p.ID, p.Consumer, p.RetryCount)
			}
			cons, e := c.XInfoConsumers(ctx, key, g.Name).Result()
			require.NoError(t, e)
			for _, cn := range cons {
				parts = append(parts, cn.Name, cn.Pending)
			}
		}
		v = parts
	}
	require.NoError(t, err)
	return out + fmt.Sprint(v)
}

// TestDumpRestoreWithRedis builds the same values in this server and in a
// real redis-server and checks that DUMP gives Redis's payload byte for
// byte where Redis's has no LZF compression in it, and that each server
// restores the other's payload into the value it was.
func TestDumpRestoreWithRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ours := startServer(t).Client()
	ref := startReference(t)
	theirs := redis.NewClient(&redis.Options{Addr: ref.Addr(), Protocol: 3})
	t.Cleanup(func() { _ = theirs.Close() })
	for _, tc := range dumpCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []*redis.Client{ours, theirs} {
				require.NoError(t, c.FlushAll(ctx).Err())
				for _, cmd := range tc.cmds {
					require.NoError(t, c.Do(ctx, cmd...).Err(), "%v", cmd)
				}
			}
			want := valueOf(ctx, t, theirs, tc.key)
			require.Equal(t, want, valueOf(ctx, t, ours, tc.key), "the value built")
			pOurs, err := ours.Dump(ctx, tc.key).Result()
			require.NoError(t, err)
			pTheirs, err := theirs.Dump(ctx, tc.key).Result()
			require.NoError(t, err)
			if tc.exact {
				require.Equal(t, fmt.Sprintf("%q", pTheirs), fmt.Sprintf("%q", pOurs), "DUMP payload")
			}
			ttl := int64(0)
			if strings.Contains(want, "ttl:true") {
				ttl = 500000
			}
			for _, c := range []*redis.Client{ours, theirs} {
				require.Equal(t, "OK", c.Do(ctx, "RESTORE", "from-ours", ttl, pOurs).Val(), "RESTORE of this server's payload")
				require.Equal(t, "OK", c.Do(ctx, "RESTORE", "from-redis", ttl, pTheirs).Val(), "RESTORE of Redis's payload")
				require.Equal(t, want, valueOf(ctx, t, c, "from-ours"), "this server's payload restored")
				require.Equal(t, want, valueOf(ctx, t, c, "from-redis"), "Redis's payload restored")
			}
		})
	}
}
