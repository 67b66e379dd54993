package integration

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKeyspaceNotifications: with notify-keyspace-events, a key removed
// because its time passed (found by a read or by the active cycle) and one
// evicted under maxmemory are published to __keyspace@<db>__:<key> and
// __keyevent@<db>__:<event>, byte for byte as redis-server 7.0 sends them;
// CONFIG GET shows the classes in Redis's order, and a letter that is no
// class is refused.
func TestKeyspaceNotifications(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Eq"}, "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Ex"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "notify-keyspace-events"}, "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nxE\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KEex"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "notify-keyspace-events"}, "*2\r\n$22\r\nnotify-keyspace-events\r\n$4\r\nxeKE\r\n"},
	})
	sub := dialRaw(t, s.Addr())
	requireExactReplies(t, sub, []exactStep{
		{[]string{"PSUBSCRIBE", "__key*@*__:*"}, "*3\r\n$10\r\npsubscribe\r\n$12\r\n__key*@*__:*\r\n:1\r\n"},
	})
	message := func(channel, msg string) string {
		return "*4\r\n$8\r\npmessage\r\n$12\r\n__key*@*__:*\r\n" + bulk(channel) + bulk(msg)
	}
	// Removed because its time passed (by a read or the active cycle:
	// the messages are the same).
	requireExactReplies(t, c, []exactStep{
		{[]string{"SELECT", "2"}, "+OK\r\n"},
		{[]string{"SET", "k", "v", "PX", "1"}, "+OK\r\n"},
	})
	require.Eventually(t, func() bool {
		c.send(respCommand([]string{"EXISTS", "k"}))
		return c.readLine() == ":0"
	}, 5*time.Second, 2*time.Millisecond)
	requireRESP3Replies(t, sub, []exactStep{
		push(message("__keyspace@2__:k", "expired")),
		push(message("__keyevent@2__:expired", "k")),
	})
	// Evicted: with maxmemory at 1 byte every key goes (the write is then
	// refused, OOM).
	requireExactReplies(t, c, []exactStep{
		{[]string{"SET", "old", "v"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "1"}, "+OK\r\n"},
	})
	c.send(respCommand([]string{"SET", "new", "v"}))
	c.readLine()
	requireRESP3Replies(t, sub, []exactStep{
		push(message("__keyspace@2__:old", "evicted")),
		push(message("__keyevent@2__:evicted", "old")),
	})
	// Turned off: nothing more.
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "maxmemory", "0"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", ""}, "+OK\r\n"},
		{[]string{"SET", "b", "v", "PX", "1"}, "+OK\r\n"},
	})
	require.Eventually(t, func() bool {
		c.send(respCommand([]string{"EXISTS", "b"}))
		return c.readLine() == ":0"
	}, 5*time.Second, 2*time.Millisecond)
	requireExactReplies(t, sub, []exactStep{
		{[]string{"PING"}, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"},
	})
}

// bulk is s as a RESP bulk string.
func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// serverMicros reads the server's clock (TIME) in microseconds.
func serverMicros(t *testing.T, c *rawConn) int64 {
	t.Helper()
	c.send(respCommand([]string{"TIME"}))
	require.Equal(t, "*2", c.readLine())
	c.readLine()
	secs, err := strconv.ParseInt(c.readLine(), 10, 64)
	require.NoError(t, err)
	c.readLine()
	us, err := strconv.ParseInt(c.readLine(), 10, 64)
	require.NoError(t, err)
	return secs*1_000_000 + us
}

// TestKeyspaceNotificationsOnWrites: a key whose time has passed is
// expired, with its event, by a write that overwrites it (MSET, RENAME's
// destination, a STORE), by SCAN visiting it, and a SET with a time
// already past expires what it stores; byte for byte as redis-server 7.0,
// with the active cycle off so that these paths, not it, find the keys.
func TestKeyspaceNotificationsOnWrites(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	sub := dialRaw(t, s.Addr())
	requireExactReplies(t, sub, []exactStep{
		{[]string{"SUBSCRIBE", "__keyevent@0__:expired"}, "*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:expired\r\n:1\r\n"},
	})
	expired := func(key string) exactStep {
		return push("*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n" + bulk(key))
	}
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Ex"}, "+OK\r\n"},
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, "+OK\r\n"},
		{[]string{"SET", "m", "v", "PX", "1"}, "+OK\r\n"},
		{[]string{"SET", "r", "v", "PX", "1"}, "+OK\r\n"},
		{[]string{"SADD", "z", "a"}, ":1\r\n"},
		{[]string{"PEXPIRE", "z", "1"}, ":1\r\n"},
		{[]string{"SET", "sc", "v", "PX", "1"}, "+OK\r\n"},
		{[]string{"SET", "src", "v"}, "+OK\r\n"},
		{[]string{"SADD", "s1", "x"}, ":1\r\n"},
	})
	// Past every expiry above, by the server's clock.
	since := serverMicros(t, c)
	require.Eventually(t, func() bool { return serverMicros(t, c) > since+2000 }, 5*time.Second, time.Millisecond)
	requireExactReplies(t, c, []exactStep{
		{[]string{"MSET", "m", "1"}, "+OK\r\n"},
		{[]string{"RENAME", "src", "r"}, "+OK\r\n"},
		{[]string{"SUNIONSTORE", "z", "s1"}, ":1\r\n"},
		{[]string{"SCAN", "0", "MATCH", "sc", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"SET", "p", "v", "PXAT", "1"}, "+OK\r\n"},
		// Redis expires p when something finds it; nadb-server at once.
		{[]string{"EXISTS", "p"}, ":0\r\n"},
	})
	requireRESP3Replies(t, sub, []exactStep{expired("m"), expired("r"), expired("z"), expired("sc"), expired("p")})
	requireExactReplies(t, c, []exactStep{{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, "+OK\r\n"}})
}
