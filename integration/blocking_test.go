package integration

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The blocking list commands: who is served, when, with what, and what
// happens to a waiter that times out, is unblocked, goes away, or whose
// server stops or becomes a secondary. Each test polls INFO clients
// (blocked_clients) until the waiters are in place before it pushes.

// waitBlockedClients polls INFO clients until blocked_clients is n.
func waitBlockedClients(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := "\r\nblocked_clients:" + strconv.Itoa(n) + "\r\n"
	require.Eventually(t, func() bool {
		info, err := rdb.Info(context.Background(), "clients").Result()
		return err == nil && strings.Contains(info, want)
	}, 10*time.Second, 5*time.Millisecond, "blocked_clients never reached %d", n)
}

// readReply reads one whole reply from c.
func readReply(t *testing.T, c *rawConn) string {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	r, err := readFrame(c.r)
	require.NoError(t, err)
	return r
}

// blockOn sends a blocking command on a new connection and waits until
// the server counts it blocked (n clients blocked in all).
func blockOn(t *testing.T, s *Server, rdb *redis.Client, n int, args ...string) *rawConn {
	t.Helper()
	c := dialRaw(t, s.Addr())
	c.send(respCommand(args))
	waitBlockedClients(t, rdb, n)
	return c
}

// TestBlockingFIFO: three clients blocked on a key are served in the
// order they blocked, one element each, by one push; a client blocked on
// several keys is served by the first that gets an element.
func TestBlockingFIFO(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c1 := blockOn(t, s, rdb, 1, "BLPOP", "q", "0")
	c2 := blockOn(t, s, rdb, 2, "BRPOP", "other", "q", "0")
	c3 := blockOn(t, s, rdb, 3, "BLMPOP", "0", "2", "q", "other", "LEFT", "COUNT", "5")
	require.Equal(t, int64(4), rdb.RPush(ctx, "q", "a", "b", "c", "d").Val())
	require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\na\r\n", readReply(t, c1))
	require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\nd\r\n", readReply(t, c2))
	require.Equal(t, "*2\r\n$1\r\nq\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n", readReply(t, c3))
	require.Equal(t, int64(0), rdb.Exists(ctx, "q").Val())
	waitBlockedClients(t, rdb, 0)

	// Served by the key that got an element, whichever it is.
	c4 := blockOn(t, s, rdb, 1, "BLPOP", "k1", "k2", "0")
	require.Equal(t, int64(1), rdb.LPush(ctx, "k2", "v").Val())
	require.Equal(t, "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n", readReply(t, c4))

	// A push inside MULTI serves once EXEC ends, with what is left then.
	c5 := blockOn(t, s, rdb, 1, "BLPOP", "m", "0")
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, "m", "x", "y")
		p.LPop(ctx, "m")
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "*2\r\n$1\r\nm\r\n$1\r\ny\r\n", readReply(t, c5))

	// Commands pipelined after a blocking one run once it is served.
	c6 := dialRaw(t, s.Addr())
	c6.send(respCommand([]string{"BLPOP", "p", "0"}) + respCommand([]string{"PING"}))
	waitBlockedClients(t, rdb, 1)
	require.Equal(t, int64(1), rdb.RPush(ctx, "p", "z").Val())
	require.Equal(t, "*2\r\n$1\r\np\r\n$1\r\nz\r\n", readReply(t, c6))
	require.Equal(t, "+PONG\r\n", readReply(t, c6))
}

// TestBlockingTimeout: a blocked client with a timeout gets a null array
// (RESP2 and RESP3) once it passes, and not before.
func TestBlockingTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	for _, cmd := range [][]string{{"BLPOP", "q", "0.2"}, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0.2"}, {"BLMPOP", "0.2", "1", "q", "RIGHT"}} {
		start := time.Now()
		c.send(respCommand(cmd))
		require.Equal(t, "*-1\r\n", readReply(t, c), "%v", cmd)
		require.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond, "%v", cmd)
	}
	c.send(respCommand([]string{"HELLO", "3"}))
	readReply(t, c)
	c.send(respCommand([]string{"BRPOPLPUSH", "q", "d", "0.05"}))
	require.Equal(t, "_\r\n", readReply(t, c))
	waitBlockedClients(t, s.Client(), 0)
}

// TestBlockingMoveChain: BLMOVE's push serves a client blocked on its
// destination, in the same write; a destination of another type answers
// WRONGTYPE and moves nothing.
func TestBlockingMoveChain(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c1 := blockOn(t, s, rdb, 1, "BLMOVE", "a", "b", "RIGHT", "LEFT", "0")
	c2 := blockOn(t, s, rdb, 2, "BRPOPLPUSH", "b", "c", "0")
	c3 := blockOn(t, s, rdb, 3, "BLPOP", "c", "0")
	require.Equal(t, int64(1), rdb.RPush(ctx, "a", "x").Val())
	require.Equal(t, "$1\r\nx\r\n", readReply(t, c1))
	require.Equal(t, "$1\r\nx\r\n", readReply(t, c2))
	require.Equal(t, "*2\r\n$1\r\nc\r\n$1\r\nx\r\n", readReply(t, c3))
	require.Equal(t, int64(0), rdb.Exists(ctx, "a", "b", "c").Val())

	require.NoError(t, rdb.Set(ctx, "str", "v", 0).Err())
	c4 := blockOn(t, s, rdb, 1, "BLMOVE", "src", "str", "LEFT", "LEFT", "0")
	require.Equal(t, int64(1), rdb.RPush(ctx, "src", "y").Val())
	require.Equal(t, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", readReply(t, c4))
	require.Equal(t, []string{"y"}, rdb.LRange(ctx, "src", 0, -1).Val())
}

// TestBlockingClientUnblock: CLIENT UNBLOCK ends a wait with the
// timeout's reply or an error, and answers 0 for a client not blocked.
func TestBlockingClientUnblock(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	for _, tc := range []struct{ how, want string }{
		{"", "*-1\r\n"},
		{"TIMEOUT", "*-1\r\n"},
		{"ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
	} {
		c := dialRaw(t, s.Addr())
		c.send(respCommand([]string{"CLIENT", "ID"}))
		id := readReply(t, c)
		c.send(respCommand([]string{"BLPOP", "q", "0"}))
		waitBlockedClients(t, rdb, 1)
		args := []any{"CLIENT", "UNBLOCK", id[1 : len(id)-2]}
		if tc.how != "" {
			args = append(args, tc.how)
		}
		require.Equal(t, int64(1), rdb.Do(ctx, args...).Val())
		require.Equal(t, tc.want, readReply(t, c))
		waitBlockedClients(t, rdb, 0)
		require.Equal(t, int64(0), rdb.Do(ctx, "CLIENT", "UNBLOCK", id[1:len(id)-2]).Val())
		c.send(respCommand([]string{"PING"}))
		require.Equal(t, "+PONG\r\n", readReply(t, c))
	}
}

// TestBlockingDisconnect: a blocked client that goes away is removed:
// a later push stays in the list.
func TestBlockingDisconnect(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c := blockOn(t, s, rdb, 1, "BLPOP", "q", "0")
	require.Contains(t, rdb.ClientList(ctx).Val(), "flags=b ")
	require.NoError(t, c.Close())
	waitBlockedClients(t, rdb, 0)
	require.Equal(t, int64(1), rdb.RPush(ctx, "q", "x").Val())
	require.Equal(t, int64(1), rdb.LLen(ctx, "q").Val())
}

// TestBlockingShutdown: a server shutting down closes its blocked
// clients' connections and exits; they do not hold it.
func TestBlockingShutdown(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	var cs []*rawConn
	for i := range 3 {
		cs = append(cs, blockOn(t, s, rdb, i+1, "BLPOP", "q"+strconv.Itoa(i), "0"))
	}
	s.Signal(syscall.SIGTERM)
	require.Equal(t, 0, s.WaitExit(10*time.Second))
	for _, c := range cs {
		c.requireEOF(5 * time.Second)
	}
}

// TestBlockingReplicated: pops served to blocked clients (BLPOP, a
// BLMOVE chain, BLMPOP) reach the secondary as the plain pops and pushes
// they were: equal digests. On the secondary a blocking command is a
// write: READONLY.
func TestBlockingReplicated(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	sec := startSecondary(t, p)
	c1 := blockOn(t, p.Server, p.rdb, 1, "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")
	c2 := blockOn(t, p.Server, p.rdb, 2, "BLPOP", "b", "0")
	c3 := blockOn(t, p.Server, p.rdb, 3, "BLMPOP", "0", "1", "a", "RIGHT", "COUNT", "2")
	require.Equal(t, int64(4), p.rdb.RPush(ctx, "a", "1", "2", "3", "4").Val())
	require.Equal(t, "$1\r\n1\r\n", readReply(t, c1))
	require.Equal(t, "*2\r\n$1\r\nb\r\n$1\r\n1\r\n", readReply(t, c2))
	require.Equal(t, "*2\r\n$1\r\na\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n", readReply(t, c3))
	require.Equal(t, []string{"2"}, p.rdb.LRange(ctx, "a", 0, -1).Val())
	requireConverged(t, p, sec)
	require.Equal(t, []string{"2"}, sec.rdb.LRange(ctx, "a", 0, -1).Val())
	requireRedisErr(t, sec.rdb.BLPop(ctx, time.Second, "a").Err(), "READONLY You can't write against a read only replica.")
}

// TestBlockingRoleChange: a primary that becomes a secondary (REPLICAOF)
// unblocks its blocked clients with Redis's error.
func TestBlockingRoleChange(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	other := startNode(t)
	n := startNode(t)
	c := blockOn(t, n.Server, n.rdb, 1, "BLPOP", "q", "0")
	require.NoError(t, n.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(other.Port)).Err())
	require.Equal(t, "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n", readReply(t, c))
	waitBlockedClients(t, n.rdb, 0)
}

// TestBlockingSwapDB: SWAPDB that brings a waited key's list into a
// blocked client's database serves it, as Redis does (also against
// redis-server).
func TestBlockingSwapDB(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	c1 := blockOn(t, s, rdb, 1, "BLPOP", "k", "0")
	c2 := blockOn(t, s, rdb, 2, "BZPOPMIN", "z", "0")
	other := redis.NewClient(&redis.Options{Addr: s.Addr(), DB: 1})
	defer other.Close()
	require.Equal(t, int64(2), other.RPush(ctx, "k", "a", "b").Val())
	require.Equal(t, int64(1), other.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "m"}).Val())
	require.Equal(t, "OK", rdb.Do(ctx, "SWAPDB", 0, 1).Val())
	require.Equal(t, "*2\r\n$1\r\nk\r\n$1\r\na\r\n", readReply(t, c1))
	require.Equal(t, "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n", readReply(t, c2))
	require.Equal(t, []string{"b"}, rdb.LRange(ctx, "k", 0, -1).Val())
	waitBlockedClients(t, rdb, 0)
}
