package integration

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// payloadOf wraps an RDB object in a DUMP footer of the given version.
func payloadOf(obj string, version uint16) string {
	p := binary.LittleEndian.AppendUint16([]byte(obj), version)
	sum := ^crc64.Update(^uint64(0), crc64.MakeTable(0x95ac9329ac4bc9b5), p)
	return string(binary.LittleEndian.AppendUint64(p, sum))
}

// TestRestoreReplies checks RESTORE's options, errors and their order,
// and its keyspace events, byte for byte as redis-server 7.0 answers (run
// with NADB_TEST_TARGET=redis-server to see it still does).
func TestRestoreReplies(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEA")
	hello := payloadOf("\x00\x05hello", 10)
	hash := payloadOf("\x10\x0c\x0c\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff", 10) // a listpack hash {a: 1}
	flipped := []byte(hello)
	flipped[2] ^= 1
	past := "1000" // ABSTTL: a Unix time long gone
	runNotifySteps(t, c, sub, []notifyStep{
		{[]string{"DUMP", "nokey"}, "$-1\r\n", nil},
		{[]string{"DUMP"}, "-ERR wrong number of arguments for 'dump' command\r\n", nil},
		{[]string{"RESTORE", "k", "0"}, "-ERR wrong number of arguments for 'restore' command\r\n", nil},
		{[]string{"RESTORE", "k", "0", hello}, "+OK\r\n", []string{"restore k"}},
		{[]string{"GET", "k"}, "$5\r\nhello\r\n", nil},
		{[]string{"DUMP", "k"}, "$" + strconv.Itoa(len(hello)) + "\r\n" + hello + "\r\n", nil},
		{[]string{"RESTORE", "k", "0", hello}, "-BUSYKEY Target key name already exists.\r\n", nil},
		{[]string{"RESTORE", "k", "-1", "junk"}, "-BUSYKEY Target key name already exists.\r\n", nil},
		{[]string{"RESTORE", "k", "0", hash, "REPLACE"}, "+OK\r\n", []string{"restore k"}},
		{[]string{"TYPE", "k"}, "+hash\r\n", nil},
		{[]string{"HGETALL", "k"}, "*2\r\n$1\r\na\r\n$1\r\n1\r\n", nil},
		{[]string{"RESTORE", "k", "-1", hello, "REPLACE"}, "-ERR Invalid TTL value, must be >= 0\r\n", nil},
		{[]string{"RESTORE", "k", "x", hello, "REPLACE"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"RESTORE", "k2", "-1", "junk"}, "-ERR Invalid TTL value, must be >= 0\r\n", nil},
		{[]string{"RESTORE", "k2", "0", "junk"}, "-ERR DUMP payload version or checksum are wrong\r\n", nil},
		{[]string{"RESTORE", "k2", "0", ""}, "-ERR DUMP payload version or checksum are wrong\r\n", nil},
		{[]string{"RESTORE", "k2", "0", string(flipped)}, "-ERR DUMP payload version or checksum are wrong\r\n", nil},
		{[]string{"RESTORE", "k2", "0", payloadOf("\x00\x05hello", 12)}, "-ERR DUMP payload version or checksum are wrong\r\n", nil},
		{[]string{"RESTORE", "k2", "0", payloadOf("\x00\x7f\xffhello", 10)}, "-ERR Bad data format\r\n", nil},
		{[]string{"RESTORE", "k2", "0", payloadOf("\x63\x05hello", 10)}, "-ERR Bad data format\r\n", nil},
		{[]string{"RESTORE", "k2", "0", payloadOf("\x02\x00", 10)}, "-ERR Bad data format\r\n", nil},
		{[]string{"EXISTS", "k2"}, ":0\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "IDLETIME"}, "-ERR syntax error\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "IDLETIME", "x"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "IDLETIME", "-1"}, "-ERR Invalid IDLETIME value, must be >= 0\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "FREQ", "256"}, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "FREQ", "-1"}, "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "IDLETIME", "5", "FREQ", "5"}, "-ERR syntax error\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "FREQ", "5", "IDLETIME", "5"}, "-ERR syntax error\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "BOGUS"}, "-ERR syntax error\r\n", nil},
		{[]string{"RESTORE", "k", "0", hello, "BOGUS"}, "-ERR syntax error\r\n", nil},
		{[]string{"RESTORE", "k2", "0", hello, "IDLETIME", "100000", "replace", "absttl"}, "+OK\r\n", []string{"restore k2"}},
		{[]string{"OBJECT", "IDLETIME", "k2"}, anyReply, nil},
		{[]string{"TTL", "k2"}, ":-1\r\n", nil},
		{[]string{"RESTORE", "k3", past, hello, "ABSTTL"}, "+OK\r\n", nil},
		{[]string{"EXISTS", "k3"}, ":0\r\n", nil},
		{[]string{"RESTORE", "k", past, hello, "ABSTTL", "REPLACE"}, "+OK\r\n", []string{"del k"}},
		{[]string{"EXISTS", "k"}, ":0\r\n", nil},
		{[]string{"RESTORE", "k", "100000", hello}, "+OK\r\n", []string{"restore k"}},
		{[]string{"TTL", "k"}, ":100\r\n", nil},
		{[]string{"RESTORE", "k4", "4102444800000", hello, "ABSTTL"}, "+OK\r\n", []string{"restore k4"}},
		{[]string{"EXPIRETIME", "k4"}, ":4102444800\r\n", nil},
		{[]string{"MULTI"}, "+OK\r\n", nil},
		{[]string{"RESTORE", "k5", "0", hello}, "+QUEUED\r\n", nil},
		{[]string{"RESTORE", "k5", "0", hello}, "+QUEUED\r\n", nil},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n-BUSYKEY Target key name already exists.\r\n", []string{"restore k5"}},
	})
	// IDLETIME sets the idle time the key starts from.
	c.send(respCommand([]string{"OBJECT", "IDLETIME", "k2"}))
	idle, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(readReply(t, c), ":")))
	require.NoError(t, err)
	require.GreaterOrEqual(t, idle, 100000)
	require.Less(t, idle, 100010)
}

// TestRestoreReplicates restores a value of every kind on a primary (over
// keys of other types, with and without expiry, expired at once) and
// checks that its secondary holds the same dataset, value by value.
func TestRestoreReplicates(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ctx := context.Background()
	p, s := startLinkedPair(t)
	var keys []string
	for i, tc := range dumpCases() {
		// Built in database 1, dumped, restored into database 0.
		b := redis.NewClient(&redis.Options{Addr: p.Addr(), DB: 1})
		require.NoError(t, b.FlushDB(ctx).Err())
		for _, cmd := range tc.cmds {
			require.NoError(t, b.Do(ctx, cmd...).Err())
		}
		payload, err := b.Dump(ctx, tc.key).Result()
		require.NoError(t, err)
		require.NoError(t, b.Close())
		key := fmt.Sprint("k", i)
		require.NoError(t, p.rdb.Set(ctx, key, "to be replaced", 0).Err())
		require.Equal(t, "OK", p.rdb.Do(ctx, "RESTORE", key, 1000000*(i%2), payload, "REPLACE").Val(), tc.name)
		require.Equal(t, "OK", p.rdb.Do(ctx, "RESTORE", key+":new", 0, payload).Val(), tc.name)
		require.Equal(t, "OK", p.rdb.Do(ctx, "RESTORE", key+":gone", 1000, payload, "ABSTTL").Val(), tc.name)
		keys = append(keys, key, key+":new")
	}
	require.NoError(t, p.rdb.Set(ctx, "replaced-and-expired", "v", 0).Err())
	payload, err := p.rdb.Dump(ctx, "k0").Result()
	require.NoError(t, err)
	require.Equal(t, "OK", p.rdb.Do(ctx, "RESTORE", "replaced-and-expired", 1000, payload, "ABSTTL", "REPLACE").Val())
	b := redis.NewClient(&redis.Options{Addr: p.Addr(), DB: 1})
	require.NoError(t, b.FlushDB(ctx).Err()) // the sources
	require.NoError(t, b.Close())
	state := requireConverged(t, p, s)
	require.NotEmpty(t, state)
	for _, k := range keys {
		require.Equal(t, valueOf(ctx, t, p.rdb, k), valueOf(ctx, t, s.rdb, k), k)
	}
	n, err := s.rdb.Exists(ctx, "k0:gone", "replaced-and-expired").Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestMigrateFromRedis moves keys of every kind from a real redis-server
// into this server with Redis's MIGRATE, which sends them as RESTORE
// commands, with and without a password.
func TestMigrateFromRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ours := startServer(t)
	require.NoError(t, ours.Client().ConfigSet(ctx, "requirepass", "secret").Err())
	oc := redis.NewClient(&redis.Options{Addr: ours.Addr(), Password: "secret"})
	t.Cleanup(func() { _ = oc.Close() })
	ref := startReference(t)
	theirs := redis.NewClient(&redis.Options{Addr: ref.Addr()})
	t.Cleanup(func() { _ = theirs.Close() })
	var keys []any
	want := map[string]string{}
	for i, tc := range dumpCases() {
		require.NoError(t, theirs.Del(ctx, tc.key).Err())
		for _, cmd := range tc.cmds {
			require.NoError(t, theirs.Do(ctx, cmd...).Err())
		}
		key := fmt.Sprint("m", i)
		require.NoError(t, theirs.Rename(ctx, tc.key, key).Err())
		want[key] = valueOf(ctx, t, theirs, key)
		keys = append(keys, key)
	}
	args := append([]any{"MIGRATE", "127.0.0.1", ours.Port, "", 0, 10000, "AUTH", "secret", "KEYS"}, keys...)
	require.Equal(t, "OK", theirs.Do(ctx, args...).Val())
	n, err := theirs.DBSize(ctx).Result()
	require.NoError(t, err)
	require.Zero(t, n, "MIGRATE moves the keys")
	for k, v := range want {
		require.Equal(t, v, valueOf(ctx, t, oc, k), k)
	}
	// COPY REPLACE into a key that exists.
	require.NoError(t, theirs.Set(ctx, "m0", "newer", 0).Err())
	require.Equal(t, "OK", theirs.Do(ctx, "MIGRATE", "127.0.0.1", ours.Port, "m0", 0, 10000, "COPY", "REPLACE", "AUTH", "secret").Val())
	require.Equal(t, "newer", oc.Get(ctx, "m0").Val())
	require.Equal(t, int64(1), theirs.Exists(ctx, "m0").Val())
	// Without REPLACE the key that exists is an error, reported by MIGRATE.
	err = theirs.Do(ctx, "MIGRATE", "127.0.0.1", ours.Port, "m0", 0, 10000, "AUTH", "secret").Err()
	require.ErrorContains(t, err, "BUSYKEY")
}

// TestMigrateReplies runs MIGRATE from the server under test into a real
// redis-server: its options, its errors and the target's, byte for byte as
// redis-server 7.0 answers them (run with NADB_TEST_TARGET=redis-server to
// see it still does); the keys the target took are gone, the others stay.
func TestMigrateReplies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	ref := startReference(t)
	dest := redis.NewClient(&redis.Options{Addr: ref.Addr(), DB: 2})
	t.Cleanup(func() { _ = dest.Close() })
	require.NoError(t, dest.Set(ctx, "b", "theirs", 0).Err())
	host, port := "127.0.0.1", strconv.Itoa(ref.Port)
	closed := strconv.Itoa(freePorts(t, 1)[0])
	m := func(args ...string) []string { return append([]string{"MIGRATE", host}, args...) }
	requireExactReplies(t, c, []exactStep{
		{m(port, "", "2", "1000", "KEYS", "a", "b"), "+NOKEY\r\n"},
		{m(port, "a", "2", "1000"), "+NOKEY\r\n"},
		{[]string{"SET", "a", "1"}, "+OK\r\n"},
		{m(port, "a", "2", "1000", "KEYS", "a"), "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n"},
		{m(port, "a", "x", "1000"), "-ERR value is not an integer or out of range\r\n"},
		{m(port, "a", "2", "x"), "-ERR value is not an integer or out of range\r\n"},
		{m(port, "a", "2", "1000", "AUTH"), "-ERR syntax error\r\n"},
		{m(port, "a", "2", "1000", "AUTH2", "u"), "-ERR syntax error\r\n"},
		{m(port, "a", "2", "1000", "BOGUS"), "-ERR syntax error\r\n"},
		{m(port, "a"), "-ERR wrong number of arguments for 'migrate' command\r\n"},
		{m(closed, "a", "2", "1000"), "-IOERR error or timeout writing to target instance\r\n"},
		{m(port, "", "2", "1000", "KEYS", "a", "missing"), "+OK\r\n"},
		{[]string{"EXISTS", "a"}, ":0\r\n"},
		{[]string{"SET", "b", "ours"}, "+OK\r\n"},
		{[]string{"SET", "c", "ours"}, "+OK\r\n"},
		{m(port, "", "2", "1000", "KEYS", "c", "b"), "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"},
		{[]string{"EXISTS", "c", "b"}, ":1\r\n"},
		{[]string{"SET", "d", "ours"}, "+OK\r\n"},
		{m(port, "", "2", "1000", "KEYS", "b", "d"), "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"},
		{[]string{"EXISTS", "d", "b"}, ":1\r\n"},
		{m(port, "b", "2", "1000", "COPY", "REPLACE"), "+OK\r\n"},
		{[]string{"GET", "b"}, "$4\r\nours\r\n"},
		{m(port, "b", "99", "1000", "REPLACE"), "-ERR Target instance replied with error: ERR DB index is out of range\r\n"},
		{m(port, "b", "2", "1000", "REPLACE", "AUTH", "x"), "-ERR Target instance replied with error: ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{m(port, "b", "2", "1000", "REPLACE", "AUTH2", "u", "p"), "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"SET", "t", "v", "PX", "100000"}, "+OK\r\n"},
		{m(port, "t", "2", "0"), "+OK\r\n"},
		{[]string{"EXISTS", "t", "b"}, ":1\r\n"},
	})
	got, err := dest.MGet(ctx, "a", "b", "c", "d", "t").Result()
	require.NoError(t, err)
	require.Equal(t, []any{"1", "ours", "ours", "ours", "v"}, got)
	ttl, err := dest.PTTL(ctx, "t").Result()
	require.NoError(t, err)
	require.True(t, ttl > 0 && ttl <= 100*time.Second, "the time to live goes along: %v", ttl)
}

// TestMigrateBetweenNodes moves keys of every kind from a primary to
// another nadb-server: the target holds what the primary held, and the
// primary's secondary sees the keys go.
func TestMigrateBetweenNodes(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	ctx := context.Background()
	p, sec := startLinkedPair(t)
	dest := startNode(t)
	require.NoError(t, dest.rdb.ConfigSet(ctx, "requirepass", "pw").Err())
	dc := redis.NewClient(&redis.Options{Addr: dest.Addr(), Password: "pw"})
	t.Cleanup(func() { _ = dc.Close() })
	args := []any{"MIGRATE", "127.0.0.1", dest.Port, "", 0, 5000, "AUTH", "pw", "KEYS"}
	want := map[string]string{}
	for i, tc := range dumpCases() {
		for _, cmd := range tc.cmds {
			require.NoError(t, p.rdb.Do(ctx, cmd...).Err())
		}
		key := fmt.Sprint("m", i)
		require.NoError(t, p.rdb.Rename(ctx, tc.key, key).Err())
		want[key] = valueOf(ctx, t, p.rdb, key)
		args = append(args, key)
	}
	require.NoError(t, p.rdb.Set(ctx, "stays", "v", 0).Err())
	require.Equal(t, "OK", p.rdb.Do(ctx, args...).Val())
	for k, v := range want {
		require.Equal(t, v, valueOf(ctx, t, dc, k), k)
	}
	requireConverged(t, p, sec)
	n, err := sec.rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "only the key not migrated is left")

	// To itself, as Redis (which cannot answer itself) it fails reading,
	// and keeps the key, REPLACE or not.
	for _, replace := range []string{"COPY", "REPLACE"} {
		err = p.rdb.Do(ctx, "MIGRATE", "127.0.0.1", p.Port, "stays", 0, 1000, replace).Err()
		require.EqualError(t, err, "IOERR error or timeout reading to target instance")
		require.Equal(t, "v", p.rdb.Get(ctx, "stays").Val())
	}
}
