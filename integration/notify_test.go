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
// CONFIG GET shows the classes in Redis's order, and the classes this
// server does not produce are refused.
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

// TestKeyspaceNotificationsRefused: the classes Redis has and this server
// does not produce are refused, saying so, and change nothing.
func TestKeyspaceNotificationsRefused(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KEA"}, "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - keyspace notifications of class 'A' are not implemented: only K, E, x (expired) and e (evicted)\r\n"},
		{[]string{"CONFIG", "GET", "notify-keyspace-events"}, "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"},
	})
}
