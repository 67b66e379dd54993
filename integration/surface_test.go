package integration

import (
	"strings"
	"testing"
)

// The Redis 7.0 surface that clients and tools probe, byte for byte as
// redis-server 7.0.15 answers it (run with NADB_TEST_TARGET=redis-server to
// see it still does): the scripting commands with nothing loaded, LCS and
// OBJECT.

// TestScriptingNothingLoaded: FUNCTION and SCRIPT manage an empty set,
// EVALSHA and FCALL find nothing, and EVAL's numkeys is checked as Redis
// checks it.
func TestScriptingNothingLoaded(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		// FUNCTION: nothing is loaded.
		{[]string{"FUNCTION", "LIST"}, "*0\r\n"},
		{[]string{"FUNCTION", "LIST", "WITHCODE"}, "*0\r\n"},
		{[]string{"FUNCTION", "LIST", "LIBRARYNAME", "foo*"}, "*0\r\n"},
		{[]string{"FUNCTION", "LIST", "withcode", "libraryname", "foo*"}, "*0\r\n"},
		{[]string{"FUNCTION", "LIST", "LIBRARYNAME"}, "-ERR library name argument was not given\r\n"},
		{[]string{"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME"}, "-ERR library name argument was not given\r\n"},
		{[]string{"FUNCTION", "LIST", "WITHCODE", "WITHCODE"}, "-ERR Unknown argument WITHCODE\r\n"},
		{[]string{"FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"}, "-ERR Unknown argument LIBRARYNAME\r\n"},
		{[]string{"FUNCTION", "LIST", "foo"}, "-ERR Unknown argument foo\r\n"},
		{[]string{"FUNCTION", "STATS"}, "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n"},
		{[]string{"FUNCTION", "STATS", "x"}, "-ERR wrong number of arguments for 'function|stats' command\r\n"},
		{[]string{"FUNCTION", "FLUSH"}, "+OK\r\n"},
		{[]string{"FUNCTION", "FLUSH", "ASYNC"}, "+OK\r\n"},
		{[]string{"FUNCTION", "FLUSH", "sync"}, "+OK\r\n"},
		{[]string{"FUNCTION", "FLUSH", "foo"}, "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n"},
		{[]string{"function", "flush", "SYNC", "ASYNC"}, "-ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.\r\n"},
		{[]string{"FUNCTION", "DELETE", "mylib"}, "-ERR Library not found\r\n"},
		{[]string{"FUNCTION", "DELETE"}, "-ERR wrong number of arguments for 'function|delete' command\r\n"},
		{[]string{"FUNCTION", "DELETE", "a", "b"}, "-ERR wrong number of arguments for 'function|delete' command\r\n"},
		{[]string{"FUNCTION", "KILL"}, "-NOTBUSY No scripts in execution right now.\r\n"},
		{[]string{"FUNCTION", "KILL", "x"}, "-ERR wrong number of arguments for 'function|kill' command\r\n"},
		{[]string{"FUNCTION", "HELP"}, "*40\r\n+FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+LOAD [REPLACE] <FUNCTION CODE>\r\n+    Create a new library with the given library name and code.\r\n+DELETE <LIBRARY NAME>\r\n+    Delete the given library.\r\n+LIST [LIBRARYNAME PATTERN] [WITHCODE]\r\n+    Return general information on all the libraries:\r\n+    * Library name\r\n+    * The engine used to run the Library\r\n+    * Library description\r\n+    * Functions list\r\n+    * Library code (if WITHCODE is given)\r\n+    It also possible to get only function that matches a pattern using LIBRARYNAME argument.\r\n+STATS\r\n+    Return information about the current function running:\r\n+    * Function name\r\n+    * Command used to run the function\r\n+    * Duration in MS that the function is running\r\n+    If no function is running, return nil\r\n+    In addition, returns a list of available engines.\r\n+KILL\r\n+    Kill the current running function.\r\n+FLUSH [ASYNC|SYNC]\r\n+    Delete all the libraries.\r\n+    When called without the optional mode argument, the behavior is determined by the\r\n+    lazyfree-lazy-user-flush configuration directive. Valid modes are:\r\n+    * ASYNC: Asynchronously flush the libraries.\r\n+    * SYNC: Synchronously flush the libraries.\r\n+DUMP\r\n+    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command\r\n+RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]\r\n+    Restore the libraries represented by the given payload, it is possible to give a restore policy to\r\n+    control how to handle existing libraries (default APPEND):\r\n+    * FLUSH: delete all existing libraries.\r\n+    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.\r\n+    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old\r\n+      libraries with the new libraries (notice that even on this option there is a chance of failure\r\n+      in case of functions name collision with another library).\r\n+HELP\r\n+    Prints this help.\r\n"},
		{[]string{"FUNCTION", "HELP", "x"}, "-ERR wrong number of arguments for 'function|help' command\r\n"},
		{[]string{"FUNCTION"}, "-ERR wrong number of arguments for 'function' command\r\n"},
		{[]string{"FUNCTION", "FOO"}, "-ERR unknown subcommand 'FOO'. Try FUNCTION HELP.\r\n"},
		{[]string{"FUNCTION", "LOAD"}, "-ERR wrong number of arguments for 'function|load' command\r\n"},
		{[]string{"FUNCTION", "DUMP"}, "$10\r\n\n\x00]\x9b\\@\x0f\x7f\xa2\xda\r\n"},
		{[]string{"FUNCTION", "DUMP", "x"}, "-ERR wrong number of arguments for 'function|dump' command\r\n"},
		{[]string{"FUNCTION", "RESTORE"}, "-ERR wrong number of arguments for 'function|restore' command\r\n"},
		{[]string{"FUNCTION", "RESTORE", "x"}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"FUNCTION", "RESTORE", "x", "FLUSH"}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"FUNCTION", "RESTORE", "x", "bad"}, "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.\r\n"},
		{[]string{"function", "restore", "a", "b", "c"}, "-ERR unknown subcommand or wrong number of arguments for 'restore'. Try FUNCTION HELP.\r\n"},
		// SCRIPT: the cache is empty.
		{[]string{"SCRIPT", "EXISTS", "a", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"}, "*2\r\n:0\r\n:0\r\n"},
		{[]string{"SCRIPT", "EXISTS"}, "-ERR wrong number of arguments for 'script|exists' command\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"SCRIPT", "FLUSH", "ASYNC"}, "+OK\r\n"},
		{[]string{"SCRIPT", "FLUSH", "sync"}, "+OK\r\n"},
		{[]string{"SCRIPT", "FLUSH", "foo"}, "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"},
		{[]string{"SCRIPT", "FLUSH", "SYNC", "ASYNC"}, "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"},
		{[]string{"SCRIPT", "KILL"}, "-NOTBUSY No scripts in execution right now.\r\n"},
		{[]string{"SCRIPT", "KILL", "x"}, "-ERR wrong number of arguments for 'script|kill' command\r\n"},
		{[]string{"SCRIPT", "HELP"}, "*17\r\n+SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DEBUG (YES|SYNC|NO)\r\n+    Set the debug mode for subsequent scripts executed.\r\n+EXISTS <sha1> [<sha1> ...]\r\n+    Return information about the existence of the scripts in the script cache.\r\n+FLUSH [ASYNC|SYNC]\r\n+    Flush the Lua scripts cache. Very dangerous on replicas.\r\n+    When called without the optional mode argument, the behavior is determined by the\r\n+    lazyfree-lazy-user-flush configuration directive. Valid modes are:\r\n+    * ASYNC: Asynchronously flush the scripts cache.\r\n+    * SYNC: Synchronously flush the scripts cache.\r\n+KILL\r\n+    Kill the currently executing Lua script.\r\n+LOAD <script>\r\n+    Load a script into the scripts cache without executing it.\r\n+HELP\r\n+    Prints this help.\r\n"},
		{[]string{"SCRIPT", "HELP", "x"}, "-ERR wrong number of arguments for 'script|help' command\r\n"},
		{[]string{"SCRIPT"}, "-ERR wrong number of arguments for 'script' command\r\n"},
		{[]string{"script", "foo"}, "-ERR unknown subcommand 'foo'. Try SCRIPT HELP.\r\n"},
		{[]string{"SCRIPT", "LOAD"}, "-ERR wrong number of arguments for 'script|load' command\r\n"},
		{[]string{"SCRIPT", "LOAD", "a", "b"}, "-ERR wrong number of arguments for 'script|load' command\r\n"},
		{[]string{"SCRIPT", "DEBUG"}, "-ERR wrong number of arguments for 'script|debug' command\r\n"},
		{[]string{"SCRIPT", "DEBUG", "no"}, "+OK\r\n"},
		{[]string{"SCRIPT", "DEBUG", "foo"}, "-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n"},
		// EVALSHA: a digest that is not 40 bytes long is missing before numkeys is read.
		{[]string{"EVALSHA", "abc", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA", "abc"}, "-ERR wrong number of arguments for 'evalsha' command\r\n"},
		{[]string{"EVALSHA", "abc", "2", "k"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA", "abc", "x"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "1", "k", "a"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "2", "k"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "-1"}, "-ERR Number of keys can't be negative\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "99999999999999999999"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "2", "k"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"EVALSHA_RO", "abc", "2", "k"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		// FCALL: the function is looked up first.
		{[]string{"FCALL", "f", "0"}, "-ERR Function not found\r\n"},
		{[]string{"FCALL", "f"}, "-ERR wrong number of arguments for 'fcall' command\r\n"},
		{[]string{"FCALL", "f", "1", "k"}, "-ERR Function not found\r\n"},
		{[]string{"FCALL", "f", "-1"}, "-ERR Function not found\r\n"},
		{[]string{"FCALL", "f", "x"}, "-ERR Function not found\r\n"},
		{[]string{"FCALL_RO", "f", "0"}, "-ERR Function not found\r\n"},
		{[]string{"FCALL_RO", "f", "5", "k"}, "-ERR Function not found\r\n"},
		// EVAL: numkeys is checked before the script.
		{[]string{"EVAL", "return 1"}, "-ERR wrong number of arguments for 'eval' command\r\n"},
		{[]string{"EVAL", "return 1", "2", "k"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"EVAL", "return 1", "-1"}, "-ERR Number of keys can't be negative\r\n"},
		{[]string{"EVAL", "return 1", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"EVAL_RO", "return 1", "2"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"EVAL_RO", "return 1"}, "-ERR wrong number of arguments for 'eval_ro' command\r\n"},
		// The payload of no libraries restores nothing, under every policy.
		{[]string{"FUNCTION", "RESTORE", emptyFunctionDump}, "+OK\r\n"},
		{[]string{"FUNCTION", "RESTORE", emptyFunctionDump, "replace"}, "+OK\r\n"},
		{[]string{"FUNCTION", "RESTORE", emptyFunctionDump[:9] + "\xdb"}, "-ERR DUMP payload version or checksum are wrong\r\n"},
		{[]string{"FUNCTION", "LIST"}, "*0\r\n"},
	})
}

// emptyFunctionDump is FUNCTION DUMP's payload with no library: RDB
// version 10, then the CRC-64 of it.
const emptyFunctionDump = "\n\x00]\x9b\\@\x0f\x7f\xa2\xda"

// TestScriptDebugUnsupported: the script debugger, which Redis has and
// this server does not (README, "Known differences from Redis").
func TestScriptDebugUnsupported(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"SCRIPT", "DEBUG", "YES"}, "-ERR the script debugger (SCRIPT DEBUG YES or SYNC) is not supported by this server\r\n"},
		{[]string{"SCRIPT", "DEBUG", "sync"}, "-ERR the script debugger (SCRIPT DEBUG YES or SYNC) is not supported by this server\r\n"},
		{[]string{"SCRIPT", "DEBUG", "no"}, "+OK\r\n"},
	})
}

// TestLCSReplies: LCS's replies and errors in RESP2, with the edge cases:
// missing keys and empty strings, identical strings, MINMATCHLEN above
// every match, ties in the walk, bytes that are not ASCII.
func TestLCSReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"MSET", "key1", "ohmytext", "key2", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "key1", "key2"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN"}, ":6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "idx", "withmatchlen"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "WITHMATCHLEN"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN", "4"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN", "MINMATCHLEN", "4"}, ":6\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN", "-5", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN", "1", "MINMATCHLEN", "5", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "IDX"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		// MINMATCHLEN larger than any match: no ranges, the length still.
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "100"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "9223372036854775807", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n"},
		// Errors.
		{[]string{"HSET", "hash", "f", "v"}, ":1\r\n"},
		{[]string{"LCS", "hash", "key2"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "key1", "hash"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "missing", "hash", "LEN"}, "-ERR The specified keys must contain string values\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{[]string{"LCS", "key1", "key2", "idx", "len"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LCS", "key1", "key2", "MINMATCHLEN", "99999999999999999999"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"LCS", "key1", "key2", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "key1", "key2", "key3"}, "-ERR syntax error\r\n"},
		{[]string{"LCS", "key1"}, "-ERR wrong number of arguments for 'lcs' command\r\n"},
		{[]string{"LCS"}, "-ERR wrong number of arguments for 'lcs' command\r\n"},
		// Missing keys and empty strings read as empty.
		{[]string{"LCS", "missing1", "missing2"}, "$0\r\n\r\n"},
		{[]string{"LCS", "missing1", "missing2", "LEN"}, ":0\r\n"},
		{[]string{"LCS", "missing1", "missing2", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"LCS", "key1", "missing2", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"LCS", "missing1", "key2"}, "$0\r\n\r\n"},
		{[]string{"SET", "empty", ""}, "+OK\r\n"},
		{[]string{"LCS", "empty", "key1"}, "$0\r\n\r\n"},
		{[]string{"LCS", "empty", "empty", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"LCS", "key1", "empty", "LEN"}, ":0\r\n"},
		// Identical strings: one run.
		{[]string{"LCS", "key1", "key1"}, "$8\r\nohmytext\r\n"},
		{[]string{"LCS", "key1", "key1", "LEN"}, ":8\r\n"},
		{[]string{"LCS", "key1", "key1", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n"},
		// Ties: Redis walks back in the second string when both ways keep the length.
		{[]string{"MSET", "a", "abcabcabcxyzxyz", "b", "xyzabcaaxbbzcabc"}, "+OK\r\n"},
		{[]string{"LCS", "a", "b"}, "$9\r\nabcabcabc\r\n"},
		{[]string{"LCS", "b", "a"}, "$9\r\nabcabcabc\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*4\r\n*3\r\n*2\r\n:5\r\n:8\r\n*2\r\n:12\r\n:15\r\n:4\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:10\r\n:10\r\n:1\r\n*3\r\n*2\r\n:3\r\n:3\r\n*2\r\n:7\r\n:7\r\n:1\r\n*3\r\n*2\r\n:0\r\n:2\r\n*2\r\n:3\r\n:5\r\n:3\r\n$3\r\nlen\r\n:9\r\n"},
		{[]string{"LCS", "b", "a", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*4\r\n*3\r\n*2\r\n:12\r\n:15\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:10\r\n:10\r\n*2\r\n:4\r\n:4\r\n:1\r\n*3\r\n*2\r\n:7\r\n:7\r\n*2\r\n:3\r\n:3\r\n:1\r\n*3\r\n*2\r\n:3\r\n:5\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:9\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "MINMATCHLEN", "2"}, "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:5\r\n:8\r\n*2\r\n:12\r\n:15\r\n*2\r\n*2\r\n:0\r\n:2\r\n*2\r\n:3\r\n:5\r\n$3\r\nlen\r\n:9\r\n"},
		{[]string{"MSET", "a", "aaaaaaaaaa", "b", "aaa"}, "+OK\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:7\r\n:9\r\n*2\r\n:0\r\n:2\r\n:3\r\n$3\r\nlen\r\n:3\r\n"},
		{[]string{"LCS", "b", "a", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:2\r\n*2\r\n:7\r\n:9\r\n:3\r\n$3\r\nlen\r\n:3\r\n"},
		{[]string{"MSET", "a", "\xe9t\xe9", "b", "t\xe9"}, "+OK\r\n"},
		{[]string{"LCS", "a", "b"}, "$2\r\nt\xe9\r\n"},
		{[]string{"LCS", "a", "b", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:1\r\n:2\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:2\r\n"},
		// Integers are strings.
		{[]string{"MSET", "i", "12345", "j", "2345"}, "+OK\r\n"},
		{[]string{"LCS", "i", "j"}, "$4\r\n2345\r\n"},
		{[]string{"LCS", "i", "j", "IDX", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:1\r\n:4\r\n*2\r\n:0\r\n:3\r\n:4\r\n$3\r\nlen\r\n:4\r\n"},
		// The table of (len1+1)*(len2+1) 4-byte cells may not exceed
		// proto-max-bulk-len: 1024*256*4 is exactly 1mb.
		{[]string{"CONFIG", "SET", "proto-max-bulk-len", "1mb"}, "+OK\r\n"},
		{[]string{"MSET", "a", strings.Repeat("x", 1023), "b", strings.Repeat("x", 255)}, "+OK\r\n"},
		{[]string{"LCS", "a", "b", "LEN"}, ":255\r\n"},
		{[]string{"APPEND", "b", "x"}, ":256\r\n"},
		{[]string{"LCS", "a", "b", "LEN"}, "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"},
		{[]string{"LCS", "b", "a"}, "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"},
		{[]string{"LCS", "a", "missing"}, "$0\r\n\r\n"},
	})
}

// TestLCSRESP3: IDX answers a map in RESP3, and the scripting and OBJECT
// nulls are RESP3 nulls.
func TestLCSRESP3(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireRESP3Replies(t, dialRESP3(t, s), []exactStep{
		{[]string{"MSET", "key1", "ohmytext", "key2", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "key1", "key2"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN"}, ":6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX"}, "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "100"}, "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "missing1", "missing2"}, "$0\r\n\r\n"},
		{[]string{"LCS", "missing1", "missing2", "IDX"}, "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{[]string{"FUNCTION", "STATS"}, "%2\r\n$14\r\nrunning_script\r\n_\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n%2\r\n$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n"},
		{[]string{"FUNCTION", "LIST"}, "*0\r\n"},
		{[]string{"SCRIPT", "EXISTS", "a"}, "*1\r\n:0\r\n"},
		{[]string{"OBJECT", "ENCODING", "missing"}, "_\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "missing"}, "_\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "key1"}, ":1\r\n"},
	})
}

// TestObjectReplies: OBJECT's subcommands, their nulls for a missing key,
// their errors under the wrong maxmemory-policy, Redis's shared integers
// in REFCOUNT, and HELP.
func TestObjectReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"MSET", "s", "hello", "n", "123", "zero", "0", "top", "9999", "big", "10000", "neg", "-1", "lz", "007", "lng", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "+OK\r\n"},
		// REFCOUNT: the integers 0 to 9999 are Redis's shared objects.
		{[]string{"OBJECT", "REFCOUNT", "s"}, ":1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "n"}, ":2147483647\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "zero"}, ":2147483647\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "top"}, ":2147483647\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "big"}, ":1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "neg"}, ":1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "lz"}, ":1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "lng"}, ":1\r\n"},
		{[]string{"OBJECT", "refcount", "missing"}, "$-1\r\n"},
		{[]string{"OBJECT", "ENCODING", "s"}, "$6\r\nembstr\r\n"},
		{[]string{"OBJECT", "ENCODING", "n"}, "$3\r\nint\r\n"},
		{[]string{"OBJECT", "ENCODING", "big"}, "$3\r\nint\r\n"},
		{[]string{"OBJECT", "ENCODING", "lz"}, "$6\r\nembstr\r\n"},
		{[]string{"OBJECT", "ENCODING", "lng"}, "$3\r\nraw\r\n"},
		{[]string{"OBJECT", "ENCODING", "missing"}, "$-1\r\n"},
		// Values built by APPEND, SETRANGE and INCRBYFLOAT are not shared; INCR's are.
		{[]string{"APPEND", "n", "4"}, ":4\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "n"}, ":1\r\n"},
		{[]string{"OBJECT", "ENCODING", "n"}, "$3\r\nraw\r\n"},
		{[]string{"INCR", "n"}, ":1235\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "n"}, ":2147483647\r\n"},
		{[]string{"INCRBY", "n", "9000"}, ":10235\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "n"}, ":1\r\n"},
		{[]string{"SETRANGE", "zero", "0", "1"}, ":1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "zero"}, ":1\r\n"},
		{[]string{"INCRBYFLOAT", "f", "1"}, "$1\r\n1\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "f"}, ":1\r\n"},
		{[]string{"OBJECT", "ENCODING", "f"}, "$6\r\nembstr\r\n"},
		{[]string{"SET", "ex", "5", "EX", "100"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "ex"}, ":2147483647\r\n"},
		// FREQ and IDLETIME: nil for a missing key whatever the policy.
		{[]string{"OBJECT", "FREQ", "missing"}, "$-1\r\n"},
		{[]string{"OBJECT", "IDLETIME", "missing"}, "$-1\r\n"},
		{[]string{"OBJECT", "FREQ", "s"}, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
		{[]string{"OBJECT", "IDLETIME", "s"}, ":0\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}, "+OK\r\n"},
		{[]string{"OBJECT", "FREQ", "missing"}, "$-1\r\n"},
		{[]string{"OBJECT", "IDLETIME", "missing"}, "$-1\r\n"},
		{[]string{"OBJECT", "IDLETIME", "s"}, "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "volatile-lfu"}, "+OK\r\n"},
		{[]string{"OBJECT", "IDLETIME", "s"}, "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "volatile-lru"}, "+OK\r\n"},
		{[]string{"OBJECT", "FREQ", "s"}, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n"},
		// With maxmemory and an LRU or LFU policy, Redis shares no integer.
		{[]string{"CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "allkeys-lru"}, "+OK\r\n"},
		{[]string{"SET", "r", "5"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "r"}, ":1\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"}, "+OK\r\n"},
		{[]string{"SET", "r", "5"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "r"}, ":1\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"}, "+OK\r\n"},
		{[]string{"SET", "r", "5"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "r"}, ":2147483647\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "allkeys-random"}, "+OK\r\n"},
		{[]string{"SET", "r", "5"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "r"}, ":2147483647\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "allkeys-lru"}, "+OK\r\n"},
		{[]string{"SET", "r", "5"}, "+OK\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "r"}, ":2147483647\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-policy", "noeviction"}, "+OK\r\n"},
		// HELP and errors.
		{[]string{"OBJECT", "HELP"}, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n+    associated with a <key>.\r\n+FREQ <key>\r\n+    Return the access frequency index of the <key>. The returned integer is\r\n+    proportional to the logarithm of the recent access frequency of the key.\r\n+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n+    Return the number of references of the value associated with the specified\r\n+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"},
		{[]string{"object", "help", "x"}, "-ERR wrong number of arguments for 'object|help' command\r\n"},
		{[]string{"OBJECT"}, "-ERR wrong number of arguments for 'object' command\r\n"},
		{[]string{"OBJECT", "FOO"}, "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"},
		{[]string{"OBJECT", "FOO", "bar"}, "-ERR unknown subcommand 'FOO'. Try OBJECT HELP.\r\n"},
		{[]string{"OBJECT", "ENCODING"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{[]string{"OBJECT", "ENCODING", "a", "b"}, "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{[]string{"OBJECT", "REFCOUNT", "a", "b"}, "-ERR wrong number of arguments for 'object|refcount' command\r\n"},
		{[]string{"OBJECT", "FREQ"}, "-ERR wrong number of arguments for 'object|freq' command\r\n"},
		{[]string{"OBJECT", "IDLETIME", "a", "b"}, "-ERR wrong number of arguments for 'object|idletime' command\r\n"},
	})
}
