package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSubcommandRefusals holds for redis-server too: an unknown subcommand
// and a subcommand's wrong arity are refused before the command runs, so
// between MULTI and EXEC they discard the transaction instead of being
// queued.
func TestSubcommandRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CLIENT", "HELP", "x"}, "-ERR wrong number of arguments for 'client|help' command\r\n"},
		{[]string{"OBJECT", "ENCODING"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{[]string{"MEMORY", "USAGE"}, "-ERR wrong number of arguments for 'memory|usage' command\r\n"},
		{[]string{"SLOWLOG", "LEN", "x"}, "-ERR wrong number of arguments for 'slowlog|len' command\r\n"},
		{[]string{"CONFIG", "nope"}, "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n"},
		// Arguments that pass the table's arity but not the subcommand's
		// own checks: errors of the running command.
		{[]string{"CONFIG", "SET", "maxmemory", "0", "x"}, "-ERR syntax error\r\n"},
		{[]string{"COMMAND", "LIST", "x"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "UNBLOCK", "1", "2", "3"}, "-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n"},
		{[]string{"ACL", "CAT", "a", "b"}, "-ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.\r\n"},
		{[]string{"ACL", "GENPASS", "1", "2"}, "-ERR unknown subcommand or wrong number of arguments for 'GENPASS'. Try ACL HELP.\r\n"},
		{[]string{"ACL", "LOG", "1", "2"}, "-ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.\r\n"},
		{[]string{"PUBSUB", "CHANNELS", "a", "b"}, "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n"},
		// CLIENT LIST takes one filter: TYPE and one type, or ID and ids.
		{[]string{"CLIENT", "LIST", "TYPE", "normal", "ID", "1"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "1", "TYPE", "normal"}, "-ERR Invalid client ID\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "LIST", "ID"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE", "bogus"}, "-ERR Unknown client type 'bogus'\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "0", "-1"}, "$0\r\n\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+QUEUED\r\n"},
		{[]string{"CONFIG", "GET"}, "-ERR wrong number of arguments for 'config|get' command\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"CLIENT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "+QUEUED\r\n"},
		{[]string{"CLIENT", "ID", "x"}, "-ERR wrong number of arguments for 'client|id' command\r\n"},
		{[]string{"DISCARD"}, "+OK\r\n"},
	})
}

// TestCommandInfoSubcommands holds for redis-server too: COMMAND INFO of a
// container lists its subcommands, each with its own arity, flags and key
// positions, and takes a subcommand's own name ("config|get"). The ACL
// categories are left out (this server gives a command's group).
func TestCommandInfoSubcommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()
	// brief is an entry without its categories, tips and key specs.
	brief := func(e []any) string {
		return fmt.Sprint(e[0], " ", e[1], " ", e[2], " ", e[3:6])
	}
	subs := func(name string) map[string]string {
		v, err := rdb.Do(ctx, "COMMAND", "INFO", name).Slice()
		require.NoError(t, err)
		require.Len(t, v, 1)
		e := v[0].([]any)
		out := map[string]string{"": brief(e)}
		for _, sc := range e[9].([]any) {
			sc := sc.([]any)
			out[sc[0].(string)] = brief(sc)
		}
		return out
	}
	require.Equal(t, map[string]string{
		"":                 "config -2 [] [0 0 0]",
		"config|get":       "config|get -3 [admin noscript loading stale] [0 0 0]",
		"config|set":       "config|set -4 [admin noscript loading stale] [0 0 0]",
		"config|rewrite":   "config|rewrite 2 [admin noscript loading stale] [0 0 0]",
		"config|resetstat": "config|resetstat 2 [admin noscript loading stale] [0 0 0]",
		"config|help":      "config|help 2 [loading stale] [0 0 0]",
	}, subs("config"))
	memory := subs("memory")
	require.Equal(t, "memory|usage -3 [readonly] [2 2 1]", memory["memory|usage"])
	require.Equal(t, "memory|purge 2 [] [0 0 0]", memory["memory|purge"])
	object := subs("object")
	require.Equal(t, "object -2 [] [0 0 0]", object[""])
	require.Equal(t, "object|encoding 3 [readonly] [2 2 1]", object["object|encoding"])
	client := subs("client")
	require.Equal(t, "client|kill -3 [admin noscript loading stale] [0 0 0]", client["client|kill"])
	require.Equal(t, "client|id 2 [noscript loading stale] [0 0 0]", client["client|id"])
	function := subs("function")
	require.Equal(t, "function|flush -2 [write noscript] [0 0 0]", function["function|flush"])

	v, err := rdb.Do(ctx, "COMMAND", "INFO", "config|get", "CLIENT|ID", "config|nope").Slice()
	require.NoError(t, err)
	require.Len(t, v, 3)
	require.Equal(t, "config|get -3 [admin noscript loading stale] [0 0 0]", brief(v[0].([]any)))
	require.Equal(t, "client|id 2 [noscript loading stale] [0 0 0]", brief(v[1].([]any)))
	require.Nil(t, v[2])
}

// TestCommandListFilterBy: COMMAND LIST names subcommands too
// (container|sub), and FILTERBY keeps those a pattern (in any case), an
// ACL category or a module names, as redis-server 7.0 does (its order is
// its dictionary's, so the names are compared sorted).
func TestCommandListFilterBy(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	list := func(args ...any) []string {
		t.Helper()
		names, err := rdb.Do(ctx, append([]any{"COMMAND", "LIST"}, args...)...).StringSlice()
		require.NoError(t, err)
		slices.Sort(names)
		return names
	}
	require.Equal(t, []string{"slowlog", "slowlog|get", "slowlog|help", "slowlog|len", "slowlog|reset"}, list("FILTERBY", "PATTERN", "slowlog*"))
	require.Equal(t, []string{"config", "config|get", "config|help", "config|resetstat", "config|rewrite", "config|set"}, list("FILTERBY", "PATTERN", "CONFIG*"))
	require.Equal(t, []string{"object|encoding", "object|freq", "object|help", "object|idletime", "object|refcount"}, list("filterby", "pattern", "object|*e*"))
	require.Empty(t, list("FILTERBY", "MODULE", "m"))
	require.Empty(t, list("FILTERBY", "ACLCAT", "nosuch"))
	all := list()
	require.Contains(t, all, "get")
	require.Contains(t, all, "client|tracking")
	for _, bad := range [][]any{{"x"}, {"FILTERBY", "FOO", "x"}, {"FILTERBY", "PATTERN"}} {
		err := rdb.Do(ctx, append([]any{"COMMAND", "LIST"}, bad...)...).Err()
		require.EqualError(t, err, "ERR syntax error", "COMMAND LIST %v", bad)
	}
}

// TestClusterDisabled: as a Redis started without cluster support, the
// cluster commands check their arguments, then answer that cluster
// support is disabled.
func TestClusterDisabled(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const disabled = "-ERR This instance has cluster support disabled\r\n"
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CLUSTER", "INFO"}, disabled},
		{[]string{"CLUSTER", "SLOTS"}, disabled},
		{[]string{"CLUSTER", "HELP"}, disabled},
		{[]string{"CLUSTER", "KEYSLOT", "k"}, disabled},
		{[]string{"READONLY"}, disabled},
		{[]string{"READWRITE"}, disabled},
		{[]string{"ASKING"}, disabled},
		{[]string{"CLUSTER"}, "-ERR wrong number of arguments for 'cluster' command\r\n"},
		{[]string{"CLUSTER", "INFO", "x"}, "-ERR wrong number of arguments for 'cluster|info' command\r\n"},
		{[]string{"CLUSTER", "MEET", "h"}, "-ERR wrong number of arguments for 'cluster|meet' command\r\n"},
		{[]string{"CLUSTER", "FOO"}, "-ERR unknown subcommand 'FOO'. Try CLUSTER HELP.\r\n"},
		{[]string{"READONLY", "x"}, "-ERR wrong number of arguments for 'readonly' command\r\n"},
	})
}

// TestModuleCommands: MODULE answers as a Redis with no module loaded
// does, byte for byte as redis-server 7.0 (run with
// NADB_TEST_TARGET=redis-server to see it still does): clients that probe
// for modules get an empty list, and LOAD, LOADEX and UNLOAD are refused
// by the default enable-module-command, or fail when it allows them.
func TestModuleCommands(t *testing.T) {
	t.Parallel()
	const refused = "-ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"MODULE", "LIST"}, "*0\r\n"},
		{[]string{"MODULE", "LOAD", "/nonexistent.so"}, refused},
		{[]string{"MODULE", "LOADEX", "/nonexistent.so"}, refused},
		{[]string{"MODULE", "UNLOAD", "nosuch"}, refused},
		{[]string{"MODULE", "LIST", "x"}, "-ERR wrong number of arguments for 'module|list' command\r\n"},
		{[]string{"MODULE", "LOAD"}, "-ERR wrong number of arguments for 'module|load' command\r\n"},
		{[]string{"MODULE", "nosuch"}, "-ERR unknown subcommand 'nosuch'. Try MODULE HELP.\r\n"},
		{[]string{"MODULE"}, "-ERR wrong number of arguments for 'module' command\r\n"},
		{[]string{"CONFIG", "GET", "enable-module-command"}, "*2\r\n$21\r\nenable-module-command\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "enable-module-command", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'enable-module-command') - can't set immutable config\r\n"},
	})
	allowed := startServer(t, "--enable-module-command", "yes")
	requireExactReplies(t, dialRaw(t, allowed.Addr()), []exactStep{
		{[]string{"MODULE", "LOAD", "/nonexistent.so"}, "-ERR Error loading the extension. Please check the server logs.\r\n"},
		{[]string{"MODULE", "UNLOAD", "nosuch"}, "-ERR Error unloading module: no such module with that name\r\n"},
		{[]string{"MODULE", "LIST"}, "*0\r\n"},
	})
}

// TestDebugCommandAllowed: enable-debug-command decides who may run DEBUG,
// as in Redis: no (the default) refuses everyone, also inside MULTI (the
// transaction is then discarded) and before a password is asked for; local
// allows a client from 127.0.0.1 and refuses one from another loopback
// address; yes allows everyone. Byte for byte against redis-server too.
func TestDebugCommandAllowed(t *testing.T) {
	t.Parallel()
	const refused = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"
	no := startServer(t, "--enable-debug-command", "no")
	requireExactReplies(t, dialRaw(t, no.Addr()), []exactStep{
		{[]string{"DEBUG", "DIGEST"}, refused},
		{[]string{"DEBUG"}, "-ERR wrong number of arguments for 'debug' command\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"DEBUG", "SLEEP", "0"}, refused},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"CONFIG", "GET", "enable-debug-command"}, "*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "enable-debug-command", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "requirepass", "pw"}, "+OK\r\n"},
	})
	requireExactReplies(t, dialRaw(t, no.Addr()), []exactStep{
		{[]string{"DEBUG", "DIGEST"}, refused}, // before NOAUTH
		{[]string{"PING"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"AUTH", "pw"}, "+OK\r\n"},
		{[]string{"DEBUG", "DIGEST"}, refused},
	})

	// from 127.0.0.2: a loopback address, but not what Redis calls local.
	sleep := exactStep{[]string{"DEBUG", "SLEEP", "0"}, "+OK\r\n"}
	local := startServer(t, "--enable-debug-command", "local", "--protected-mode", "no")
	requireExactReplies(t, dialRawFrom(t, local.Addr(), "127.0.0.1"), []exactStep{sleep})
	requireExactReplies(t, dialRawFrom(t, local.Addr(), "127.0.0.2"), []exactStep{{sleep.cmd, refused}})
	yes := startServer(t, "--enable-debug-command", "yes", "--protected-mode", "no")
	requireExactReplies(t, dialRawFrom(t, yes.Addr(), "127.0.0.2"), []exactStep{sleep})
}

// TestCommandInfoFlagsAndTips: COMMAND INFO gives Redis 7.0's flags
// (pubsub, allow_busy, no_async_loading, loading...) and tips
// (nondeterministic_output, request_policy...) for commands without key
// specs, byte for byte (run with NADB_TEST_TARGET=redis-server to see it
// still does).
func TestCommandInfoFlagsAndTips(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"COMMAND", "INFO", "keys"}, "*1\r\n*10\r\n$4\r\nkeys\r\n:2\r\n*1\r\n+readonly\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@keyspace\r\n+@read\r\n+@slow\r\n+@dangerous\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nnondeterministic_output_order\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "auth"}, "*1\r\n*10\r\n$4\r\nauth\r\n:-2\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "echo"}, "*1\r\n*10\r\n$4\r\necho\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "subscribe"}, "*1\r\n*10\r\n$9\r\nsubscribe\r\n:-2\r\n*4\r\n+pubsub\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "publish"}, "*1\r\n*10\r\n$7\r\npublish\r\n:3\r\n*4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "pubsub|numsub"}, "*1\r\n*10\r\n$13\r\npubsub|numsub\r\n:-2\r\n*3\r\n+pubsub\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@pubsub\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "cluster|meet"}, "*1\r\n*10\r\n$12\r\ncluster|meet\r\n:-4\r\n*3\r\n+admin\r\n+stale\r\n+no_async_loading\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "bgsave"}, "*1\r\n*10\r\n$6\r\nbgsave\r\n:-1\r\n*3\r\n+admin\r\n+noscript\r\n+no_async_loading\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "multi"}, "*1\r\n*10\r\n$5\r\nmulti\r\n:1\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@transaction\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "script|kill"}, "*1\r\n*10\r\n$11\r\nscript|kill\r\n:2\r\n*2\r\n+noscript\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@scripting\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:one_succeeded\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "hello"}, "*1\r\n*10\r\n$5\r\nhello\r\n:-1\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "randomkey"}, "*1\r\n*10\r\n$9\r\nrandomkey\r\n:1\r\n*1\r\n+readonly\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "dbsize"}, "*1\r\n*10\r\n$6\r\ndbsize\r\n:1\r\n*2\r\n+readonly\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@keyspace\r\n+@read\r\n+@fast\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:agg_sum\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "flushall"}, "*1\r\n*10\r\n$8\r\nflushall\r\n:-1\r\n*1\r\n+write\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@keyspace\r\n+@write\r\n+@slow\r\n+@dangerous\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "ping"}, "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "function|stats"}, "*1\r\n*10\r\n$14\r\nfunction|stats\r\n:2\r\n*2\r\n+noscript\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@scripting\r\n*3\r\n$23\r\nnondeterministic_output\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:special\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "scan"}, "*1\r\n*10\r\n$4\r\nscan\r\n:-2\r\n*1\r\n+readonly\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*2\r\n$23\r\nnondeterministic_output\r\n$22\r\nrequest_policy:special\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "module|load"}, "*1\r\n*10\r\n$11\r\nmodule|load\r\n:-3\r\n*3\r\n+admin\r\n+noscript\r\n+no_async_loading\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "info"}, "*1\r\n*10\r\n$4\r\ninfo\r\n:-1\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@dangerous\r\n*3\r\n$23\r\nnondeterministic_output\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:special\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "client|list"}, "*1\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n"},
		{[]string{"COMMAND", "INFO", "slowlog|get"}, "*1\r\n*10\r\n$11\r\nslowlog|get\r\n:-2\r\n*3\r\n+admin\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*2\r\n$24\r\nrequest_policy:all_nodes\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n"},
	})
}

// TestCommandDocsGroups: COMMAND DOCS names each command's group as Redis
// does (redis-cli's HELP @sorted-set and its hints read them), also where
// the ACL category is spelled otherwise (sorted-set, sortedset).
func TestCommandDocsGroups(t *testing.T) {
	t.Parallel()
	c := startServer(t).Client()
	ctx := context.Background()
	// asMap reads a RESP3 map, or a RESP2 array of pairs, of string keys.
	asMap := func(v any) map[string]any {
		out := map[string]any{}
		switch v := v.(type) {
		case map[any]any:
			for k, x := range v {
				out[k.(string)] = x
			}
		case []any:
			for i := 0; i+1 < len(v); i += 2 {
				out[v[i].(string)] = v[i+1]
			}
		}
		return out
	}
	for name, want := range map[string]string{"zadd": "sorted-set", "bzpopmin": "sorted-set", "swapdb": "server", "get": "string", "geoadd": "geo", "del": "generic"} {
		reply, err := c.Do(ctx, "COMMAND", "DOCS", name).Result()
		require.NoError(t, err, name)
		doc := asMap(asMap(reply)[name])
		require.Equal(t, want, doc["group"], name)
	}
	cats, err := c.Do(ctx, "ACL", "CAT", "sortedset").StringSlice()
	require.NoError(t, err)
	require.Contains(t, cats, "zadd")
}

// TestClientListCmd holds for redis-server too: CLIENT LIST's cmd is the
// last command a client sent, as it named it in the command table: NULL
// before any and after an unknown command or subcommand, exec after a
// transaction and eval after a script, not the commands they ran.
func TestClientListCmd(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	a := dialRaw(t, s.Addr())
	id := clientIDOf(t, a)
	b := dialRaw(t, s.Addr())
	cmdOf := func() string {
		t.Helper()
		b.send(respCommand([]string{"CLIENT", "LIST", "ID", id}))
		list := readReply(t, b)
		_, rest, ok := strings.Cut(list, " cmd=")
		require.True(t, ok, "no cmd in %q", list)
		cmd, _, _ := strings.Cut(rest, " ")
		return cmd
	}
	require.Equal(t, "client|id", cmdOf())
	for _, tc := range []struct {
		cmds [][]string
		want string
	}{
		{[][]string{{"NOPE"}}, "NULL"},
		{[][]string{{"CONFIG", "NOPE"}}, "NULL"},
		{[][]string{{"GET"}}, "get"},
		{[][]string{{"MULTI"}, {"SET", "k", "v"}, {"GET", "k"}, {"EXEC"}}, "exec"},
		{[][]string{{"EVAL", "return redis.call('get','k')", "0"}}, "eval"},
		{[][]string{{"CONFIG", "GET", "maxmemory"}}, "config|get"},
	} {
		for _, c := range tc.cmds {
			a.send(respCommand(c))
			readReply(t, a)
		}
		require.Equal(t, tc.want, cmdOf(), "after %q", tc.cmds)
	}
	dialRaw(t, s.Addr()) // a client that sends nothing, listed once accepted
	require.Eventually(t, func() bool {
		b.send(respCommand([]string{"CLIENT", "LIST"}))
		return strings.Contains(readReply(t, b), " cmd=NULL ")
	}, 10*time.Second, 5*time.Millisecond, "a client that sent nothing")
}
