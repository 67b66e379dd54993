package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The blocking sorted set commands, BZPOPMIN, BZPOPMAX and BZMPOP: their
// replies and errors byte for byte as redis-server 7.0 answers them (run
// with NADB_TEST_TARGET=redis-server to see it still does), then who is
// served, when, with what, as the blocking list commands are
// (blocking_test.go).

// TestZSetBlockingReplies: arity, argument errors in Redis's order (BZMPOP
// reads its timeout after numkeys, MIN|MAX and COUNT), WRONGTYPE for a key
// of another type met before a sorted set, the pops done at once, null
// arrays on timeout, and MULTI, where they do not block; in RESP2 and
// RESP3.
func TestZSetBlockingReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"BZPOPMIN", "x"}, "-ERR wrong number of arguments for 'bzpopmin' command\r\n"},
		{[]string{"BZPOPMAX", "x"}, "-ERR wrong number of arguments for 'bzpopmax' command\r\n"},
		{[]string{"BZMPOP", "x", "x", "x"}, "-ERR wrong number of arguments for 'bzmpop' command\r\n"},
		{[]string{"BZMPOP", "x", "x", "x", "x"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},

		// Popped at once; a missing key is skipped.
		{[]string{"BZPOPMIN", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"BZPOPMAX", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{[]string{"bzpopmin", "nokey", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"EXISTS", "z"}, ":0\r\n"},

		// A key of another type answers WRONGTYPE when met before a
		// sorted set, not after.
		{[]string{"BZPOPMIN", "nokey", "str", "0"}, wrongType},
		{[]string{"BZPOPMAX", "str", "z", "0"}, wrongType},
		{[]string{"BZMPOP", "0", "1", "str", "MIN"}, wrongType},
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"BZPOPMIN", "z", "str", "0"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"BZMPOP", "0", "2", "z", "str", "MIN"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"BZPOPMAX", "nokey", "str", "z", "0"}, wrongType},
		{[]string{"ZCARD", "z"}, ":1\r\n"},

		// Timeouts.
		{[]string{"BZPOPMIN", "nokey", "0.01"}, "*-1\r\n"},
		{[]string{"BZPOPMAX", "nokey", "other", "0.01"}, "*-1\r\n"},
		{[]string{"BZMPOP", "0.01", "1", "nokey", "MIN"}, "*-1\r\n"},
		{[]string{"BZPOPMIN", "nokey", "x"}, "-ERR timeout is not a float or out of range\r\n"},
		{[]string{"BZPOPMIN", "nokey", "-1"}, "-ERR timeout is negative\r\n"},
		{[]string{"BZPOPMAX", "nokey", "nan"}, "-ERR timeout is not a float or out of range\r\n"},
		{[]string{"BZPOPMAX", "nokey", "inf"}, "-ERR timeout is negative\r\n"},
		{[]string{"BZPOPMIN", "str", "x"}, "-ERR timeout is not a float or out of range\r\n"},

		// BZMPOP: numkeys, MIN|MAX and COUNT first, then the timeout.
		{[]string{"BZMPOP", "x", "1", "a", "MIN"}, "-ERR timeout is not a float or out of range\r\n"},
		{[]string{"BZMPOP", "-1", "1", "a", "MIN"}, "-ERR timeout is negative\r\n"},
		{[]string{"BZMPOP", "x", "0", "a", "MIN"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"BZMPOP", "0", "0", "a", "MIN"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"BZMPOP", "0", "x", "a", "MIN"}, "-ERR numkeys should be greater than 0\r\n"},
		{[]string{"BZMPOP", "0", "2", "a", "MIN"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "0", "9223372036854775807", "a", "MIN"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "UP"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "x", "1", "a", "UP"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "MIN", "COUNT", "0"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "MIN", "COUNT", "-1"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"BZMPOP", "x", "1", "a", "MIN", "COUNT", "x"}, "-ERR count should be greater than 0\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "MIN", "COUNT", "1", "X"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "MIN", "COUNT"}, "-ERR syntax error\r\n"},
		{[]string{"BZMPOP", "0", "1", "a", "MIN", "COUNT", "1", "COUNT", "1"}, "-ERR syntax error\r\n"},
		{[]string{"ZADD", "z2", "1", "a", "2", "b", "3", "c"}, ":3\r\n"},
		{[]string{"BZMPOP", "0", "2", "nokey", "z2", "MAX", "COUNT", "2"}, "*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{[]string{"BZMPOP", "0", "2", "nokey", "z2", "min", "count", "10"}, "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"EXISTS", "z2"}, ":0\r\n"},

		// Inside MULTI they do not block: nothing to pop is a null array.
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"BZPOPMIN", "nokey", "0"}, "+QUEUED\r\n"},
		{[]string{"BZPOPMAX", "z", "0"}, "+QUEUED\r\n"},
		{[]string{"BZMPOP", "0", "1", "z", "MAX", "COUNT", "10"}, "+QUEUED\r\n"},
		{[]string{"BZMPOP", "0", "1", "nokey", "MIN"}, "+QUEUED\r\n"},
		{[]string{"BZPOPMIN", "str", "0"}, "+QUEUED\r\n"},
		{[]string{"BZPOPMIN", "nokey", "x"}, "+QUEUED\r\n"},
		{[]string{"BZMPOP", "0", "0", "a", "MIN"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*7\r\n*-1\r\n*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n*-1\r\n*-1\r\n" + wrongType +
			"-ERR timeout is not a float or out of range\r\n-ERR numkeys should be greater than 0\r\n"},
	})

	// RESP3: scores are doubles, a timeout is a null.
	c := dialRaw(t, s.Addr())
	c.send(respCommand([]string{"HELLO", "3"}))
	readReply(t, c)
	requireExactReplies(t, c, []exactStep{
		{[]string{"ZADD", "z", "1", "a", "2.5", "b"}, ":2\r\n"},
		{[]string{"BZPOPMIN", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"},
		{[]string{"BZPOPMAX", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\nb\r\n,2.5\r\n"},
		{[]string{"BZPOPMIN", "nokey", "0.01"}, "_\r\n"},
		{[]string{"BZMPOP", "0.01", "1", "nokey", "MIN"}, "_\r\n"},
		{[]string{"ZADD", "z", "1", "a", "2.5", "b", "-inf", "c"}, ":3\r\n"},
		{[]string{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"}, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"BZPOPMIN", "nokey", "0"}, "+QUEUED\r\n"},
		{[]string{"BZMPOP", "0", "1", "nokey", "MAX"}, "+QUEUED\r\n"},
		{[]string{"BZPOPMAX", "z", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*3\r\n_\r\n_\r\n*3\r\n$1\r\nz\r\n$1\r\nb\r\n,2.5\r\n"},
	})
}

// TestZSetBlockingCommandInfo: name, arity, flags (in Redis's order) and
// key positions as Redis's COMMAND INFO gives them.
func TestZSetBlockingCommandInfo(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	for name, want := range map[string]string{
		"bzpopmin": "*10\r\n$8\r\nbzpopmin\r\n:-3\r\n*4\r\n+write\r\n+noscript\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n",
		"bzpopmax": "*10\r\n$8\r\nbzpopmax\r\n:-3\r\n*4\r\n+write\r\n+noscript\r\n+blocking\r\n+fast\r\n:1\r\n:-2\r\n:1\r\n",
		"bzmpop":   "*10\r\n$6\r\nbzmpop\r\n:-5\r\n*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n:0\r\n:0\r\n:0\r\n",
	} {
		c.send(respCommand([]string{"COMMAND", "INFO", name}))
		got := readReply(t, c)
		require.True(t, strings.HasPrefix(got, "*1\r\n"+want), "%s: %q", name, got)
	}
}

// TestZSetBlockingFIFO: clients blocked on a key are served by one ZADD
// in the order they blocked, each with its own pop; a client blocked on
// several keys is served by the one that got members; a key with list and
// sorted set waiters serves those of the type it holds, in their order.
func TestZSetBlockingFIFO(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c1 := blockOn(t, s, rdb, 1, "BZPOPMIN", "z", "0")
	c2 := blockOn(t, s, rdb, 2, "BZPOPMAX", "other", "z", "0")
	c3 := blockOn(t, s, rdb, 3, "BZMPOP", "0", "2", "z", "other", "MIN", "COUNT", "5")
	c4 := blockOn(t, s, rdb, 4, "BZPOPMIN", "z", "0")
	require.Equal(t, int64(4), rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}, redis.Z{Score: 4, Member: "d"}).Val())
	require.Equal(t, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", readReply(t, c1))
	require.Equal(t, "*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n4\r\n", readReply(t, c2))
	require.Equal(t, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", readReply(t, c3))
	require.Equal(t, int64(0), rdb.Exists(ctx, "z").Val())
	waitBlockedClients(t, rdb, 1) // c4: nothing was left for it
	require.Equal(t, int64(1), rdb.ZAdd(ctx, "z", redis.Z{Score: 9, Member: "e"}).Val())
	require.Equal(t, "*3\r\n$1\r\nz\r\n$1\r\ne\r\n$1\r\n9\r\n", readReply(t, c4))
	waitBlockedClients(t, rdb, 0)

	// Served by the key that got members, whichever it is.
	c5 := blockOn(t, s, rdb, 1, "BZPOPMAX", "k1", "k2", "0")
	require.Equal(t, int64(1), rdb.ZAdd(ctx, "k2", redis.Z{Score: 5, Member: "v"}).Val())
	require.Equal(t, "*3\r\n$2\r\nk2\r\n$1\r\nv\r\n$1\r\n5\r\n", readReply(t, c5))

	// Waiters of both types on one key: a ZADD serves the sorted set
	// waiters in their order, an RPUSH the list waiters.
	l1 := blockOn(t, s, rdb, 1, "BLPOP", "mixed", "0")
	z1 := blockOn(t, s, rdb, 2, "BZPOPMIN", "mixed", "0")
	l2 := blockOn(t, s, rdb, 3, "BRPOP", "mixed", "0")
	z2 := blockOn(t, s, rdb, 4, "BZMPOP", "0", "1", "mixed", "MAX")
	require.Equal(t, int64(3), rdb.ZAdd(ctx, "mixed", redis.Z{Score: 1, Member: "x"}, redis.Z{Score: 2, Member: "y"}, redis.Z{Score: 3, Member: "z"}).Val())
	require.Equal(t, "*3\r\n$5\r\nmixed\r\n$1\r\nx\r\n$1\r\n1\r\n", readReply(t, z1))
	require.Equal(t, "*2\r\n$5\r\nmixed\r\n*1\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n", readReply(t, z2))
	require.Equal(t, []string{"y"}, rdb.ZRange(ctx, "mixed", 0, -1).Val())
	waitBlockedClients(t, rdb, 2)
	require.Equal(t, int64(1), rdb.ZRem(ctx, "mixed", "y").Val())
	require.Equal(t, int64(2), rdb.RPush(ctx, "mixed", "p", "q").Val())
	require.Equal(t, "*2\r\n$5\r\nmixed\r\n$1\r\np\r\n", readReply(t, l1))
	require.Equal(t, "*2\r\n$5\r\nmixed\r\n$1\r\nq\r\n", readReply(t, l2))
	waitBlockedClients(t, rdb, 0)

	// A key of another type does not serve a sorted set waiter; once it
	// is a sorted set again, it does.
	c6 := blockOn(t, s, rdb, 1, "BZPOPMIN", "t", "0")
	require.NoError(t, rdb.Set(ctx, "t", "str", 0).Err())
	require.Equal(t, int64(1), rdb.SAdd(ctx, "t2", "m").Val())
	require.NoError(t, rdb.Rename(ctx, "t2", "t").Err())
	waitBlockedClients(t, rdb, 1)
	require.Equal(t, int64(1), rdb.Del(ctx, "t").Val())
	require.Equal(t, int64(1), rdb.ZAdd(ctx, "t", redis.Z{Score: 0, Member: "m"}).Val())
	require.Equal(t, "*3\r\n$1\r\nt\r\n$1\r\nm\r\n$1\r\n0\r\n", readReply(t, c6))

	// Commands pipelined after a blocking one run once it is served.
	c7 := dialRaw(t, s.Addr())
	c7.send(respCommand([]string{"BZPOPMIN", "p", "0"}) + respCommand([]string{"PING"}))
	waitBlockedClients(t, rdb, 1)
	require.Equal(t, int64(1), rdb.ZAdd(ctx, "p", redis.Z{Score: 1, Member: "m"}).Val())
	require.Equal(t, "*3\r\n$1\r\np\r\n$1\r\nm\r\n$1\r\n1\r\n", readReply(t, c7))
	require.Equal(t, "+PONG\r\n", readReply(t, c7))
}

// TestZSetBlockingMulti: a ZADD inside MULTI serves a blocked client once
// EXEC ends, with what is left then; ZUNIONSTORE serves too.
func TestZSetBlockingMulti(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c1 := blockOn(t, s, rdb, 1, "BZPOPMIN", "m", "0")
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, "m", redis.Z{Score: 1, Member: "x"}, redis.Z{Score: 2, Member: "y"})
		p.ZPopMin(ctx, "m")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "*3\r\n$1\r\nm\r\n$1\r\ny\r\n$1\r\n2\r\n", readReply(t, c1))
	require.Equal(t, int64(0), rdb.Exists(ctx, "m").Val())

	// Added and removed inside one EXEC: nothing to serve.
	c2 := blockOn(t, s, rdb, 1, "BZMPOP", "0", "1", "m", "MAX")
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, "m", redis.Z{Score: 1, Member: "x"})
		p.ZRem(ctx, "m", "x")
		return nil
	})
	require.NoError(t, err)
	waitBlockedClients(t, rdb, 1)
	require.Equal(t, int64(1), rdb.ZAdd(ctx, "src", redis.Z{Score: 7, Member: "w"}).Val())
	require.Equal(t, int64(1), rdb.ZUnionStore(ctx, "m", &redis.ZStore{Keys: []string{"src"}}).Val())
	require.Equal(t, "*2\r\n$1\r\nm\r\n*1\r\n*2\r\n$1\r\nw\r\n$1\r\n7\r\n", readReply(t, c2))
}

// TestZSetBlockingTimeout: a blocked client with a timeout gets a null
// array (RESP2 and RESP3) once it passes, and not before.
func TestZSetBlockingTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	for _, cmd := range [][]string{{"BZPOPMIN", "q", "0.2"}, {"BZPOPMAX", "q", "r", "0.2"}, {"BZMPOP", "0.2", "1", "q", "MIN", "COUNT", "3"}} {
		start := time.Now()
		c.send(respCommand(cmd))
		require.Equal(t, "*-1\r\n", readReply(t, c), "%v", cmd)
		require.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond, "%v", cmd)
	}
	c.send(respCommand([]string{"HELLO", "3"}))
	readReply(t, c)
	c.send(respCommand([]string{"BZPOPMIN", "q", "0.05"}))
	require.Equal(t, "_\r\n", readReply(t, c))
	c.send(respCommand([]string{"BZMPOP", "0.05", "1", "q", "MAX"}))
	require.Equal(t, "_\r\n", readReply(t, c))
	waitBlockedClients(t, s.Client(), 0)
}

// TestZSetBlockingClientUnblock: CLIENT UNBLOCK ends a sorted set wait
// with the timeout's reply or an error; a ZADD afterwards stays.
func TestZSetBlockingClientUnblock(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	for _, tc := range []struct {
		cmd       []string
		how, want string
	}{
		{[]string{"BZPOPMIN", "q", "0"}, "", "*-1\r\n"},
		{[]string{"BZPOPMAX", "q", "0"}, "TIMEOUT", "*-1\r\n"},
		{[]string{"BZMPOP", "0", "1", "q", "MIN"}, "ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
	} {
		c := dialRaw(t, s.Addr())
		c.send(respCommand([]string{"CLIENT", "ID"}))
		id := readReply(t, c)
		c.send(respCommand(tc.cmd))
		waitBlockedClients(t, rdb, 1)
		args := []any{"CLIENT", "UNBLOCK", id[1 : len(id)-2]}
		if tc.how != "" {
			args = append(args, tc.how)
		}
		require.Equal(t, int64(1), rdb.Do(ctx, args...).Val())
		require.Equal(t, tc.want, readReply(t, c), "%v", tc.cmd)
		waitBlockedClients(t, rdb, 0)
		require.Equal(t, int64(0), rdb.Do(ctx, "CLIENT", "UNBLOCK", id[1:len(id)-2]).Val())
		require.Equal(t, int64(1), rdb.ZAdd(ctx, "q", redis.Z{Score: 1, Member: "m"}).Val())
		require.Equal(t, int64(1), rdb.ZCard(ctx, "q").Val())
		require.Equal(t, int64(1), rdb.Del(ctx, "q").Val())
		c.send(respCommand([]string{"PING"}))
		require.Equal(t, "+PONG\r\n", readReply(t, c))
	}
}

// TestZSetBlockingReplicated: pops served to blocked clients reach the
// secondary as the ZREMs they were: equal digests. On the secondary they
// are writes: READONLY.
func TestZSetBlockingReplicated(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	sec := startSecondary(t, p)
	c1 := blockOn(t, p.Server, p.rdb, 1, "BZPOPMIN", "a", "0")
	c2 := blockOn(t, p.Server, p.rdb, 2, "BZMPOP", "0", "2", "b", "a", "MAX", "COUNT", "2")
	c3 := blockOn(t, p.Server, p.rdb, 3, "BZPOPMAX", "b", "0")
	require.Equal(t, int64(4), p.rdb.ZAdd(ctx, "a", redis.Z{Score: 1, Member: "w"}, redis.Z{Score: 2, Member: "x"}, redis.Z{Score: 3, Member: "y"}, redis.Z{Score: 4, Member: "z"}).Val())
	require.Equal(t, "*3\r\n$1\r\na\r\n$1\r\nw\r\n$1\r\n1\r\n", readReply(t, c1))
	require.Equal(t, "*2\r\n$1\r\na\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n4\r\n*2\r\n$1\r\ny\r\n$1\r\n3\r\n", readReply(t, c2))
	_, err := p.rdb.TxPipelined(ctx, func(pp redis.Pipeliner) error {
		pp.ZAdd(ctx, "b", redis.Z{Score: 5, Member: "m"}, redis.Z{Score: 6, Member: "n"})
		pp.Set(ctx, "s", "v", 0)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "*3\r\n$1\r\nb\r\n$1\r\nn\r\n$1\r\n6\r\n", readReply(t, c3))
	require.Equal(t, []string{"x"}, p.rdb.ZRange(ctx, "a", 0, -1).Val())
	requireConverged(t, p, sec)
	require.Equal(t, []string{"x"}, sec.rdb.ZRange(ctx, "a", 0, -1).Val())
	require.Equal(t, []string{"m"}, sec.rdb.ZRange(ctx, "b", 0, -1).Val())
	require.Equal(t, p.rdb.Do(ctx, "DEBUG", "DIGEST").Val(), sec.rdb.Do(ctx, "DEBUG", "DIGEST").Val())
	requireRedisErr(t, sec.rdb.BZPopMin(ctx, time.Second, "a").Err(), "READONLY You can't write against a read only replica.")
	requireRedisErr(t, sec.rdb.BZMPop(ctx, time.Second, "min", 1, "a").Err(), "READONLY You can't write against a read only replica.")
}
