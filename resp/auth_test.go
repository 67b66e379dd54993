package resp

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// helloMap is HELLO 2's reply on a fresh connection with the given id.
func helloMap(id string) string {
	return "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$" + itoa(int64(len(redisVersion))) + "\r\n" + redisVersion +
		"\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
}

// TestAuthReplies: with requirepass, the replies of redis-server 7.0 (taken
// from it with redis-cli) before and after authenticating.
func TestAuthReplies(t *testing.T) {
	ts := startServer(t, Options{RequirePass: "s3cret"})
	c := dialRaw(t, ts.addr)
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, errReply(errNoAuth)},
		{[]string{"GET", "k"}, errReply(errNoAuth)},
		{[]string{"ACL", "WHOAMI"}, errReply(errNoAuth)},
		{[]string{"CONFIG", "GET", "requirepass"}, errReply(errNoAuth)},
		{[]string{"foo", "bar"}, errReply("ERR unknown command 'foo', with args beginning with: 'bar' ")},
		{[]string{"GET"}, errReply("ERR wrong number of arguments for 'get' command")},
		{[]string{"AUTH", "x"}, errReply(errWrongPass)},
		{[]string{"AUTH", "default", "x"}, errReply(errWrongPass)},
		{[]string{"AUTH", "bob", "s3cret"}, errReply(errWrongPass)},
		{[]string{"AUTH", "Default", "s3cret"}, errReply(errWrongPass)},
		{[]string{"AUTH", "a", "b", "c"}, errReply(errSyntax)},
		{[]string{"AUTH"}, errReply("ERR wrong number of arguments for 'auth' command")},
		{[]string{"HELLO"}, errReply(errHelloNoAuth)},
		{[]string{"HELLO", "2"}, errReply(errHelloNoAuth)},
		{[]string{"HELLO", "2", "AUTH", "default", "x"}, errReply(errWrongPass)},
		{[]string{"HELLO", "2", "AUTH", "bob", "s3cret"}, errReply(errWrongPass)},
		{[]string{"HELLO", "3"}, errReply(errHelloNoAuth)},
		{[]string{"HELLO", "4"}, errReply(errNoProto)},
		{[]string{"HELLO", "x"}, errReply(errProtoVersion)},
		{[]string{"PING"}, errReply(errNoAuth)},
		{[]string{"AUTH", "s3cret"}, "+OK\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"ACL", "WHOAMI"}, "$7\r\ndefault\r\n"},
		{[]string{"AUTH", "wrong"}, errReply(errWrongPass)},
		{[]string{"PING"}, "+PONG\r\n"}, // a failed AUTH keeps what was gained
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"PING"}, errReply(errNoAuth)}, // RESET de-authenticates
		{[]string{"AUTH", "default", "s3cret"}, "+OK\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"HELLO", "2", "AUTH", "default", "s3cret"}, helloMap("1")},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"QUIT"}, "+OK\r\n"},
	} {
		require.Equal(t, st.want, c.do(st.args...), "%q", st.args)
	}
	c.requireEOF(5 * time.Second)

	// QUIT needs no authentication.
	q := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", q.do("QUIT"))
	q.requireEOF(5 * time.Second)
}

// TestAuthWithoutPassword: with no requirepass, Redis refuses AUTH
// <password> but accepts any password for the default user.
func TestAuthWithoutPassword(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	require.Equal(t, errReply(errAuthNoPassword), c.do("AUTH", "x"))
	require.Equal(t, "+OK\r\n", c.do("AUTH", "default", "x"))
	require.Equal(t, errReply(errWrongPass), c.do("AUTH", "bob", "x"))
	require.Equal(t, helloMap("1"), c.do("HELLO", "2", "AUTH", "default", "anything"))
	require.Equal(t, errReply(errWrongPass), c.do("HELLO", "2", "AUTH", "bob", "anything"))
	require.Equal(t, "+RESET\r\n", c.do("RESET"))
	c.requireOpen()
}

// TestRequirePassAtRunTime: as in Redis, setting a password leaves the
// clients already connected authenticated (until RESET); clients that
// connect afterwards must AUTH; removing it frees everyone.
func TestRequirePassAtRunTime(t *testing.T) {
	ts := startServer(t, Options{})
	old := dialRaw(t, ts.addr)
	old.requireOpen()
	ts.srv.SetRequirePass("pw")
	old.requireOpen()
	fresh := dialRaw(t, ts.addr)
	require.Equal(t, errReply(errNoAuth), fresh.do("PING"))
	require.Equal(t, "+RESET\r\n", old.do("RESET"))
	require.Equal(t, errReply(errNoAuth), old.do("PING"))
	ts.srv.SetRequirePass("other")
	require.Equal(t, errReply(errWrongPass), fresh.do("AUTH", "pw"))
	require.Equal(t, "+OK\r\n", fresh.do("AUTH", "other"))
	fresh.requireOpen()
	ts.srv.SetRequirePass("")
	old.requireOpen()
	require.Equal(t, errReply(errAuthNoPassword), old.do("AUTH", "other"))
}

// TestUnauthenticatedInputCaps: before AUTH, more than 10 arguments or an
// argument longer than 16384 bytes is refused and the connection closed,
// with redis-server 7.0's replies (taken from it); AUTH earlier in the same
// packet lifts the caps for what follows, as Redis parses one command at a
// time.
func TestUnauthenticatedInputCaps(t *testing.T) {
	ts := startServer(t, Options{RequirePass: "pw"})
	for _, tc := range []struct {
		name, in, want string
		then           string // PING's reply afterwards; "": closed
	}{
		{"count 11", "*11\r\n", errReply(errProtoUnauthMultiBulk), ""},
		{"count 10", mb("PING", "1", "2", "3", "4", "5", "6", "7", "8", "9"), errReply(errNoAuth), errReply(errNoAuth)},
		{"bulk 16385", "*2\r\n$16385\r\n", errReply(errProtoUnauthBulk), ""},
		{"bulk 16384", mb("ECHO", strings.Repeat("x", 16384)), errReply(errNoAuth), errReply(errNoAuth)},
		{"invalid bulk first", "*1\r\n$-1\r\n", errReply(errProtoBulk), ""},
		{"after a command", "PING\r\n*11\r\n", errReply(errNoAuth) + errReply(errProtoUnauthMultiBulk), ""},
		{"after AUTH", mb("AUTH", "pw") + mb("MSET", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6"), "+OK\r\n+OK\r\n", "+PONG\r\n"},
		{"after AUTH, big bulk", "AUTH pw\r\n" + mb("ECHO", strings.Repeat("y", 20000)), "+OK\r\n$20000\r\n" + strings.Repeat("y", 20000) + "\r\n", "+PONG\r\n"},
		{"after a wrong AUTH", mb("AUTH", "no") + "*11\r\n", errReply(errWrongPass) + errReply(errProtoUnauthMultiBulk), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.send(tc.in)
			var got strings.Builder
			for got.Len() < len(tc.want) {
				got.WriteString(c.reply())
			}
			require.Equal(t, tc.want, got.String())
			if tc.then != "" {
				require.Equal(t, tc.then, c.do("PING"))
				return
			}
			c.requireEOF(5 * time.Second)
		})
	}
	// Once authenticated the caps are gone, on a connection that pipes
	// commands one at a time too.
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("AUTH", "pw"))
	require.Equal(t, "+OK\r\n", c.do("MSET", "1", "1", "2", "2", "3", "3", "4", "4", "5", "5", "6", "6"))
	require.Equal(t, "$17000\r\n"+strings.Repeat("z", 17000)+"\r\n", c.do("ECHO", strings.Repeat("z", 17000)))
}

// TestProtectedDenied is protected mode's decision.
func TestProtectedDenied(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 5000} }
	for _, tc := range []struct {
		name      string
		protected bool
		password  bool
		remote    net.Addr
		denied    bool
	}{
		{"loopback v4", true, false, tcp("127.0.0.1"), false},
		{"loopback v4 other", true, false, tcp("127.1.2.3"), true}, // as Redis: only 127.0.0.1 and ::1
		{"loopback v6", true, false, tcp("::1"), false},
		{"loopback v4 mapped into v6", true, false, tcp("::ffff:127.0.0.1"), false},
		{"unix socket", true, false, &net.UnixAddr{Name: "/tmp/s", Net: "unix"}, false},
		{"other host v4", true, false, tcp("10.1.2.3"), true},
		{"other host v6", true, false, tcp("2001:db8::1"), true},
		{"other host v4 mapped", true, false, tcp("::ffff:10.1.2.3"), true},
		{"unknown address", true, false, nil, true},
		{"other host with a password", true, true, tcp("10.1.2.3"), false},
		{"other host, protected mode off", false, false, tcp("10.1.2.3"), false},
		{"other host, off, with a password", false, true, tcp("10.1.2.3"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.denied, protectedDenied(tc.protected, tc.password, tc.remote))
		})
	}
}

// TestAdmit: maxclients, then protected mode, decide on the address alone
// before anything is allocated for the connection; a refused connection
// gives its slot back.
func TestAdmit(t *testing.T) {
	s := New(Options{MaxClients: 2, ProtectedMode: true})
	far := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 1}
	near := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 1}
	require.Equal(t, errDenied, s.admit(far))
	require.Equal(t, "", s.admit(near))
	s.SetRequirePass("pw")
	require.Equal(t, "", s.admit(far), "a password lifts protected mode")
	require.Equal(t, errMaxClients, s.admit(near))
	require.Equal(t, int64(2), s.open.Load())
	require.Equal(t, int64(1), s.rejected.Load())
	s.SetRequirePass("")
	s.open.Add(-1)
	require.Equal(t, errDenied, s.admit(far))
	s.SetProtectedMode(false)
	require.Equal(t, "", s.admit(far))
}
