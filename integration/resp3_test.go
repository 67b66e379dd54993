package integration

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RESP3 conformance: byte-exact scripts after HELLO 3 that pass against
// nadb-server and against redis-server 7.0 (NADB_TEST_TARGET=redis-server).
// The only fields that differ between the two, HELLO's version and every
// connection's id, are normalised (see normalizeReply) before comparing.

// readFrame reads one complete RESP2 or RESP3 value and returns its bytes.
func readFrame(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return line, fmt.Errorf("malformed line %q", line)
	}
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return line, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || n < 0 {
			return line, err
		}
		buf := make([]byte, n+2)
		_, err = io.ReadFull(r, buf)
		return line + string(buf), err
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || n < 0 {
			return line, err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := line
		for range n {
			f, err := readFrame(r)
			out += f
			if err != nil {
				return out, err
			}
		}
		if line[0] == '|' { // attributes precede the value they describe
			f, err := readFrame(r)
			return out + f, err
		}
		return out, nil
	}
	return line, fmt.Errorf("unknown RESP type %q", line[0])
}

// countFrames counts the complete values in s.
func countFrames(t *testing.T, s string) int {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(s))
	n := 0
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return n
		}
		_, err := readFrame(r)
		require.NoError(t, err, "want %q", s)
		n++
	}
}

var (
	versionField = regexp.MustCompile(`(\$7\r\nversion\r\n)\$\d+\r\n[0-9.]+\r\n`)
	idField      = regexp.MustCompile(`(\$2\r\nid\r\n):\d+\r\n`)
)

// normalizeReply replaces HELLO's version and id values, which differ
// between servers and runs, with VERSION and ID.
func normalizeReply(s string) string {
	s = versionField.ReplaceAllString(s, "${1}$$7\r\nVERSION\r\n")
	return idField.ReplaceAllString(s, "${1}:ID\r\n")
}

// helloReply is HELLO's reply, normalised, in RESP3 (a map) or RESP2.
func helloReply(proto int) string {
	head := "%7\r\n"
	if proto == 2 {
		head = "*14\r\n"
	}
	return head + "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$7\r\nVERSION\r\n$5\r\nproto\r\n:" + strconv.Itoa(proto) +
		"\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
}

// requireRESP3Replies is requireExactReplies for replies of any RESP3
// type: it sends each step's command (none when cmd is nil: the step reads
// what the server pushes), reads as many complete values as the step's
// want holds, and compares them, normalised, with want.
func requireRESP3Replies(t *testing.T, c *rawConn, steps []exactStep) {
	t.Helper()
	for i, st := range steps {
		if st.cmd != nil {
			c.send(respCommand(st.cmd))
		}
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		var got strings.Builder
		for range countFrames(t, st.want) {
			f, err := readFrame(c.r)
			got.WriteString(f)
			require.NoError(t, err, "step %d %v: read so far %q", i, st.cmd, got.String())
		}
		require.Equal(t, st.want, normalizeReply(got.String()), "step %d %v", i, st.cmd)
	}
}

// dialRESP3 opens a raw connection and switches it to RESP3.
func dialRESP3(t *testing.T, s *Server) *rawConn {
	t.Helper()
	c := dialRaw(t, s.Addr())
	requireRESP3Replies(t, c, []exactStep{{[]string{"HELLO", "3"}, helloReply(3)}})
	return c
}

const (
	errSubscribedGet = "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
	errNoAuthHello   = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
	errBadName       = "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
	errWrongPassword = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
)

// TestRESP3Hello: HELLO's replies and errors, the protocol switch and
// back, and SETNAME and AUTH taking effect in order.
func TestRESP3Hello(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireRESP3Replies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"HELLO"}, helloReply(2)},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
		{[]string{"HELLO", "3"}, helloReply(3)},
		{[]string{"HELLO"}, helloReply(3)},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"HELLO", "4"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "1"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "0"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "abc"}, "-ERR Protocol version is not an integer or out of range\r\n"},
		{[]string{"HELLO", "3", "AUTH", "a"}, "-ERR Syntax error in HELLO option 'AUTH'\r\n"},
		{[]string{"HELLO", "3", "SETNAME"}, "-ERR Syntax error in HELLO option 'SETNAME'\r\n"},
		{[]string{"HELLO", "3", "FOO"}, "-ERR Syntax error in HELLO option 'FOO'\r\n"},
		{[]string{"HELLO", "3", "SETNAME", "a b"}, errBadName},
		{[]string{"CLIENT", "GETNAME"}, "_\r\n"},
		{[]string{"HELLO", "3", "SETNAME", "myname"}, helloReply(3)},
		{[]string{"CLIENT", "GETNAME"}, "$6\r\nmyname\r\n"},
		// A SETNAME before a refused option stays set.
		{[]string{"HELLO", "3", "SETNAME", "other", "FOO"}, "-ERR Syntax error in HELLO option 'FOO'\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$5\r\nother\r\n"},
		{[]string{"HELLO", "3", "AUTH", "bob", "x"}, errWrongPassword},
		// Without requirepass the default user takes any password.
		{[]string{"HELLO", "3", "AUTH", "default", "x", "SETNAME", "n2"}, helloReply(3)},
		{[]string{"CLIENT", "GETNAME"}, "$2\r\nn2\r\n"},
		{[]string{"HELLO", "2", "SETNAME", ""}, helloReply(2)},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
		// A refused HELLO 3 keeps RESP2.
		{[]string{"HELLO", "3", "SETNAME", "a b"}, errBadName},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
		{[]string{"HELLO", "3"}, helloReply(3)},
		// RESET goes back to RESP2.
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
	})
}

// TestRESP3HelloAuth: HELLO on a server with requirepass, each case on a
// fresh connection (AUTH and SETNAME act in the order given).
func TestRESP3HelloAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	// Set after start, so that the start's readiness check needs no
	// password; connections opened from now on must authenticate.
	requireRESP3Replies(t, dialRaw(t, s.Addr()), []exactStep{{[]string{"CONFIG", "SET", "requirepass", "pw"}, "+OK\r\n"}})
	for i, script := range [][]exactStep{
		{
			{[]string{"HELLO"}, errNoAuthHello},
			{[]string{"HELLO", "3"}, errNoAuthHello},
			{[]string{"HELLO", "3", "AUTH", "default", "wrong"}, errWrongPassword},
			{[]string{"GET", "x"}, "-NOAUTH Authentication required.\r\n"},
			{[]string{"HELLO", "3", "AUTH", "default", "pw"}, helloReply(3)},
			{[]string{"GET", "x"}, "_\r\n"},
			// A failed AUTH keeps the authentication gained before.
			{[]string{"HELLO", "3", "AUTH", "default", "wrong"}, errWrongPassword},
			{[]string{"GET", "x"}, "_\r\n"},
		},
		{
			// The name is set, then HELLO is refused: not authenticated.
			{[]string{"HELLO", "3", "SETNAME", "early"}, errNoAuthHello},
			{[]string{"AUTH", "pw"}, "+OK\r\n"},
			{[]string{"CLIENT", "GETNAME"}, "$5\r\nearly\r\n"},
			{[]string{"GET", "x"}, "$-1\r\n"},
		},
		{
			// AUTH first authenticates, then the bad name is refused.
			{[]string{"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "a b"}, errBadName},
			{[]string{"GET", "x"}, "$-1\r\n"},
		},
		{
			// The bad name comes first: AUTH is never reached.
			{[]string{"HELLO", "3", "SETNAME", "a b", "AUTH", "default", "pw"}, errBadName},
			{[]string{"GET", "x"}, "-NOAUTH Authentication required.\r\n"},
			{[]string{"HELLO", "3", "AUTH", "default", "wrong", "SETNAME", "a b"}, errWrongPassword},
			{[]string{"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "x", "SETNAME", "y"}, helloReply(3)},
			{[]string{"CLIENT", "GETNAME"}, "$1\r\ny\r\n"},
		},
	} {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			requireRESP3Replies(t, dialRaw(t, s.Addr()), script)
		})
	}
}

// TestRESP3Replies: the reply types of RESP3 for the existing commands:
// nulls, maps, verbatim strings, errors and transactions.
func TestRESP3Replies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"RANDOMKEY"}, "_\r\n"},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"SET", "k", "v2", "GET"}, "$1\r\nv\r\n"},
		{[]string{"SET", "k2", "v", "NX", "GET"}, "_\r\n"},
		{[]string{"SET", "k2", "v", "NX"}, "_\r\n"},
		{[]string{"SET", "k3", "v", "XX"}, "_\r\n"},
		{[]string{"MGET", "k", "nokey"}, "*2\r\n$2\r\nv2\r\n_\r\n"},
		{[]string{"GETDEL", "nokey"}, "_\r\n"},
		{[]string{"GETEX", "nokey"}, "_\r\n"},
		{[]string{"GETSET", "nokey", "v"}, "_\r\n"},
		{[]string{"DEL", "nokey"}, ":1\r\n"},
		{[]string{"OBJECT", "ENCODING", "nokey"}, "_\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "nokey"}, "_\r\n"},
		{[]string{"OBJECT", "IDLETIME", "nokey"}, "_\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "_\r\n"},
		{[]string{"COMMAND", "INFO", "nosuch"}, "*1\r\n_\r\n"},
		{[]string{"ACL", "GETUSER", "nobody"}, "_\r\n"},
		{[]string{"ACL", "GETUSER", "default"}, "%6\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$6\r\nnopass\r\n$9\r\npasswords\r\n*0\r\n" +
			"$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory-policy"}, "%1\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"},
		{[]string{"CONFIG", "GET", "nomatch"}, "%0\r\n"},
		{[]string{"INCRBYFLOAT", "f", "1.5"}, "$3\r\n1.5\r\n"},
		{[]string{"TYPE", "k"}, "+string\r\n"},
		{[]string{"EXISTS", "k", "nokey"}, ":1\r\n"},
		{[]string{"DEL", "f", "k2"}, ":2\r\n"},
		{[]string{"INFO", "keyspace"}, "=48\r\ntxt:# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "999999"}, "=4\r\ntxt:\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"PING", "x"}, "$1\r\nx\r\n"},
		{[]string{"ECHO", "hi"}, "$2\r\nhi\r\n"},
		// Errors are the same in both protocols.
		{[]string{"FOO"}, "-ERR unknown command 'FOO', with args beginning with: \r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"INCR", "k"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SELECT", "99"}, "-ERR DB index is out of range\r\n"},
		// Transactions: a null inside EXEC's array, a WATCH abort's null.
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "nokey"}, "+QUEUED\r\n"},
		{[]string{"SET", "k", "v3"}, "+QUEUED\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*3\r\n_\r\n+OK\r\n$2\r\nv3\r\n"},
		{[]string{"WATCH", "k"}, "+OK\r\n"},
		{[]string{"SET", "k", "other"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "_\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "a"}, "-ERR wrong number of arguments for 'set' command\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
	})

	// CLIENT INFO is a verbatim string whose fields vary; it says resp=3.
	c.send(respCommand([]string{"CLIENT", "INFO"}))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	info, err := readFrame(c.r)
	require.NoError(t, err)
	m := regexp.MustCompile(`^=(\d+)\r\n(txt:id=\d+ .* resp=3( .*)?\n)\r\n$`).FindStringSubmatch(info)
	require.NotNil(t, m, "%q", info)
	require.Equal(t, m[1], strconv.Itoa(len(m[2])))
}

// TestRESP3PubSub: push messages for confirmations and messages, any
// command while subscribed, subscribers of both protocols on one channel,
// and HELLO 2 bringing RESP2's subscriber-mode rules back.
func TestRESP3PubSub(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	pub := dialRaw(t, s.Addr())
	old := dialRaw(t, s.Addr()) // a RESP2 subscriber

	requireRESP3Replies(t, c, []exactStep{
		{[]string{"UNSUBSCRIBE"}, ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"},
		{[]string{"PUNSUBSCRIBE"}, ">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n"},
		{[]string{"SUBSCRIBE", "a", "b"}, ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"},
		// Any command runs; PING answers as outside subscriber mode.
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"PING", "x"}, "$1\r\nx\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n$1\r\nv\r\n"},
		// Its own message comes before PUBLISH's reply.
		{[]string{"PUBLISH", "a", "hello"}, ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n:1\r\n"},
		{[]string{"PSUBSCRIBE", "p*"}, ">3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n"},
		{[]string{"PUBLISH", "pa", "m"}, ">4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npa\r\n$1\r\nm\r\n:1\r\n"},
	})
	requireRESP3Replies(t, old, []exactStep{
		{[]string{"SUBSCRIBE", "a"}, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"},
	})
	// One message, each subscriber in its own protocol.
	requireRESP3Replies(t, pub, []exactStep{{[]string{"PUBLISH", "a", "both"}, ":2\r\n"}})
	requireRESP3Replies(t, c, []exactStep{{nil, ">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nboth\r\n"}})
	requireRESP3Replies(t, old, []exactStep{
		{nil, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$4\r\nboth\r\n"},
		{[]string{"GET", "k"}, errSubscribedGet},
		{[]string{"PING"}, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"},
	})
	requireRESP3Replies(t, pub, []exactStep{{[]string{"PUBLISH", "pb", "pat"}, ":1\r\n"}})
	requireRESP3Replies(t, c, []exactStep{
		{nil, ">4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npb\r\n$3\r\npat\r\n"},
		{[]string{"UNSUBSCRIBE", "a"}, ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n"},
		// HELLO 2 while subscribed: RESP2's rules and arrays from now on.
		{[]string{"HELLO", "2"}, helloReply(2)},
		{[]string{"GET", "k"}, errSubscribedGet},
		{[]string{"PING"}, "*2\r\n$4\r\npong\r\n$0\r\n\r\n"},
		// RESP2 subscriber mode refuses HELLO too.
		{[]string{"HELLO", "3"}, strings.Replace(errSubscribedGet, "'get'", "'hello'", 1)},
		{[]string{"UNSUBSCRIBE"}, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n"},
		{[]string{"PUNSUBSCRIBE"}, "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n"},
		{[]string{"HELLO", "3"}, helloReply(3)},
		{[]string{"SUBSCRIBE", "c"}, ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"},
		// RESET: no subscriptions, RESP2.
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
	})
	requireRESP3Replies(t, pub, []exactStep{{[]string{"PUBLISH", "c", "gone"}, ":0\r\n"}})
}
