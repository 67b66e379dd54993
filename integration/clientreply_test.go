package integration

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClientReply: CLIENT REPLY OFF drops every reply until ON, SKIP the
// next command's, byte for byte as redis-server 7.0 (a step that wants ""
// reads nothing, so the next step's reply shows that nothing came).
func TestClientReply(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CLIENT", "REPLY", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "REPLY"}, "-ERR wrong number of arguments for 'client|reply' command\r\n"},
		{[]string{"CLIENT", "REPLY", "OFF"}, ""},
		{[]string{"SET", "a", "1"}, ""},
		{[]string{"GET", "a"}, ""},
		{[]string{"GET"}, ""},
		{[]string{"CLIENT", "REPLY", "maybe"}, ""},
		// SKIP is ignored while OFF.
		{[]string{"CLIENT", "REPLY", "SKIP"}, ""},
		{[]string{"CLIENT", "REPLY", "ON"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$1\r\n1\r\n"},
		{[]string{"CLIENT", "REPLY", "SKIP"}, ""},
		{[]string{"INCR", "a"}, ""},
		{[]string{"GET", "a"}, "$1\r\n2\r\n"},
		// SKIP then ON: ON's own reply comes.
		{[]string{"CLIENT", "REPLY", "SKIP"}, ""},
		{[]string{"CLIENT", "REPLY", "ON"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$1\r\n2\r\n"},
		// RESET turns replies back on, and answers.
		{[]string{"CLIENT", "REPLY", "OFF"}, ""},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"GET", "a"}, "$1\r\n2\r\n"},
	})
}

// TestClientReplyAcrossFlushes: the replies of a pipeline that went out
// while a later command ran (SUBSCRIBE sends them before its
// confirmation) are not cut again by CLIENT REPLY SKIP, even when the
// buffer was larger than the one kept; and the (un)subscribe
// confirmations, pushes in Redis, come under SKIP and OFF too.
func TestClientReplyAcrossFlushes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	big := strings.Repeat("x", 70000)
	pipeline := func(c *rawConn, want string, cmds ...[]string) {
		t.Helper()
		var b strings.Builder
		for _, cmd := range cmds {
			b.WriteString(respCommand(cmd))
		}
		c.send(b.String())
		got := make([]byte, len(want))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := io.ReadFull(c.r, got)
		require.NoError(t, err)
		require.Equal(t, want, string(got))
	}
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{{[]string{"SET", "big", big}, "+OK\r\n"}})
	pipeline(c, "$70000\r\n"+big+"\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
		[]string{"GET", "big"}, []string{"CLIENT", "REPLY", "SKIP"}, []string{"SUBSCRIBE", "ch"})
	requireExactReplies(t, c, []exactStep{{[]string{"PING"}, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"}})

	c = dialRaw(t, s.Addr())
	pipeline(c, "+PONG\r\n*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n+PONG\r\n",
		[]string{"PING"}, []string{"CLIENT", "REPLY", "SKIP"}, []string{"UNSUBSCRIBE"}, []string{"PING"})
	pipeline(c, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n+OK\r\n",
		[]string{"CLIENT", "REPLY", "OFF"}, []string{"GET", "big"}, []string{"UNSUBSCRIBE"}, []string{"CLIENT", "REPLY", "ON"})
}
