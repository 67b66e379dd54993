package resp

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wireCase is raw input sent on a fresh connection and the raw replies
// Redis 7 sends for it, in order. closes: the server closes the connection
// after the last reply; otherwise it must still answer PING.
type wireCase struct {
	name   string
	in     string
	want   []string
	closes bool
	// redisDiffers marks a known, documented difference from Redis: the
	// case is not checked against redis-server.
	redisDiffers bool
}

func errReply(s string) string { return "-" + s + "\r\n" }

const (
	ok      = "+OK\r\n"
	nilBulk = "$-1\r\n"
)

// errorCases are bad commands with the exact replies of Redis 7.
var errorCases = []wireCase{
	{name: "unknown command", in: mb("FOOBAR", "a", "b"),
		want: []string{errReply("ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' ")}},
	{name: "unknown command without args", in: mb("FOOBAR"),
		want: []string{errReply("ERR unknown command 'FOOBAR', with args beginning with: ")}},
	{name: "unknown inline command", in: "foobar x\r\n",
		want: []string{errReply("ERR unknown command 'foobar', with args beginning with: 'x' ")}},
	{name: "unknown command with CRLF in the name", in: mb("FOO\r\nBAR", "a\nb"),
		want: []string{errReply("ERR unknown command 'FOO  BAR', with args beginning with: 'a b' ")}},
	// Redis stops adding arguments once 128 bytes of them were written and
	// clips the last one to what is left of the 128.
	{name: "unknown command with long args", in: mb("FOOBAR", strings.Repeat("a", 200), strings.Repeat("b", 10)),
		want: []string{errReply("ERR unknown command 'FOOBAR', with args beginning with: '" + strings.Repeat("a", 128) + "' ")}},
	{name: "unknown command with many args", in: mb("FOOBAR", strings.Repeat("a", 100), strings.Repeat("b", 100)),
		want: []string{errReply("ERR unknown command 'FOOBAR', with args beginning with: '" + strings.Repeat("a", 100) + "' '" + strings.Repeat("b", 25) + "' ")}},

	{name: "arity get", in: mb("GET"), want: []string{errReply("ERR wrong number of arguments for 'get' command")}},
	{name: "arity mixed case", in: mb("gEt", "a", "b"), want: []string{errReply("ERR wrong number of arguments for 'get' command")}},
	{name: "arity set", in: "SET a\r\n", want: []string{errReply("ERR wrong number of arguments for 'set' command")}},
	{name: "arity ping", in: mb("PING", "a", "b"), want: []string{errReply("ERR wrong number of arguments for 'ping' command")}},
	{name: "arity mset", in: mb("MSET", "a", "b", "c"), want: []string{errReply("ERR wrong number of arguments for 'mset' command")}},
	{name: "arity client", in: mb("CLIENT"), want: []string{errReply("ERR wrong number of arguments for 'client' command")}},
	{name: "arity client setname", in: mb("CLIENT", "SETNAME"), want: []string{errReply("ERR wrong number of arguments for 'client|setname' command")}},
	{name: "arity config get", in: mb("CONFIG", "GET"), want: []string{errReply("ERR wrong number of arguments for 'config|get' command")}},
	{name: "arity config set", in: mb("CONFIG", "SET", "a"), want: []string{errReply("ERR wrong number of arguments for 'config|set' command")}},
	{name: "arity object encoding", in: mb("OBJECT", "ENCODING"), want: []string{errReply("ERR wrong number of arguments for 'object|encoding' command")}},
	{name: "arity command count", in: mb("COMMAND", "COUNT", "x"), want: []string{errReply("ERR wrong number of arguments for 'command|count' command")}},

	{name: "select 99", in: mb("SELECT", "99"), want: []string{errReply("ERR DB index is out of range")}},
	{name: "select 16", in: mb("SELECT", "16"), want: []string{errReply("ERR DB index is out of range")}},
	{name: "select -1", in: mb("SELECT", "-1"), want: []string{errReply("ERR DB index is out of range")}},
	{name: "select abc", in: mb("SELECT", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},

	{name: "set ex 0", in: mb("SET", "k", "v", "EX", "0"), want: []string{errReply("ERR invalid expire time in 'set' command")}},
	{name: "set px -1", in: mb("SET", "k", "v", "PX", "-1"), want: []string{errReply("ERR invalid expire time in 'set' command")}},
	{name: "set ex overflow", in: mb("SET", "k", "v", "EX", "9223372036854775807"), want: []string{errReply("ERR invalid expire time in 'set' command")}},
	{name: "set px overflow", in: mb("SET", "k", "v", "PX", "9223372036854775807"), want: []string{errReply("ERR invalid expire time in 'set' command")}},
	{name: "set ex abc", in: mb("SET", "k", "v", "EX", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},
	{name: "set nx xx", in: mb("SET", "k", "v", "NX", "XX"), want: []string{errReply("ERR syntax error")}},
	{name: "set ex px", in: mb("SET", "k", "v", "EX", "10", "PX", "10"), want: []string{errReply("ERR syntax error")}},
	{name: "set keepttl ex", in: mb("SET", "k", "v", "KEEPTTL", "EX", "10"), want: []string{errReply("ERR syntax error")}},
	{name: "set ex without value", in: mb("SET", "k", "v", "EX"), want: []string{errReply("ERR syntax error")}},
	{name: "set unknown option", in: mb("SET", "k", "v", "FOO"), want: []string{errReply("ERR syntax error")}},
	{name: "setex 0", in: mb("SETEX", "k", "0", "v"), want: []string{errReply("ERR invalid expire time in 'setex' command")}},
	{name: "psetex -5", in: mb("PSETEX", "k", "-5", "v"), want: []string{errReply("ERR invalid expire time in 'psetex' command")}},
	{name: "getex ex 0", in: mb("SET", "k", "hello") + mb("GETEX", "k", "EX", "0"),
		want: []string{ok, errReply("ERR invalid expire time in 'getex' command")}},
	// Redis looks the key up before it checks the expire time.
	{name: "getex ex 0 missing key", in: mb("GETEX", "nokey", "EX", "0"), want: []string{nilBulk}},
	// A non-integer expire time is an error and changes nothing.
	{name: "setex abc", in: mb("SETEX", "k", "abc", "v") + mb("EXISTS", "k"),
		want: []string{errReply("ERR value is not an integer or out of range"), ":0\r\n"}},
	{name: "set ex abc writes nothing", in: mb("SET", "k", "v", "EX", "abc") + mb("EXISTS", "k"),
		want: []string{errReply("ERR value is not an integer or out of range"), ":0\r\n"}},
	{name: "getex ex abc keeps the key", in: mb("SET", "k", "hello") + mb("GETEX", "k", "EX", "abc") + mb("GET", "k"),
		want: []string{ok, errReply("ERR value is not an integer or out of range"), "$5\r\nhello\r\n"}},
	{name: "getex persist ex", in: mb("GETEX", "k", "PERSIST", "EX", "1"), want: []string{errReply("ERR syntax error")}},

	{name: "incr abc", in: mb("SET", "k", "abc") + mb("INCR", "k"),
		want: []string{ok, errReply("ERR value is not an integer or out of range")}},
	{name: "incrby abc", in: mb("INCRBY", "k", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},
	{name: "incr overflow", in: mb("SET", "n", "9223372036854775807") + mb("INCR", "n"),
		want: []string{ok, errReply("ERR increment or decrement would overflow")}},
	{name: "decrby min int64", in: mb("DECRBY", "n", "-9223372036854775808"), want: []string{errReply("ERR decrement would overflow")}},
	{name: "incrbyfloat on abc", in: mb("SET", "k", "abc") + mb("INCRBYFLOAT", "k", "1"),
		want: []string{ok, errReply("ERR value is not a valid float")}},
	{name: "incrbyfloat inf", in: mb("INCRBYFLOAT", "f", "inf"), want: []string{errReply("ERR increment would produce NaN or Infinity")}},
	{name: "incrbyfloat abc", in: mb("INCRBYFLOAT", "f", "abc"), want: []string{errReply("ERR value is not a valid float")}},
	{name: "incrbyfloat 1e5000", in: mb("INCRBYFLOAT", "f", "1e5000"), want: []string{errReply("ERR value is not a valid float")}},

	{name: "expire nx xx", in: mb("EXPIRE", "k", "10", "NX", "XX"), want: []string{errReply("ERR NX and XX, GT or LT options at the same time are not compatible")}},
	{name: "expire gt lt", in: mb("EXPIRE", "k", "10", "GT", "LT"), want: []string{errReply("ERR GT and LT options at the same time are not compatible")}},
	{name: "expire unknown option", in: mb("EXPIRE", "k", "10", "FOO"), want: []string{errReply("ERR Unsupported option FOO")}},
	{name: "expire abc", in: mb("EXPIRE", "k", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},
	{name: "expire overflow", in: mb("EXPIRE", "k", "9223372036854775807"), want: []string{errReply("ERR invalid expire time in 'expire' command")}},

	{name: "config set unknown", in: mb("CONFIG", "SET", "no-such-option", "1"),
		want: []string{errReply("ERR Unknown option or number of arguments for CONFIG SET - 'no-such-option'")}},
	{name: "config unknown subcommand", in: mb("CONFIG", "FOO"), want: []string{errReply("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")}},
	{name: "config get nothing", in: mb("CONFIG", "GET", "no-such-option"), want: []string{"*0\r\n"}},

	{name: "client unknown subcommand", in: mb("CLIENT", "FOO"), want: []string{errReply("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")}},
	{name: "client setname space", in: mb("CLIENT", "SETNAME", "a b"), want: []string{errReply("ERR Client names cannot contain spaces, newlines or special characters.")}},
	{name: "client kill id 0", in: mb("CLIENT", "KILL", "ID", "0"), want: []string{errReply("ERR client-id should be greater than 0")}},
	{name: "client kill id abc", in: mb("CLIENT", "KILL", "ID", "abc"), want: []string{errReply("ERR client-id should be greater than 0")}},
	{name: "client kill no such", in: mb("CLIENT", "KILL", "1.2.3.4:5"), want: []string{errReply("ERR No such client")}},
	{name: "client kill bad filter", in: mb("CLIENT", "KILL", "ID", "1", "FOO", "bar"), want: []string{errReply("ERR syntax error")}},
	{name: "client kill bad type", in: mb("CLIENT", "KILL", "TYPE", "foo"), want: []string{errReply("ERR Unknown client type 'foo'")}},
	{name: "client list bad type", in: mb("CLIENT", "LIST", "TYPE", "foo"), want: []string{errReply("ERR Unknown client type 'foo'")}},
	{name: "client no-evict maybe", in: mb("CLIENT", "NO-EVICT", "maybe"), want: []string{errReply("ERR syntax error")}},

	{name: "object encoding missing key", in: mb("OBJECT", "ENCODING", "nokey"), want: []string{nilBulk}},
	{name: "object encoding int", in: mb("SET", "n", "12") + mb("OBJECT", "ENCODING", "n"), want: []string{ok, "$3\r\nint\r\n"}},
	{name: "object encoding embstr", in: mb("SET", "s", "hello") + mb("OBJECT", "ENCODING", "s"), want: []string{ok, "$6\r\nembstr\r\n"}},
	{name: "object encoding raw", in: mb("SET", "s", strings.Repeat("x", 45)) + mb("OBJECT", "ENCODING", "s"), want: []string{ok, "$3\r\nraw\r\n"}},
	{name: "object unknown subcommand", in: mb("OBJECT", "FOO", "k"), want: []string{errReply("ERR unknown subcommand 'FOO'. Try OBJECT HELP.")}},

	{name: "rename missing", in: mb("RENAME", "nokey", "x"), want: []string{errReply("ERR no such key")}},
	{name: "move same db", in: mb("MOVE", "k", "0"), want: []string{errReply("ERR source and destination objects are the same")}},
	{name: "move db 99", in: mb("MOVE", "k", "99"), want: []string{errReply("ERR DB index is out of range")}},
	{name: "copy to itself", in: mb("COPY", "k", "k"), want: []string{errReply("ERR source and destination objects are the same")}},
	{name: "copy db 99", in: mb("COPY", "a", "b", "DB", "99"), want: []string{errReply("ERR DB index is out of range")}},

	{name: "scan bad cursor", in: mb("SCAN", "abc"), want: []string{errReply("ERR invalid cursor")}},
	{name: "scan count 0", in: mb("SCAN", "0", "COUNT", "0"), want: []string{errReply("ERR syntax error")}},
	{name: "scan count abc", in: mb("SCAN", "0", "COUNT", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},
	{name: "scan match without pattern", in: mb("SCAN", "0", "MATCH"), want: []string{errReply("ERR syntax error")}},

	{name: "getrange abc", in: mb("GETRANGE", "k", "0", "abc"), want: []string{errReply("ERR value is not an integer or out of range")}},
	{name: "getrange extreme", in: mb("SET", "k", "hello") + mb("GETRANGE", "k", "-9223372036854775808", "9223372036854775807"),
		want: []string{ok, "$5\r\nhello\r\n"}},
	{name: "setrange negative", in: mb("SETRANGE", "k", "-1", "x"), want: []string{errReply("ERR offset is out of range")}},
	{name: "setrange beyond proto-max-bulk-len", in: mb("SETRANGE", "k", "536870912", "x"),
		want: []string{errReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)")}},

	{name: "flushall foo", in: mb("FLUSHALL", "FOO"), want: []string{errReply("ERR syntax error")}},
	{name: "hello 4", in: mb("HELLO", "4"), want: []string{errReply("NOPROTO unsupported protocol version")}},
	{name: "hello abc", in: mb("HELLO", "abc"), want: []string{errReply("ERR Protocol version is not an integer or out of range")}},
	{name: "auth without users", in: mb("AUTH", "pass"),
		want: []string{errReply("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")}},
	{name: "auth default user", in: mb("AUTH", "default", "anything"), want: []string{ok}},
	{name: "auth too many", in: mb("AUTH", "a", "b", "c"), want: []string{errReply("ERR syntax error")}},
	{name: "command unknown subcommand", in: mb("COMMAND", "FOO"), want: []string{errReply("ERR unknown subcommand 'FOO'. Try COMMAND HELP.")}},
}

// protocolCases are malformed requests with the exact replies of Redis 7.
var protocolCases = []wireCase{
	{name: "expected dollar", in: "*1\r\nfoo\r\n", want: []string{errReply("ERR Protocol error: expected '$', got 'f'")}, closes: true},
	{name: "multibulk length not a number", in: "*abc\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
	{name: "bulk length not a number", in: "*1\r\n$abc\r\n", want: []string{errReply("ERR Protocol error: invalid bulk length")}, closes: true},
	{name: "negative bulk length", in: "*1\r\n$-1\r\n", want: []string{errReply("ERR Protocol error: invalid bulk length")}, closes: true},
	{name: "bulk above proto-max-bulk-len", in: "*1\r\n$600000000\r\n", want: []string{errReply("ERR Protocol error: invalid bulk length")}, closes: true},
	{name: "multibulk above int32", in: "*2147483648\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
	{name: "unbalanced quotes", in: "SET \"a\r\n", want: []string{errReply("ERR Protocol error: unbalanced quotes in request")}, closes: true},
	{name: "inline too big", in: strings.Repeat("x", 70000), want: []string{errReply("ERR Protocol error: too big inline request")}, closes: true},
	{name: "commands before the error run", in: mb("SET", "a", "1") + "*1\r\n$-1\r\n", want: []string{ok, errReply("ERR Protocol error: invalid bulk length")}, closes: true},

	// Redis skips empty and negative multibulk counts without a reply.
	{name: "zero multibulk", in: "*0\r\n" + mb("PING"), want: []string{"+PONG\r\n"}},
	{name: "negative multibulk", in: "*-1\r\n" + mb("PING"), want: []string{"+PONG\r\n"}},
	{name: "very negative multibulk", in: "*-2147483649\r\n*0\r\n" + mb("PING"), want: []string{"+PONG\r\n"}},
	{name: "minus zero multibulk", in: "*-0\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
	{name: "negative multibulk with leading zero", in: "*-01\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
	// Redis's string2ll takes no sign and no leading zeros.
	{name: "plus in count", in: "*+1\r\n$4\r\nPING\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
	{name: "plus in bulk length", in: "*1\r\n$+4\r\nPING\r\n", want: []string{errReply("ERR Protocol error: invalid bulk length")}, closes: true},
	{name: "leading zero in bulk length", in: "*1\r\n$04\r\nPING\r\n", want: []string{errReply("ERR Protocol error: invalid bulk length")}, closes: true},
	{name: "count of 20 digits", in: "*00000000000000000001\r\n$4\r\nPING\r\n", want: []string{errReply("ERR Protocol error: invalid multibulk length")}, closes: true},
}

// runWireCase runs tc on a fresh connection to addr after emptying the
// server, and returns a description of the first difference ("" if none).
func runWireCase(t *testing.T, addr string, tc wireCase) string {
	t.Helper()
	flush := dialRaw(t, addr)
	if r := flush.do("FLUSHALL"); r != ok {
		return fmt.Sprintf("FLUSHALL: %q", r)
	}
	_ = flush.c.Close()

	c := dialRaw(t, addr)
	c.send(tc.in)
	for i, w := range tc.want {
		got, err := c.readReply()
		if err != nil {
			return fmt.Sprintf("reply %d: want %q, got %q and %v", i, w, got, err)
		}
		if got != w {
			return fmt.Sprintf("reply %d:\n want %q\n  got %q", i, w, got)
		}
	}
	if tc.closes {
		_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.r.Read(make([]byte, 1024))
		if err == nil || n > 0 {
			return "want the connection closed, it is still open or sent more"
		}
		if ne, isNet := err.(interface{ Timeout() bool }); isNet && ne.Timeout() {
			return "want the connection closed, it is still open"
		}
		return ""
	}
	c.send(mb("PING"))
	got, err := c.readReply()
	if err != nil || got != "+PONG\r\n" {
		return fmt.Sprintf("PING after the case: got %q, %v", got, err)
	}
	return ""
}

func runWireCases(t *testing.T, cases []wireCase) {
	ts := startServer(t, Options{})
	var redisAddr string
	t.Run("redis-server", func(t *testing.T) {
		// The table is Redis's behaviour: check it against the real thing
		// when it is installed.
		redisAddr = startRealRedis(t)
		for _, tc := range cases {
			if tc.redisDiffers {
				continue
			}
			if diff := runWireCase(t, redisAddr, tc); diff != "" {
				t.Errorf("%s: the table disagrees with redis-server: %s", tc.name, diff)
			}
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := runWireCase(t, ts.addr, tc); diff != "" {
				t.Errorf("input %.80q: %s", tc.in, diff)
			}
		})
	}
}

func TestErrorReplies(t *testing.T) { runWireCases(t, errorCases) }

func TestProtocolErrorReplies(t *testing.T) { runWireCases(t, protocolCases) }

// Every table case is a single connection's business: a bystander is not
// affected by any of them.
func TestWireCasesLeaveOtherClientsAlone(t *testing.T) {
	ts := startServer(t, Options{})
	bystander := dialRaw(t, ts.addr)
	require.Equal(t, ok, bystander.do("CLIENT", "SETNAME", "bystander"))
	for _, tc := range append(append([]wireCase{}, errorCases...), protocolCases...) {
		c := dialRaw(t, ts.addr)
		c.send(tc.in)
		for range tc.want {
			if _, err := c.readReply(); err != nil {
				break
			}
		}
		_ = c.c.Close()
		require.Equal(t, "$9\r\nbystander\r\n", bystander.do("CLIENT", "GETNAME"), "after %s", tc.name)
	}
}

// Every "unknown subcommand" error tells the user to "Try <CMD> HELP.",
// so <CMD> HELP must answer with the help text (an array of lines), as in
// Redis, not with the same error again.
func TestHelpSubcommands(t *testing.T) {
	ts := startServer(t, Options{})
	containers := []string{"CLIENT", "CONFIG", "OBJECT", "COMMAND"}
	t.Run("redis-server", func(t *testing.T) {
		c := dialRaw(t, startRealRedis(t))
		for _, name := range containers {
			require.True(t, strings.HasPrefix(c.do(name, "HELP"), "*"), "%s HELP on redis-server", name)
		}
	})
	c := dialRaw(t, ts.addr)
	for _, name := range containers {
		t.Run(name, func(t *testing.T) {
			got := c.do(name, "HELP")
			require.True(t, strings.HasPrefix(got, "*"), "%s HELP: %q", name, got)
		})
	}
}
