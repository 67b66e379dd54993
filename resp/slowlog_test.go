package resp

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// argsOf returns the logged arguments of entries, newest first.
func argsOf(entries []slowEntry) [][]string {
	out := make([][]string, len(entries))
	for i, e := range entries {
		out[i] = e.args
	}
	return out
}

// TestSlowLog: with a threshold of 0 every command that runs is logged,
// newest first, with its client's address and name; long arguments and
// long argument lists are cut as Redis cuts them, secrets are redacted,
// EXEC itself is not logged (the commands it runs are), and the log keeps
// at most slowlog-max-len entries.
func TestSlowLog(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	require.Equal(t, int64(10000), ts.srv.slow.slower.Load(), "the default threshold is 10 ms")

	ts.srv.SetSlowLog(0, 128)
	require.Equal(t, "+OK\r\n", c.do("CLIENT", "SETNAME", "sl"))
	require.Equal(t, "+OK\r\n", c.do("SET", "big", strings.Repeat("x", 200)))
	mset := []string{"MSET"}
	for i := range 20 {
		mset = append(mset, "k"+strconv.Itoa(i), "v")
	}
	require.Equal(t, "+OK\r\n", c.do(mset...))
	require.True(t, strings.HasPrefix(c.do("AUTH", "secret"), "-ERR AUTH"))
	require.True(t, strings.HasPrefix(c.do("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "sl"), "*"), "default has no password: any one does")
	c.do("CONFIG", "SET", "masterauth", "secret", "maxclients", "500") // no Config here: refused, but it ran
	c.do("ACL", "SETUSER", "foo", "on", ">pw")                         // refused, but it ran
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("SET", "t", "1"))
	require.Equal(t, "*1\r\n+OK\r\n", c.do("EXEC"))
	require.Equal(t, "-ERR wrong number of arguments for 'get' command\r\n", c.do("GET"), "refused: not run, not logged")

	want := [][]string{
		{"SET", "t", "1"},
		{"MULTI"},
		{"ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"},
		{"CONFIG", "SET", "masterauth", "(redacted)", "maxclients", "500"},
		{"HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "sl"},
		{"AUTH", "(redacted)"},
		append(append([]string{}, mset[:31]...), "... (10 more arguments)"),
		{"SET", "big", strings.Repeat("x", 128) + "... (72 more bytes)"},
		{"CLIENT", "SETNAME", "sl"},
	}
	entries := ts.srv.slow.newest(-1)
	require.Equal(t, want, argsOf(entries))
	for i, e := range entries {
		require.Equal(t, int64(len(entries)-1-i), e.id, "ids count up from 0")
		require.Regexp(t, `^127\.0\.0\.1:\d+$`, e.addr)
		require.Positive(t, e.at)
		require.GreaterOrEqual(t, e.micros, int64(0))
	}
	require.Equal(t, "sl", entries[len(entries)-1].name, "CLIENT SETNAME is logged after it ran, with its name, as in Redis")
	require.Equal(t, "sl", entries[0].name)
	require.Len(t, ts.srv.slow.newest(3), 3)

	// SLOWLOG itself: GET's count, LEN, RESET, errors.
	require.Equal(t, ":9\r\n", c.do("SLOWLOG", "LEN"), "LEN is logged once it ran")
	got := c.do("SLOWLOG", "GET", "1")
	require.True(t, strings.HasPrefix(got, "*1\r\n*6\r\n:9\r\n"), got)
	require.True(t, strings.HasSuffix(got, "*2\r\n$7\r\nSLOWLOG\r\n$3\r\nLEN\r\n$"+strconv.Itoa(len(entries[0].addr))+"\r\n"+entries[0].addr+"\r\n$2\r\nsl\r\n"), got)
	require.Equal(t, "-ERR count should be greater than or equal to -1\r\n", c.do("SLOWLOG", "GET", "-2"))
	require.Equal(t, "-ERR count should be greater than or equal to -1\r\n", c.do("SLOWLOG", "GET", "x"))
	require.Equal(t, "-ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.\r\n", c.do("SLOWLOG", "get", "1", "2"))
	require.Equal(t, "-ERR wrong number of arguments for 'slowlog|len' command\r\n", c.do("SLOWLOG", "LEN", "x"))
	require.Equal(t, "-ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.\r\n", c.do("SLOWLOG", "FOO"))
	require.Equal(t, "+OK\r\n", c.do("SLOWLOG", "RESET"))
	require.Equal(t, []string{"SLOWLOG", "RESET"}, argsOf(ts.srv.slow.newest(-1))[0], "RESET is logged once it ran")
	// GET 1, GET -2, GET x and GET 1 2 ran (ids 10 to 13); LEN x and FOO
	// were refused before running, as Redis refuses them.
	require.Equal(t, int64(14), ts.srv.slow.newest(-1)[0].id, "ids go on after a reset")

	// A shorter log drops the oldest entries at the next one.
	ts.srv.SetSlowLog(0, 2)
	require.Equal(t, "+PONG\r\n", c.do("PING"))
	require.Equal(t, "$1\r\nx\r\n", c.do("ECHO", "x"))
	require.Equal(t, [][]string{{"ECHO", "x"}, {"PING"}}, argsOf(ts.srv.slow.newest(-1)))

	// Negative: nothing is logged.
	ts.srv.SetSlowLog(-1, 128)
	require.Equal(t, "+PONG\r\n", c.do("PING"))
	require.Len(t, ts.srv.slow.newest(-1), 2)
}

// TestSlowLogKeepsNewest: whatever the length and its changes, the log
// holds the newest entries up to slowlog-max-len, newest first, and an
// entry's cost does not grow with the length (the dropped room is reused).
func TestSlowLogKeepsNewest(t *testing.T) {
	var l slowLog
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []int64 // the model: the ids in the log, oldest first
	maxLen := 0
	for i := range 20000 {
		if i%1000 == 0 {
			maxLen = rng.IntN(300)
			l.maxLen.Store(int64(maxLen))
		}
		l.add(slowEntry{})
		ids = append(ids, int64(i))
		ids = ids[max(0, len(ids)-maxLen):] // a shorter length drops the oldest; a longer one brings nothing back
		want := ids
		if i%97 == 0 || i%1000 == 999 {
			got := l.newest(-1)
			require.Len(t, got, len(want), "entry %d", i)
			for j, e := range got {
				require.Equal(t, want[len(want)-1-j], e.id, "entry %d", i)
			}
			require.Equal(t, len(want), l.len())
		}
		require.LessOrEqual(t, len(l.entries), 2*maxLen+2, "the slice stays within twice the log")
	}
	l.reset()
	require.Zero(t, l.len())
}
