package integration

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestSwapDBReplies: SWAPDB's errors and effect, byte for byte as
// redis-server 7.0.15 answers (NADB_TEST_TARGET=redis-server checks it).
func TestSwapDBReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"SWAPDB", "0"}, "-ERR wrong number of arguments for 'swapdb' command\r\n"},
		{[]string{"SWAPDB", "0", "1", "2"}, "-ERR wrong number of arguments for 'swapdb' command\r\n"},
		{[]string{"SWAPDB", "a", "1"}, "-ERR invalid first DB index\r\n"},
		{[]string{"SWAPDB", "0", "b"}, "-ERR invalid second DB index\r\n"},
		{[]string{"SWAPDB", "16", "b"}, "-ERR invalid second DB index\r\n"},
		{[]string{"SWAPDB", "1.5", "0"}, "-ERR invalid first DB index\r\n"},
		{[]string{"SWAPDB", "4294967296", "0"}, "-ERR invalid first DB index\r\n"},
		{[]string{"SWAPDB", "0", "16"}, "-ERR DB index is out of range\r\n"},
		// Other database arguments are read as C ints first.
		{[]string{"SELECT", "2147483648"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"SELECT", "-2147483649"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"SELECT", "2147483647"}, "-ERR DB index is out of range\r\n"},
		{[]string{"MOVE", "a", "2147483648"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"MOVE", "a", "-2147483648"}, "-ERR DB index is out of range\r\n"},
		{[]string{"COPY", "a", "b", "DB", "-2147483649"}, "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"},
		{[]string{"SWAPDB", "-1", "0"}, "-ERR DB index is out of range\r\n"},
		{[]string{"SWAPDB", "0", "0"}, "+OK\r\n"},
		{[]string{"SET", "a", "in0"}, "+OK\r\n"},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n"},
		{[]string{"SELECT", "3"}, "+OK\r\n"},
		{[]string{"SET", "b", "in3"}, "+OK\r\n"},
		{[]string{"SWAPDB", "0", "3"}, "+OK\r\n"},
		// The connection stays on database 3, which now holds what 0 held.
		{[]string{"GET", "a"}, "$3\r\nin0\r\n"},
		{[]string{"HGET", "h", "f"}, "$1\r\nv\r\n"},
		{[]string{"GET", "b"}, "$-1\r\n"},
		{[]string{"DBSIZE"}, ":2\r\n"},
		{[]string{"SELECT", "0"}, "+OK\r\n"},
		{[]string{"GET", "b"}, "$3\r\nin3\r\n"},
		{[]string{"DBSIZE"}, ":1\r\n"},
		{[]string{"SWAPDB", "3", "0"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$3\r\nin0\r\n"},
		// A WATCHed key of either database that exists in either of them
		// fails the transaction.
		{[]string{"WATCH", "a"}, "+OK\r\n"},
		{[]string{"SWAPDB", "5", "0"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*-1\r\n"},
		// A key missing from both is left alone.
		{[]string{"WATCH", "nowhere"}, "+OK\r\n"},
		{[]string{"SWAPDB", "5", "0"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n+PONG\r\n"},
		{[]string{"GET", "a"}, "$3\r\nin0\r\n"},
	})
}

// TestSwapDBReplication: SWAPDB between writes, alone and in MULTI,
// reaches two secondaries (equal digests), survives a kill -9 restart
// from the log, and a fresh secondary's full sync.
func TestSwapDBReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)
	clients := []*redis.Client{p.rdbDB(t, 0), p.rdbDB(t, 1), p.rdbDB(t, 2), p.rdbDB(t, 3)}
	work := func(n int) {
		for range n {
			db := rng.IntN(4)
			c := clients[db]
			switch rng.IntN(5) {
			case 0:
				require.NoError(t, c.Do(ctx, "SWAPDB", db, rng.IntN(4)).Err())
			case 1:
				_, err := c.TxPipelined(ctx, func(tx redis.Pipeliner) error {
					tx.Set(ctx, "k"+strconv.Itoa(rng.IntN(10)), db, 0)
					tx.Do(ctx, "SWAPDB", 1, 2)
					tx.SAdd(ctx, "set", rng.IntN(10))
					return nil
				})
				require.NoError(t, err)
			default:
				require.NoError(t, c.Set(ctx, "k"+strconv.Itoa(rng.IntN(10)), rng.Int64(), 0).Err())
			}
		}
	}
	work(300)
	before := requireConverged(t, p, s1, s2)
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	work(100)
	requireConverged(t, p, s1, s2)
	s3 := startSecondary(t, p)
	requireConverged(t, p, s1, s2, s3)
	require.Equal(t, p.rdbDB(t, 2).Get(ctx, "k1").Val(), s3.rdbDB(t, 2).Get(ctx, "k1").Val())
}

// rdbDB returns a client of database db of n, closed with the test.
func (n *node) rdbDB(t *testing.T, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: db, ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
