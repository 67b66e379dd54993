package integration

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// monitorVaries matches what changes from run to run in a MONITOR line:
// the time and the client's port (a script's commands have no port).
var (
	monitorVaries    = regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]`)
	monitorVariesLua = regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) lua\]`)
)

// readMonitorLines reads n lines from a monitoring connection, with the
// time and the port replaced.
func readMonitorLines(t *testing.T, c *rawConn, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		line := monitorVaries.ReplaceAllString(c.readLine(), "+T [$1 ADDR]")
		out[i] = monitorVariesLua.ReplaceAllString(line, "+T [$1 lua]")
	}
	return out
}

// startMonitored starts a server and returns a connection in MONITOR
// mode and another one to run commands on.
func startMonitored(t *testing.T) (m, a *rawConn) {
	t.Helper()
	s := startServer(t)
	m = dialRaw(t, s.Addr())
	requireExactReplies(t, m, []exactStep{{[]string{"MONITOR"}, "+OK\r\n"}})
	return m, dialRaw(t, s.Addr())
}

// TestMonitor holds for redis-server too: a monitoring client gets a line
// per command another client ran, once it ran (a transaction's commands
// before its EXEC), quoted and redacted as Redis does, without the
// administrative commands and the refused ones; it may not touch the
// keyspace itself, its own PING's reply comes before its line, and RESET
// ends the mode.
func TestMonitor(t *testing.T) {
	t.Parallel()
	m, a := startMonitored(t)
	requireExactReplies(t, a, []exactStep{
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"SET", "q", "a\"b\\c\n\x01\xff"}, "+OK\r\n"},
		{[]string{"AUTH", "pw"}, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{[]string{"CONFIG", "GET", "databases"}, "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "999999"}, "$0\r\n\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"INCR", "n"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n:1\r\n"},
		{[]string{"SELECT", "3"}, "+OK\r\n"},
		{[]string{"OBJECT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
	require.Equal(t, []string{
		`+T [0 ADDR] "SET" "k" "v"`,
		`+T [0 ADDR] "SET" "q" "a\"b\\c\n\x01\xff"`,
		`+T [0 ADDR] "AUTH" "(redacted)"`,
		`+T [0 ADDR] "MULTI"`,
		`+T [0 ADDR] "INCR" "n"`,
		`+T [0 ADDR] "EXEC"`,
		`+T [3 ADDR] "SELECT" "3"`,
		`+T [3 ADDR] "PING"`,
	}, readMonitorLines(t, m, 8))

	requireExactReplies(t, m, []exactStep{
		{[]string{"GET", "k"}, "-ERR Replica can't interact with the keyspace\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
	require.Equal(t, []string{`+T [0 ADDR] "PING"`}, readMonitorLines(t, m, 1))
	requireExactReplies(t, m, []exactStep{
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
	})
	requireExactReplies(t, a, []exactStep{{[]string{"SET", "after", "reset"}, "+OK\r\n"}})
	// A line for that SET would have come before this reply.
	requireExactReplies(t, m, []exactStep{{[]string{"PING"}, "+PONG\r\n"}})
}

// TestMonitorScripts holds for redis-server too: a script's line comes
// before its commands, which are marked lua; an EVALSHA of an unknown
// script and an FCALL of an unknown function are shown too.
func TestMonitorScripts(t *testing.T) {
	t.Parallel()
	m, a := startMonitored(t)
	requireExactReplies(t, a, []exactStep{
		{[]string{"EVAL", "redis.call('SET','q','1'); return redis.call('GET','q')", "0"}, "$1\r\n1\r\n"},
		{[]string{"EVALSHA", "0000000000000000000000000000000000000000", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVAL_RO", "return redis.call('GET','q')", "0"}, "$1\r\n1\r\n"},
		{[]string{"FCALL", "nofunction", "0"}, "-ERR Function not found\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
	lines := readMonitorLines(t, m, 8)
	require.Equal(t, []string{
		`+T [0 ADDR] "EVAL" "redis.call('SET','q','1'); return redis.call('GET','q')" "0"`,
		`+T [0 lua] "SET" "q" "1"`,
		`+T [0 lua] "GET" "q"`,
		`+T [0 ADDR] "EVALSHA" "0000000000000000000000000000000000000000" "0"`,
		`+T [0 ADDR] "EVAL_RO" "return redis.call('GET','q')" "0"`,
		`+T [0 lua] "GET" "q"`,
		`+T [0 ADDR] "FCALL" "nofunction" "0"`,
		`+T [0 ADDR] "PING"`,
	}, lines)
}
