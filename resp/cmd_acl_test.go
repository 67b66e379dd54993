package resp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestACLReplies: the ACL subcommands a client or tool probes, with
// redis-server 7.0's replies for its default user (taken from it).
func TestACLReplies(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	getuser := func(flags, passwords string) string {
		return "*12\r\n$5\r\nflags\r\n" + flags + "$9\r\npasswords\r\n" + passwords +
			"$8\r\ncommands\r\n$5\r\n+@all\r\n$4\r\nkeys\r\n$2\r\n~*\r\n$8\r\nchannels\r\n$2\r\n&*\r\n$9\r\nselectors\r\n*0\r\n"
	}
	// sha256("s3cret"), as ACL LIST showed it in redis-server 7.0.
	const hash = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
	for _, st := range []struct {
		args []string
		want string
	}{
		{[]string{"ACL", "WHOAMI"}, "$7\r\ndefault\r\n"},
		{[]string{"acl", "whoami"}, "$7\r\ndefault\r\n"},
		{[]string{"ACL", "USERS"}, "*1\r\n$7\r\ndefault\r\n"},
		{[]string{"ACL", "LIST"}, "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n"},
		{[]string{"ACL", "GETUSER", "default"}, getuser("*2\r\n$2\r\non\r\n$6\r\nnopass\r\n", "*0\r\n")},
		{[]string{"ACL", "GETUSER", "bob"}, "$-1\r\n"},
		{[]string{"ACL", "CAT", "nosuch"}, errReply("ERR Unknown category 'nosuch'")},
		{[]string{"ACL", "FOO"}, errReply("ERR unknown subcommand 'FOO'. Try ACL HELP.")},
		{[]string{"ACL"}, errReply("ERR wrong number of arguments for 'acl' command")},
		{[]string{"ACL", "WHOAMI", "x"}, errReply("ERR wrong number of arguments for 'acl|whoami' command")},
		{[]string{"ACL", "USERS", "x"}, errReply("ERR wrong number of arguments for 'acl|users' command")},
		{[]string{"ACL", "LIST", "x"}, errReply("ERR wrong number of arguments for 'acl|list' command")},
		{[]string{"ACL", "GETUSER"}, errReply("ERR wrong number of arguments for 'acl|getuser' command")},
		{[]string{"ACL", "GENPASS", "0"}, errReply(errGenPassBits)},
		{[]string{"ACL", "GENPASS", "5000"}, errReply(errGenPassBits)},
		{[]string{"ACL", "GENPASS", "x"}, errReply(errNotInteger)},
		{[]string{"ACL", "SETUSER", "bob", "on"}, errReply(errACLNoUsers)},
		{[]string{"ACL", "DELUSER", "bob"}, ":0\r\n"},
		{[]string{"ACL", "DELUSER", "bob", "default"}, errReply(errACLDelDefault)},
		{[]string{"ACL", "DRYRUN", "default", "set", "k", "v"}, "+OK\r\n"},
		{[]string{"ACL", "LOG"}, "*0\r\n"},
		{[]string{"ACL", "LOG", "RESET"}, "+OK\r\n"},
	} {
		require.Equal(t, st.want, c.do(st.args...), "%q", st.args)
	}
	cat := c.do("ACL", "CAT")
	require.True(t, strings.HasPrefix(cat, "*21\r\n$8\r\nkeyspace\r\n$4\r\nread\r\n"), cat)
	require.Contains(t, c.do("ACL", "CAT", "string"), "$3\r\nget\r\n")
	require.Contains(t, c.do("ACL", "CAT", "stream"), "$10\r\nxreadgroup\r\n")
	require.NotContains(t, c.do("ACL", "CAT", "read"), "$3\r\nset\r\n")
	require.Regexp(t, `^\$64\r\n[0-9a-f]{64}\r\n$`, c.do("ACL", "GENPASS"))
	require.Regexp(t, `^\$8\r\n[0-9a-f]{8}\r\n$`, c.do("ACL", "GENPASS", "32"))
	require.Regexp(t, `^\$2\r\n[0-9a-f]{2}\r\n$`, c.do("ACL", "GENPASS", "5"))
	help := c.do("ACL", "HELP")
	require.Contains(t, help, "+WHOAMI\r\n+    Return the current connection username.\r\n")

	ts.srv.SetRequirePass("s3cret")
	require.Equal(t, "*1\r\n$"+itoa(int64(len("user default on #"+hash+" ~* &* +@all")))+"\r\nuser default on #"+hash+" ~* &* +@all\r\n", c.do("ACL", "LIST"))
	require.Equal(t, getuser("*1\r\n$2\r\non\r\n", "*1\r\n$64\r\n"+hash+"\r\n"), c.do("ACL", "GETUSER", "default"))
}
