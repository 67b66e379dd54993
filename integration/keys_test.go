package integration

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	errNoSuchKey  = "ERR no such key"
	errDBRange    = "ERR DB index is out of range"
	errSameObject = "ERR source and destination objects are the same"
	errNXXX       = "ERR NX and XX, GT or LT options at the same time are not compatible"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	now := time.Now()
	in100 := now.Add(100 * time.Second)
	at := strconv.FormatInt(in100.Unix(), 10)
	atMs := strconv.FormatInt(in100.UnixMilli(), 10)
	past := strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)

	scriptTest(t, map[string][]step{
		"DEL UNLINK EXISTS": {
			{cmd: []any{"MSET", "a", "1", "b", "2", "c", "3", "d", "4"}, want: "OK"},
			{cmd: []any{"EXISTS", "a", "a", "b", "nope"}, want: 3},
			{cmd: []any{"EXISTS", "nope"}, want: 0},
			{cmd: []any{"DEL", "a", "b", "nope"}, want: 2},
			{cmd: []any{"DEL", "a"}, want: 0},
			{cmd: []any{"UNLINK", "c", "nope"}, want: 1},
			{cmd: []any{"EXISTS", "a", "b", "c", "d"}, want: 1},
			{cmd: []any{"DEL"}, err: wrongArgs("del")},
			{cmd: []any{"EXISTS"}, err: wrongArgs("exists")},
		},
		"TYPE": {
			{cmd: []any{"SET", "a", "1"}, want: "OK"},
			{cmd: []any{"TYPE", "a"}, want: "string"},
			{cmd: []any{"TYPE", "nope"}, want: "none"},
			{cmd: []any{"TYPE", "a", "b"}, err: wrongArgs("type")},
		},
		"RANDOMKEY": {
			{cmd: []any{"RANDOMKEY"}, want: nilReply{}},
			{cmd: []any{"SET", "only", "1"}, want: "OK"},
			{cmd: []any{"RANDOMKEY"}, want: "only"},
			{cmd: []any{"SET", "other", "1"}, want: "OK"},
			{cmd: []any{"RANDOMKEY"}, want: oneOf("only", "other")},
		},
		"RENAME RENAMENX": {
			{cmd: []any{"SET", "a", "1", "EX", 100}, want: "OK"},
			{cmd: []any{"RENAME", "a", "b"}, want: "OK"},
			{cmd: []any{"EXISTS", "a"}, want: 0},
			{cmd: []any{"GET", "b"}, want: "1"},
			{cmd: []any{"TTL", "b"}, want: between(99, 100)},
			{cmd: []any{"RENAME", "b", "b"}, want: "OK"},
			{cmd: []any{"RENAME", "nope", "x"}, err: errNoSuchKey},
			{cmd: []any{"SET", "c", "3"}, want: "OK"},
			{cmd: []any{"RENAME", "c", "b"}, want: "OK"},
			{cmd: []any{"GET", "b"}, want: "3"},
			{cmd: []any{"TTL", "b"}, want: -1},
			{cmd: []any{"SET", "d", "4"}, want: "OK"},
			{cmd: []any{"RENAMENX", "d", "b"}, want: 0},
			{cmd: []any{"RENAMENX", "d", "e"}, want: 1},
			{cmd: []any{"MGET", "b", "d", "e"}, want: []any{"3", nil, "4"}},
			{cmd: []any{"RENAMENX", "nope", "x"}, err: errNoSuchKey},
			{cmd: []any{"RENAME", "b"}, err: wrongArgs("rename")},
		},
		"EXPIRE TTL PERSIST": {
			{cmd: []any{"TTL", "a"}, want: -2},
			{cmd: []any{"PTTL", "a"}, want: -2},
			{cmd: []any{"EXPIRE", "a", 100}, want: 0},
			{cmd: []any{"SET", "a", "1"}, want: "OK"},
			{cmd: []any{"TTL", "a"}, want: -1},
			{cmd: []any{"PTTL", "a"}, want: -1},
			{cmd: []any{"EXPIRE", "a", 100}, want: 1},
			{cmd: []any{"TTL", "a"}, want: between(99, 100)},
			{cmd: []any{"PEXPIRE", "a", 50000}, want: 1},
			{cmd: []any{"PTTL", "a"}, want: between(45000, 50000)},
			{cmd: []any{"PERSIST", "a"}, want: 1},
			{cmd: []any{"PERSIST", "a"}, want: 0},
			{cmd: []any{"PERSIST", "nope"}, want: 0},
			{cmd: []any{"TTL", "a"}, want: -1},
			{cmd: []any{"EXPIRE", "a", "abc"}, err: errNotInt},
			{cmd: []any{"EXPIRE", "a"}, err: wrongArgs("expire")},
			{cmd: []any{"EXPIRE", "a", -1}, want: 1},
			{cmd: []any{"EXISTS", "a"}, want: 0},
			{cmd: []any{"SET", "b", "1"}, want: "OK"},
			{cmd: []any{"PEXPIRE", "b", 0}, want: 1},
			{cmd: []any{"EXISTS", "b"}, want: 0},
			// The most negative times are in the past, never an overflow.
			{cmd: []any{"SET", "b", "1"}, want: "OK"},
			{cmd: []any{"PEXPIRE", "b", "-9223372036854775808"}, want: 1},
			{cmd: []any{"SET", "b", "1"}, want: "OK"},
			{cmd: []any{"EXPIRE", "b", "-9223372036854775"}, want: 1},
			{cmd: []any{"EXISTS", "b"}, want: 0},
		},
		"EXPIREAT PEXPIREAT EXPIRETIME": {
			{cmd: []any{"EXPIRETIME", "a"}, want: -2},
			{cmd: []any{"PEXPIRETIME", "a"}, want: -2},
			{cmd: []any{"SET", "a", "1"}, want: "OK"},
			{cmd: []any{"EXPIRETIME", "a"}, want: -1},
			{cmd: []any{"PEXPIRETIME", "a"}, want: -1},
			{cmd: []any{"EXPIREAT", "a", at}, want: 1},
			{cmd: []any{"EXPIRETIME", "a"}, want: in100.Unix()},
			{cmd: []any{"PEXPIRETIME", "a"}, want: in100.Unix() * 1000},
			{cmd: []any{"TTL", "a"}, want: between(95, 100)},
			{cmd: []any{"PEXPIREAT", "a", atMs}, want: 1},
			{cmd: []any{"PEXPIRETIME", "a"}, want: in100.UnixMilli()},
			{cmd: []any{"EXPIREAT", "nope", at}, want: 0},
			{cmd: []any{"EXPIREAT", "a", past}, want: 1},
			{cmd: []any{"EXISTS", "a"}, want: 0},
			{cmd: []any{"EXPIREAT", "a", "soon"}, err: errNotInt},
		},
		"EXPIRE NX XX GT LT": {
			{cmd: []any{"SET", "a", "1"}, want: "OK"},
			{cmd: []any{"EXPIRE", "a", 100, "XX"}, want: 0},
			{cmd: []any{"EXPIRE", "a", 100, "GT"}, want: 0},
			{cmd: []any{"TTL", "a"}, want: -1},
			{cmd: []any{"EXPIRE", "a", 100, "NX"}, want: 1},
			{cmd: []any{"EXPIRE", "a", 200, "NX"}, want: 0},
			{cmd: []any{"EXPIRE", "a", 200, "XX"}, want: 1},
			{cmd: []any{"TTL", "a"}, want: between(199, 200)},
			{cmd: []any{"EXPIRE", "a", 100, "GT"}, want: 0},
			{cmd: []any{"EXPIRE", "a", 300, "GT"}, want: 1},
			{cmd: []any{"EXPIRE", "a", 400, "LT"}, want: 0},
			{cmd: []any{"EXPIRE", "a", 50, "LT"}, want: 1},
			{cmd: []any{"TTL", "a"}, want: between(49, 50)},
			{cmd: []any{"PEXPIRE", "a", 10000, "lt"}, want: 1},
			{cmd: []any{"PTTL", "a"}, want: between(9000, 10000)},
			{cmd: []any{"EXPIREAT", "a", at, "GT"}, want: 1},
			{cmd: []any{"PEXPIREAT", "a", atMs, "NX"}, want: 0},
			{cmd: []any{"SET", "b", "1"}, want: "OK"},
			{cmd: []any{"EXPIRE", "b", 100, "LT"}, want: 1},
			{cmd: []any{"TTL", "b"}, want: between(99, 100)},
			{cmd: []any{"EXPIRE", "a", 10, "NX", "XX"}, err: errNXXX},
			{cmd: []any{"EXPIRE", "a", 10, "NX", "GT"}, err: errNXXX},
			{cmd: []any{"PEXPIRE", "a", 10, "NX", "LT"}, err: errNXXX},
			{cmd: []any{"EXPIRE", "a", 10, "GT", "LT"}, err: "ERR GT and LT options at the same time are not compatible"},
			{cmd: []any{"EXPIRE", "a", 10, "FOO"}, err: "ERR Unsupported option FOO"},
			// The options are checked before the time.
			{cmd: []any{"EXPIRE", "a", "abc", "FOO"}, err: "ERR Unsupported option FOO"},
			{cmd: []any{"EXPIRE", "a", "abc", "NX", "XX"}, err: errNXXX},
			// XX combines with GT and LT: both must hold.
			{cmd: []any{"SET", "c", "1"}, want: "OK"},
			{cmd: []any{"EXPIRE", "c", 100, "XX", "LT"}, want: 0},
			{cmd: []any{"TTL", "c"}, want: -1},
			{cmd: []any{"EXPIRE", "c", 1000}, want: 1},
			{cmd: []any{"EXPIRE", "c", 10, "XX", "GT"}, want: 0},
			{cmd: []any{"EXPIRE", "c", 5000, "XX", "LT"}, want: 0},
			{cmd: []any{"TTL", "c"}, want: between(999, 1000)},
			{cmd: []any{"PEXPIREAT", "c", 100, "XX", "GT"}, want: 0},
			{cmd: []any{"EXPIRE", "c", 2000, "XX", "GT"}, want: 1},
			{cmd: []any{"TTL", "c"}, want: between(1999, 2000)},
		},
		"TOUCH": {
			{cmd: []any{"MSET", "a", "1", "b", "2"}, want: "OK"},
			{cmd: []any{"TOUCH", "a", "b", "nope"}, want: 2},
			{cmd: []any{"TOUCH", "nope"}, want: 0},
			{cmd: []any{"TOUCH"}, err: wrongArgs("touch")},
		},
		"MOVE": {
			{cmd: []any{"SET", "a", "1", "EX", 100}, want: "OK"},
			{cmd: []any{"MOVE", "a", 1}, want: 1},
			{cmd: []any{"EXISTS", "a"}, want: 0},
			{cmd: []any{"MOVE", "a", 1}, want: 0},
			{cmd: []any{"SELECT", 1}, want: "OK"},
			{cmd: []any{"GET", "a"}, want: "1"},
			{cmd: []any{"TTL", "a"}, want: between(99, 100)},
			{cmd: []any{"SELECT", 0}, want: "OK"},
			{cmd: []any{"SET", "a", "0"}, want: "OK"},
			{cmd: []any{"MOVE", "a", 1}, want: 0},
			{cmd: []any{"GET", "a"}, want: "0"},
			{cmd: []any{"MOVE", "a", 16}, err: errDBRange},
			{cmd: []any{"MOVE", "a", 0}, err: errSameObject},
			{cmd: []any{"MOVE", "a", "x"}, err: errNotInt},
		},
		"COPY": {
			{cmd: []any{"SET", "a", "1", "EX", 100}, want: "OK"},
			{cmd: []any{"COPY", "a", "b"}, want: 1},
			{cmd: []any{"MGET", "a", "b"}, want: []any{"1", "1"}},
			{cmd: []any{"TTL", "b"}, want: between(99, 100)},
			{cmd: []any{"SET", "a", "2"}, want: "OK"},
			{cmd: []any{"COPY", "a", "b"}, want: 0},
			{cmd: []any{"GET", "b"}, want: "1"},
			{cmd: []any{"COPY", "a", "b", "REPLACE"}, want: 1},
			{cmd: []any{"GET", "b"}, want: "2"},
			{cmd: []any{"TTL", "b"}, want: -1},
			{cmd: []any{"COPY", "a", "c", "DB", 2}, want: 1},
			{cmd: []any{"EXISTS", "c"}, want: 0},
			{cmd: []any{"COPY", "a", "c", "DB", 2}, want: 0},
			{cmd: []any{"SET", "a", "3"}, want: "OK"},
			{cmd: []any{"COPY", "a", "c", "DB", 2, "REPLACE"}, want: 1},
			{cmd: []any{"SELECT", 2}, want: "OK"},
			{cmd: []any{"GET", "c"}, want: "3"},
			{cmd: []any{"SELECT", 0}, want: "OK"},
			{cmd: []any{"COPY", "nope", "x"}, want: 0},
			{cmd: []any{"COPY", "a", "a"}, err: errSameObject},
			{cmd: []any{"COPY", "a", "x", "DB", 99}, err: errDBRange},
			{cmd: []any{"COPY", "a", "x", "FOO"}, err: errSyntax},
		},
	})
}

// oneOf checks that a bulk reply is one of the given strings.
func oneOf(options ...string) check {
	return func(t *testing.T, where string, reply any) {
		s, ok := reply.(string)
		require.True(t, ok, "%s: reply %#v is not a string", where, reply)
		require.Contains(t, options, s, where)
	}
}

// sortedStrings checks that an array reply holds exactly want, in any order.
func sortedStrings(want ...string) check {
	return func(t *testing.T, where string, reply any) {
		arr, ok := reply.([]any)
		require.True(t, ok, "%s: reply %#v is not an array", where, reply)
		got := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := e.(string)
			require.True(t, ok, "%s: element %#v is not a string", where, e)
			got = append(got, s)
		}
		slices.Sort(got)
		want = slices.Clone(want)
		slices.Sort(want)
		require.Equal(t, want, got, where)
	}
}

func TestKeysPattern(t *testing.T) {
	t.Parallel()
	all := []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "a1", "b1", "c1", "d1", "foo?", `back\slash`, "]", "-", "", "\xff", "\x80"}
	mset := []any{"MSET"}
	for _, k := range all {
		mset = append(mset, k, "v")
	}
	steps := []step{{cmd: mset, want: "OK"}}
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"*", all},
		{"h?llo", []string{"hello", "hallo", "hxllo", "h*llo"}},
		{"h*llo", []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo"}},
		{"h[ae]llo", []string{"hello", "hallo"}},
		{"h[^e]llo", []string{"hallo", "hxllo", "h*llo"}},
		{"h[a-b]llo", []string{"hallo"}},
		{"[a-c]1", []string{"a1", "b1", "c1"}},
		{`h\*llo`, []string{"h*llo"}},
		{`foo\?`, []string{"foo?"}},
		{`back\\slash`, []string{`back\slash`}},
		{"hello", []string{"hello"}},
		{"nomatch*", []string{}},
		// Redis's corners: a '-' before ']' makes a range ending at ']',
		// an empty key matches no pattern but "*", range ends are signed.
		{"[a-]", []string{"]"}},
		{"**", []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "a1", "b1", "c1", "d1", "foo?", `back\slash`, "]", "-", "\xff", "\x80"}},
		{"[\x00-\xff]", []string{"\xff"}},
	} {
		steps = append(steps, step{cmd: []any{"KEYS", tc.pattern}, want: sortedStrings(tc.want...)})
	}
	steps = append(steps, step{cmd: []any{"KEYS"}, err: wrongArgs("keys")})
	// SCAN and its cousins apply any MATCH but "*" as KEYS does: MATCH ""
	// keeps only the empty key, member or field.
	steps = append(steps,
		step{cmd: []any{"SCAN", 0, "MATCH", "", "COUNT", 1000}, want: []any{"0", []any{""}}},
		step{cmd: []any{"SCAN", 0, "MATCH", "", "COUNT", 1000, "TYPE", "hash"}, want: []any{"0", []any{}}},
		step{cmd: []any{"SADD", "set", "", "a"}, want: 2},
		step{cmd: []any{"SSCAN", "set", 0, "MATCH", ""}, want: []any{"0", []any{""}}},
		step{cmd: []any{"HSET", "hash", "", "1", "a", "2"}, want: 2},
		step{cmd: []any{"HSCAN", "hash", 0, "MATCH", ""}, want: []any{"0", []any{"", "1"}}},
		step{cmd: []any{"HSCAN", "hash", 0, "MATCH", "?"}, want: []any{"0", []any{"a", "2"}}},
		step{cmd: []any{"ZADD", "zset", 1, "", 2, "a"}, want: 2},
		step{cmd: []any{"ZSCAN", "zset", 0, "MATCH", ""}, want: []any{"0", []any{"", "1"}}},
		step{cmd: []any{"ZSCAN", "zset", 0, "MATCH", "*"}, want: []any{"0", []any{"", "1", "a", "2"}}},
	)
	scriptTest(t, map[string][]step{"KEYS": steps})
}

func TestScan(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()

	var users, all []string
	pipe := c.Pipeline()
	for i := range 300 {
		k := fmt.Sprintf("user:%d", i)
		users = append(users, k)
		pipe.Set(ctx, k, i, 0)
	}
	for i := range 100 {
		pipe.Set(ctx, fmt.Sprintf("other:%d", i), i, 0)
		all = append(all, fmt.Sprintf("other:%d", i))
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	all = append(all, users...)

	// scanAll iterates from cursor 0 back to 0 and returns the distinct keys.
	scanAll := func(t *testing.T, match string, count int64, typ string) []string {
		seen := map[string]bool{}
		var cursor uint64
		for i := 0; ; i++ {
			require.Less(t, i, 10000, "SCAN does not come back to cursor 0")
			var keys []string
			var err error
			if typ == "" {
				keys, cursor, err = c.Scan(ctx, cursor, match, count).Result()
			} else {
				keys, cursor, err = c.ScanType(ctx, cursor, match, count, typ).Result()
			}
			require.NoError(t, err)
			for _, k := range keys {
				seen[k] = true
			}
			if cursor == 0 {
				break
			}
		}
		return slices.Sorted(maps.Keys(seen))
	}

	for _, tc := range []struct {
		name  string
		match string
		count int64
		typ   string
		want  []string
	}{
		{"everything", "", 0, "", all},
		{"COUNT 7", "", 7, "", all},
		{"MATCH", "user:*", 0, "", users},
		{"MATCH COUNT", "user:*", 50, "", users},
		{"MATCH one key", "other:42", 0, "", []string{"other:42"}},
		{"MATCH nothing", "nope:*", 1000, "", nil},
		{"TYPE string", "", 100, "string", all},
		{"TYPE list", "", 100, "list", nil},
		{"MATCH TYPE", "user:1?", 0, "string", []string{"user:10", "user:11", "user:12", "user:13", "user:14", "user:15", "user:16", "user:17", "user:18", "user:19"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := slices.Clone(tc.want)
			slices.Sort(want)
			got := scanAll(t, tc.match, tc.count, tc.typ)
			if len(want) == 0 {
				require.Empty(t, got)
				return
			}
			require.Equal(t, want, got)
		})
	}

	t.Run("errors", func(t *testing.T) {
		runSteps(t, c, []step{
			{cmd: []any{"SCAN", "abc"}, err: "ERR invalid cursor"},
			{cmd: []any{"SCAN", 0, "COUNT", 0}, err: errSyntax},
			{cmd: []any{"SCAN", 0, "COUNT", "x"}, err: errNotInt},
			{cmd: []any{"SCAN", 0, "FOO"}, err: errSyntax},
			{cmd: []any{"SCAN"}, err: wrongArgs("scan")},
		})
	})
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()

	t.Run("read after PX 50", func(t *testing.T) {
		require.NoError(t, c.Set(ctx, "short", "v", 50*time.Millisecond).Err())
		require.Eventually(t, func() bool {
			return c.Exists(ctx, "short").Val() == 0
		}, 5*time.Second, 10*time.Millisecond)
		require.ErrorIs(t, c.Get(ctx, "short").Err(), redis.Nil)
		require.Equal(t, int64(-2), c.Do(ctx, "TTL", "short").Val())
	})

	t.Run("active expiry without reads", func(t *testing.T) {
		require.NoError(t, c.FlushAll(ctx).Err())
		for i := range 20 {
			require.NoError(t, c.Set(ctx, fmt.Sprintf("gone:%d", i), "v", 100*time.Millisecond).Err())
		}
		require.NoError(t, c.Set(ctx, "keep", "v", 0).Err())
		require.NoError(t, c.Set(ctx, "later", "v", time.Hour).Err())
		info, err := c.Info(ctx, "keyspace").Result()
		require.NoError(t, err)
		require.Contains(t, info, "db0:keys=22,expires=21,")

		// Only DBSIZE and INFO are sent from here on: no command names a key.
		require.Eventually(t, func() bool {
			return c.DBSize(ctx).Val() == 2
		}, 10*time.Second, 20*time.Millisecond, "expired keys never read are still counted")
		info, err = c.Info(ctx, "keyspace").Result()
		require.NoError(t, err)
		require.Contains(t, info, "db0:keys=2,expires=1,")
	})
}
