package integration

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClientPause holds for redis-server too: CLIENT PAUSE WRITE holds a
// client's write (after sending the replies before it) while reads run,
// keeps an expired key (hidden, counted by DBSIZE) until the pause ends,
// and CLIENT UNPAUSE lets the write run; the arguments are checked with
// Redis's errors.
func TestClientPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()
	a := dialRaw(t, s.Addr())
	requireExactReplies(t, a, []exactStep{
		{[]string{"CLIENT", "PAUSE", "x"}, "-ERR timeout is not an integer or out of range\r\n"},
		{[]string{"CLIENT", "PAUSE", "-1"}, "-ERR timeout is negative\r\n"},
		{[]string{"CLIENT", "PAUSE", "10", "foo"}, "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"},
		{[]string{"CLIENT", "PAUSE", "10", "write", "x"}, "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "PAUSE"}, "-ERR wrong number of arguments for 'client|pause' command\r\n"},
		{[]string{"CLIENT", "UNPAUSE", "x"}, "-ERR wrong number of arguments for 'client|unpause' command\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"SET", "gone", "v", "PX", "1"}, "+OK\r\n"},
		{[]string{"CLIENT", "PAUSE", "100000", "WRITE"}, "+OK\r\n"},
	})
	// The key's millisecond passes during the pause: it expires, but
	// nothing deletes it until the pause ends.
	require.Eventually(t, func() bool { return rdb.Get(ctx, "gone").Err() != nil }, convergeTimeout, pollInterval)

	b := dialRaw(t, s.Addr())
	b.send(respCommand([]string{"GET", "k"}) + respCommand([]string{"SET", "k", "2"}))
	require.Equal(t, "$1\r\nv\r\n", readReply(t, b), "the read before the held write is answered")
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, a, []exactStep{
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"GET", "gone"}, "$-1\r\n"},
		{[]string{"DBSIZE"}, ":2\r\n"},
		{[]string{"CLIENT", "UNPAUSE"}, "+OK\r\n"},
	})
	require.Equal(t, "+OK\r\n", readReply(t, b))
	waitBlockedClients(t, rdb, 0)
	require.Equal(t, "2", rdb.Get(ctx, "k").Val())
}

// TestSwitchoverLosesNothing: the README's planned switchover. A writer
// keeps incrementing a counter on the primary; CLIENT PAUSE WRITE holds it,
// the secondary catches up and is promoted, the old primary follows it,
// and CLIENT UNPAUSE releases the held write, which the old primary, now a
// secondary, refuses. Every increment the writer saw acknowledged is on the
// new primary, and no other.
func TestSwitchoverLosesNothing(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p, s := startLinkedPair(t)

	acked, werr := startIncrWriter(t, p, 100)

	admin := p.Server.Client()
	defer admin.Close()
	require.NoError(t, admin.Do(ctx, "CLIENT", "PAUSE", "60000", "WRITE").Err())
	require.Eventually(t, func() bool {
		return p.requireInfo("replication")["master_repl_offset"] == s.requireInfo("replication")["master_repl_offset"]
	}, convergeTimeout, pollInterval, "the secondary catches up with the paused primary")
	require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	require.NoError(t, admin.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(s.Port)).Err())
	require.NoError(t, admin.Do(ctx, "CLIENT", "UNPAUSE").Err())

	requireHeldWriteReadOnly(t, werr)
	n, err := s.rdb.Get(ctx, "n").Int64()
	require.NoError(t, err)
	require.Equal(t, acked.Load(), n, "every acknowledged increment, and no other, is on the new primary")
	p.waitInfo("replication", "master_link_status", "up")
	requireConverged(t, s, p)
}

// TestPauseInsideExec holds for redis-server too: a pause that a
// transaction starts does not hold the transaction's later commands.
func TestPauseInsideExec(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"CLIENT", "PAUSE", "100000", "ALL"}, "+QUEUED\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n$-1\r\n"},
	})
}

// TestPauseRandomKeyExpired: during a pause, when every key has expired
// (and none may be deleted), RANDOMKEY gives up after its tries and
// answers an expired key instead of spinning under the engine lock, as
// later Redis versions do (redis-server 7.0.15 spins for ever here).
func TestPauseRandomKeyExpired(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		// The pause first: a key set before it could expire and be
		// deleted by the active cycle before the pause begins.
		{[]string{"CLIENT", "PAUSE", "100000", "WRITE"}, "+QUEUED\r\n"},
		{[]string{"SET", "k", "v", "PX", "1"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n+OK\r\n"},
	})
	rdb := s.Client()
	require.Eventually(t, func() bool { return rdb.PTTL(context.Background(), "k").Val() == -2 }, convergeTimeout, pollInterval)
	requireExactReplies(t, c, []exactStep{
		{[]string{"RANDOMKEY"}, "$1\r\nk\r\n"},
		{[]string{"CLIENT", "UNPAUSE"}, "+OK\r\n"},
	})
}

// TestPauseHeldClientGone holds for redis-server too: a client killed while
// its write is held never runs it, and the time a command is held is not
// its time in the slow log.
func TestPauseHeldClientGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()
	require.NoError(t, rdb.ConfigSet(ctx, "slowlog-log-slower-than", "100000").Err())
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "100000", "WRITE").Err())
	b := dialRaw(t, s.Addr())
	b.send(respCommand([]string{"SET", "k", "v"}))
	waitBlockedClients(t, rdb, 1)
	require.NoError(t, rdb.Do(ctx, "CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal").Err())
	waitBlockedClients(t, rdb, 0)
	require.NoError(t, rdb.Do(ctx, "CLIENT", "UNPAUSE").Err())
	require.Equal(t, int64(0), rdb.Exists(ctx, "k").Val(), "the killed client's SET never ran")

	// Held for the 200 ms of a pause that ends by itself: not a slow
	// command for a threshold of 100 ms.
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "200", "WRITE").Err())
	c := dialRaw(t, s.Addr())
	c.send(respCommand([]string{"SET", "other", "v"}))
	require.Equal(t, "+OK\r\n", readReply(t, c))
	require.Equal(t, int64(0), rdb.Do(ctx, "SLOWLOG", "LEN").Val())
}

// TestPauseUnblockLeavesHeldClient: CLIENT UNBLOCK answers 0 for a client
// a pause holds and leaves it held, as Redis does from 7.2 (7.0.15 crashes
// on it). The held write runs when the pause ends.
func TestPauseUnblockLeavesHeldClient(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()
	b := dialRaw(t, s.Addr())
	b.send(respCommand([]string{"CLIENT", "ID"}))
	id := strings.TrimPrefix(b.readLine(), ":")
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "100000", "WRITE").Err())
	b.send(respCommand([]string{"SET", "k", "v"}))
	waitBlockedClients(t, rdb, 1)
	for _, mode := range []string{"TIMEOUT", "ERROR"} {
		n, err := rdb.Do(ctx, "CLIENT", "UNBLOCK", id, mode).Int64()
		require.NoError(t, err)
		require.Equal(t, int64(0), n, "CLIENT UNBLOCK %s of a held client", mode)
	}
	waitBlockedClients(t, rdb, 1)
	require.NoError(t, rdb.Do(ctx, "CLIENT", "UNPAUSE").Err())
	requireExactReplies(t, b, []exactStep{{[]string{"GET", "k"}, "+OK\r\n$1\r\nv\r\n"}})
}

// startIncrWriter increments "n" on p in a loop, keeping the last value
// acknowledged in acked, until a write fails (sent on the channel); it
// returns once min increments were acknowledged.
func startIncrWriter(t *testing.T, p *node, min int64) (acked *atomic.Int64, werr chan error) {
	t.Helper()
	ctx := context.Background()
	acked, werr = &atomic.Int64{}, make(chan error, 1)
	go func() {
		for {
			v, err := p.rdb.Incr(ctx, "n").Result()
			if err != nil {
				werr <- err
				return
			}
			acked.Store(v)
		}
	}()
	require.Eventually(t, func() bool { return acked.Load() >= min }, convergeTimeout, pollInterval)
	return acked, werr
}

// requireHeldWriteReadOnly waits for the writer's held write, which must
// have reached a node that is a secondary now.
func requireHeldWriteReadOnly(t *testing.T, werr chan error) {
	t.Helper()
	select {
	case err := <-werr:
		require.ErrorContains(t, err, "READONLY", "the held write reached a node that is a secondary now")
	case <-time.After(convergeTimeout):
		t.Fatal("the held write never finished")
	}
}
