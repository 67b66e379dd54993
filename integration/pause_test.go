package integration

import (
	"context"
	"testing"

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
