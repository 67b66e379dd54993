package integration

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWaitInTransaction holds for redis-server too: WAIT inside MULTI
// never blocks; it answers at once how many secondaries have
// acknowledged (none here), and the transaction stays whole.
func TestWaitInTransaction(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "a", "1"}, "+QUEUED\r\n"},
		{[]string{"WAIT", "1", "0"}, "+QUEUED\r\n"},
		{[]string{"GET", "a"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*3\r\n+OK\r\n:0\r\n$1\r\n1\r\n"},
		{[]string{"WAIT", "0", "0"}, ":0\r\n"},
	})
}

// TestWaitClientGone holds for redis-server too: a client that goes away
// while blocked in WAIT (with no timeout) is gone at once, not kept
// blocked forever; the replies before its WAIT reached it first.
func TestWaitClientGone(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()
	a := dialRaw(t, s.Addr())
	a.send(respCommand([]string{"SET", "k", "v"}) + respCommand([]string{"WAIT", "1", "0"}))
	require.Equal(t, "+OK\r\n", readReply(t, a), "the SET's reply is not held back by the WAIT after it")
	require.Eventually(t, func() bool { return infoInt(t, c, "clients", "blocked_clients") == 1 }, 10*time.Second, 10*time.Millisecond)
	clients := infoInt(t, c, "clients", "connected_clients")
	require.NoError(t, a.Close())
	require.Eventually(t, func() bool {
		return infoInt(t, c, "clients", "blocked_clients") == 0 && infoInt(t, c, "clients", "connected_clients") == clients-1
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, c.Ping(ctx).Err())
}

// TestClientNoEvictFlag holds for redis-server too: CLIENT NO-EVICT on
// shows as flag e in CLIENT INFO, until it is turned off.
func TestClientNoEvictFlag(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()
	conn := c.Conn()
	defer conn.Close()
	require.NoError(t, conn.Do(ctx, "CLIENT", "NO-EVICT", "on").Err())
	info, err := conn.Do(ctx, "CLIENT", "INFO").Text()
	require.NoError(t, err)
	require.Contains(t, info, " flags=e ")
	require.NoError(t, conn.Do(ctx, "CLIENT", "NO-EVICT", "off").Err())
	info, err = conn.Do(ctx, "CLIENT", "INFO").Text()
	require.NoError(t, err)
	require.Contains(t, info, " flags=N ")
}

// TestSetInThePastTouchesWatch holds for redis-server too: a SET whose
// expiry has already passed, of a key that does not exist, creates
// nothing, yet counts as a change of the key for a WATCH of it.
func TestSetInThePastTouchesWatch(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a, b := dialRaw(t, s.Addr()), dialRaw(t, s.Addr())
	requireExactReplies(t, a, []exactStep{{[]string{"WATCH", "s"}, "+OK\r\n"}})
	requireExactReplies(t, b, []exactStep{
		{[]string{"SET", "s", "1", "EXAT", "1"}, "+OK\r\n"},
		{[]string{"EXISTS", "s"}, ":0\r\n"},
	})
	requireExactReplies(t, a, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*-1\r\n"},
	})
}
