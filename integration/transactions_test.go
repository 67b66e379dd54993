package integration

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// respCommand encodes a command as RESP.
func respCommand(args []string) string {
	s := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		s += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	return s
}

// exactStep is a command and the exact bytes of its reply.
type exactStep struct {
	cmd  []string
	want string
}

// requireExactReplies sends each command on c in turn and requires its
// reply byte for byte.
func requireExactReplies(t *testing.T, c *rawConn, steps []exactStep) {
	t.Helper()
	for i, st := range steps {
		c.send(respCommand(st.cmd))
		got := make([]byte, len(st.want))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		n, err := io.ReadFull(c.r, got)
		require.NoError(t, err, "step %d %v: got %q before the error", i, st.cmd, got[:n])
		require.Equal(t, st.want, string(got), "step %d %v", i, st.cmd)
	}
}

// TestTransactionReplies runs MULTI, EXEC, DISCARD, WATCH and UNWATCH with
// their error cases and compares every reply byte for byte with what
// redis-server 7.0 answered (run with NADB_TEST_TARGET=redis-server to see
// it still does).
func TestTransactionReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"MULTI"}, "-ERR MULTI calls can not be nested\r\n"},
		{[]string{"WATCH", "x"}, "-ERR WATCH inside MULTI is not allowed\r\n"},
		{[]string{"SET", "a", "1"}, "+QUEUED\r\n"},
		{[]string{"FOO"}, "-ERR unknown command 'FOO', with args beginning with: \r\n"},
		{[]string{"SET", "a"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"EXEC"}, "-ERR EXEC without MULTI\r\n"},
		{[]string{"DISCARD"}, "-ERR DISCARD without MULTI\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "a", "1"}, "+QUEUED\r\n"},
		{[]string{"INCR", "a"}, "+QUEUED\r\n"},
		{[]string{"SAVE"}, "-ERR Command not allowed inside a transaction\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"WAIT", "0", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n:0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"DISCARD"}, "+OK\r\n"},
		{[]string{"UNWATCH"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"EXEC"}, "*0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SELECT", "3"}, "+QUEUED\r\n"},
		{[]string{"SET", "q", "1"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n+OK\r\n"},
		{[]string{"DBSIZE"}, ":1\r\n"},
		{[]string{"SELECT", "0"}, "+OK\r\n"},
		{[]string{"WATCH", "k"}, "+OK\r\n"},
		{[]string{"SET", "k", "1"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*-1\r\n"},
		{[]string{"WATCH", "nokey"}, "+OK\r\n"},
		{[]string{"FLUSHDB"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n+PONG\r\n"},
		{[]string{"SET", "e", "1"}, "+OK\r\n"},
		{[]string{"WATCH", "e"}, "+OK\r\n"},
		{[]string{"FLUSHDB"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*-1\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "a", "b"}, "+QUEUED\r\n"},
		{[]string{"INCR", "a"}, "+QUEUED\r\n"},
		{[]string{"GET", "a"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nb\r\n"},
		{[]string{"WATCH", "a"}, "+OK\r\n"},
		{[]string{"UNWATCH"}, "+OK\r\n"},
		{[]string{"SET", "a", "c"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n$1\r\nc\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SHUTDOWN"}, "-ERR Command not allowed inside a transaction\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"SET", "w", "1"}, "+OK\r\n"},
		{[]string{"WATCH", "w"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"INCR", "w"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n:2\r\n"},
		{[]string{"GET", "w"}, "$1\r\n2\r\n"},
	})
}

// TestWatchOptimisticLocking: clients increment one counter with WATCH,
// GET and a MULTI/EXEC SET, retrying when EXEC fails (go-redis's Watch and
// TxPipelined): no increment is lost.
func TestWatchOptimisticLocking(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	const clients, each = 4, 50
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c := s.Client()
			defer c.Close()
			for range each {
				for {
					err := c.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "counter").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", n+1, 0)
							return nil
						})
						return err
					}, "counter")
					if errors.Is(err, redis.TxFailedErr) {
						continue // another client got there first: again
					}
					require.NoError(t, err)
					break
				}
			}
		})
	}
	wg.Wait()
	c := s.Client()
	defer c.Close()
	n, err := c.Get(ctx, "counter").Int()
	require.NoError(t, err)
	require.Equal(t, clients*each, n)
}

// TestTxPipeline: go-redis's TxPipeline sends MULTI ... EXEC; a runtime
// error is the failing command's alone, and the writes before and after it
// hold.
func TestTxPipeline(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()
	defer c.Close()
	require.NoError(t, c.Set(ctx, "s", "text", 0).Err())
	p := c.TxPipeline()
	set := p.Set(ctx, "a", "1", 0)
	bad := p.Incr(ctx, "s")
	incr := p.IncrBy(ctx, "a", 41)
	_, err := p.Exec(ctx)
	requireRedisErr(t, err, errNotInt)
	require.NoError(t, set.Err())
	requireRedisErr(t, bad.Err(), errNotInt)
	require.Equal(t, int64(42), incr.Val())
	got, err := c.Get(ctx, "a").Result()
	require.NoError(t, err)
	require.Equal(t, "42", got)
}

// TestWatchSeesExpiry: a watched key whose time passes fails the EXEC.
func TestWatchSeesExpiry(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()
	defer c.Close()
	require.NoError(t, c.Set(ctx, "short", "v", 200*time.Millisecond).Err())
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		require.Eventually(t, func() bool { return tx.Exists(ctx, "short").Val() == 0 },
			5*time.Second, 5*time.Millisecond, "the key never expired")
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "other", "v", 0)
			return nil
		})
		return err
	}, "short")
	require.ErrorIs(t, err, redis.TxFailedErr)
	require.Zero(t, c.Exists(ctx, "other").Val(), "an aborted EXEC runs nothing")
}

// TestExecRefused: an EXEC refused before it runs (its arity, the
// subscriber context) discards the transaction and says why, as Redis's
// EXECABORT does, inside MULTI or not; byte for byte as redis-server 7.0
// answers (run with NADB_TEST_TARGET=redis-server to see it still does).
func TestExecRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "a", "1"}, "+QUEUED\r\n"},
		{[]string{"EXEC", "x"}, "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"},
		{[]string{"EXEC"}, "-ERR EXEC without MULTI\r\n"},
		{[]string{"EXISTS", "a"}, ":0\r\n"},
		{[]string{"EXEC", "x"}, "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"},
		{[]string{"SUBSCRIBE", "ch"}, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of: Can't execute 'exec': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"},
	})
}

// TestTransactionOutOfMemory: above maxmemory (noeviction) nothing is
// queued, and an EXEC whose queue may grow memory is refused whole, as
// Redis does; byte for byte as redis-server 7.0 answers (run with
// NADB_TEST_TARGET=redis-server to see it still does).
func TestTransactionOutOfMemory(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := dialRaw(t, s.Addr()), dialRaw(t, s.Addr())
	const oom = "OOM command not allowed when used memory > 'maxmemory'."
	requireExactReplies(t, a, []exactStep{
		{[]string{"SET", "pad", strings.Repeat("x", 1000)}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+QUEUED\r\n"},
	})
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"}})
	requireExactReplies(t, a, []exactStep{
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of: " + oom + "\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "-" + oom + "\r\n"},
		{[]string{"DEL", "k"}, "-" + oom + "\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		// MULTI and WATCH are refused for memory before their own checks.
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"MULTI"}, "-" + oom + "\r\n"},
		{[]string{"WATCH", "k"}, "-" + oom + "\r\n"},
		{[]string{"DISCARD"}, "+OK\r\n"},
	})
	// A script that declares writes counts as a command that may grow
	// memory; one that declares no-writes does not.
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "0"}, "+OK\r\n"}})
	requireExactReplies(t, a, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"EVAL", "#!lua\nreturn 1", "0"}, "+QUEUED\r\n"},
	})
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"}})
	requireExactReplies(t, a, []exactStep{
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of: " + oom + "\r\n"},
	})
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "0"}, "+OK\r\n"}})
	requireExactReplies(t, a, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"EVAL", "#!lua flags=no-writes\nreturn 1", "0"}, "+QUEUED\r\n"},
	})
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"}})
	requireExactReplies(t, a, []exactStep{
		{[]string{"EXEC"}, "*1\r\n:1\r\n"},
		{[]string{"DEL", "pad"}, ":1\r\n"},
	})
	requireExactReplies(t, b, []exactStep{{[]string{"CONFIG", "SET", "maxmemory", "0"}, "+OK\r\n"}})
}
