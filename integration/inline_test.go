package integration

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestInlineCommands sends inline (telnet style) commands with every kind
// of quoting and escape Redis's sdssplitargs knows, and compares each
// reply byte for byte with what redis-server 7.0 answered (run with
// NADB_TEST_TARGET=redis-server to see it still does).
func TestInlineCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	for _, tc := range []struct{ in, want string }{
		{"ECHO \"\\x41\"\r\n", "$1\r\nA\r\n"},
		{"ECHO \"\\x4\"\r\n", "$2\r\nx4\r\n"},
		{"ECHO \"a\\b\\a\\qb\"\r\n", "$5\r\na\b\aqb\r\n"},
		{"ECHO 'a\\nb'\r\n", "$4\r\na\\nb\r\n"},
		{"ECHO 'it\\'s'\r\n", "$4\r\nit's\r\n"},
		{"ECHO\tabc\r\n", "$3\r\nabc\r\n"},
		{"ECHO a\"b c\"\r\n", "$4\r\nab c\r\n"},
		{"  ECHO   spaced  \r\n", "$6\r\nspaced\r\n"},
		{"ECHO \"\"\r\n", "$0\r\n\r\n"},
		{"ECHO \"x\"y\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
	} {
		c.send(tc.in)
		got := make([]byte, len(tc.want))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, err := io.ReadFull(c.r, got)
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.want, string(got), "%q", tc.in)
		if tc.want[0] == '-' {
			c = dialRaw(t, s.Addr()) // a protocol error closes the connection
		}
	}
}
