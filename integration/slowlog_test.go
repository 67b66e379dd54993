package integration

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// slowVaries matches what differs from run to run in a SLOWLOG GET entry
// (id, timestamp, duration, client address); slowStable is the same entry
// with those replaced.
var (
	slowVaries = regexp.MustCompile(`\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n`)
	slowAddr   = regexp.MustCompile(`\$\d+\r\n127\.0\.0\.1:\d+\r\n`)
)

// slowEntryRESP is one SLOWLOG GET entry as slowVaries and slowAddr
// normalise it.
func slowEntryRESP(name string, args ...string) string {
	var b strings.Builder
	b.WriteString("*6\r\n:ID\r\n:TS\r\n:US\r\n*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	b.WriteString("ADDR\r\n$" + strconv.Itoa(len(name)) + "\r\n" + name + "\r\n")
	return b.String()
}

// TestSlowLogEntries holds for redis-server too: with a threshold of 0,
// SLOWLOG GET returns every command that ran, newest first, cut and
// redacted as Redis does; EXEC itself and the commands refused before
// running (a subcommand's arity, an unknown subcommand) are left out.
func TestSlowLogEntries(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	big := strings.Repeat("x", 200)
	mset := []string{"MSET"}
	for i := range 20 {
		mset = append(mset, "k"+strconv.Itoa(i), "v")
	}
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, "+OK\r\n"},
		{[]string{"SLOWLOG", "RESET"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETNAME", "sl"}, "+OK\r\n"},
		{[]string{"SET", "big", big}, "+OK\r\n"},
		{mset, "+OK\r\n"},
		{[]string{"AUTH", "secret"}, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{[]string{"CONFIG", "SET", "masterauth", "secret"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "t", "1"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n+OK\r\n"},
		{[]string{"SLOWLOG", "LEN", "x"}, "-ERR wrong number of arguments for 'slowlog|len' command\r\n"},
		{[]string{"SLOWLOG", "FOO"}, "-ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.\r\n"},
		{[]string{"SLOWLOG", "GET", "1", "2"}, "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.\r\n"},
		{[]string{"SLOWLOG", "GET", "-2"}, "-ERR count should be greater than or equal to -1\r\n"},
		{[]string{"SLOWLOG", "LEN"}, ":10\r\n"},
	})
	c.send(respCommand([]string{"SLOWLOG", "GET", "-1"}))
	got := slowAddr.ReplaceAllString(slowVaries.ReplaceAllString(readReply(t, c), "*6\r\n:ID\r\n:TS\r\n:US\r\n"), "ADDR\r\n")
	want := "*11\r\n" +
		slowEntryRESP("sl", "SLOWLOG", "LEN") +
		slowEntryRESP("sl", "SLOWLOG", "GET", "-2") +
		slowEntryRESP("sl", "SLOWLOG", "GET", "1", "2") +
		slowEntryRESP("sl", "SET", "t", "1") +
		slowEntryRESP("sl", "MULTI") +
		slowEntryRESP("sl", "CONFIG", "SET", "masterauth", "(redacted)") +
		slowEntryRESP("sl", "AUTH", "(redacted)") +
		slowEntryRESP("sl", append(append([]string{}, mset[:31]...), "... (10 more arguments)")...) +
		slowEntryRESP("sl", "SET", "big", big[:128]+"... (72 more bytes)") +
		slowEntryRESP("sl", "CLIENT", "SETNAME", "sl") +
		slowEntryRESP("", "SLOWLOG", "RESET")
	require.Equal(t, want, got)
}

// TestSlowLogRedactsSecrets holds for redis-server too: the passwords of
// MIGRATE's AUTH and AUTH2 (and AUTH2's user), and CONFIG SET masteruser,
// are redacted in the slow log as Redis redacts them; what follows KEYS
// is keys.
func TestSlowLogRedactsSecrets(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "slowlog-log-slower-than", "0"}, "+OK\r\n"},
		{[]string{"SLOWLOG", "RESET"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETNAME", "sl"}, "+OK\r\n"},
		{[]string{"MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "AUTH", "pw"}, "+NOKEY\r\n"},
		{[]string{"MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "COPY", "auth2", "u", "pw"}, "+NOKEY\r\n"},
		{[]string{"MIGRATE", "127.0.0.1", "1", "", "0", "100", "REPLACE", "AUTH", "pw", "KEYS", "AUTH", "a"}, "+NOKEY\r\n"},
		{[]string{"CONFIG", "SET", "masteruser", "u"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "masteruser", ""}, "+OK\r\n"},
	})
	c.send(respCommand([]string{"SLOWLOG", "GET", "5"}))
	got := slowAddr.ReplaceAllString(slowVaries.ReplaceAllString(readReply(t, c), "*6\r\n:ID\r\n:TS\r\n:US\r\n"), "ADDR\r\n")
	want := "*5\r\n" +
		slowEntryRESP("sl", "CONFIG", "SET", "masteruser", "(redacted)") +
		slowEntryRESP("sl", "CONFIG", "SET", "masteruser", "(redacted)") +
		slowEntryRESP("sl", "MIGRATE", "127.0.0.1", "1", "", "0", "100", "REPLACE", "AUTH", "(redacted)", "KEYS", "AUTH", "a") +
		slowEntryRESP("sl", "MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "COPY", "auth2", "(redacted)", "(redacted)") +
		slowEntryRESP("sl", "MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "AUTH", "(redacted)")
	require.Equal(t, want, got)
}
