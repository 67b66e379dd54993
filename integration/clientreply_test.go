package integration

import "testing"

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
