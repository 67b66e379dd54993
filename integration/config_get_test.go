package integration

import "testing"

// TestConfigGetPatterns: CONFIG GET answers a plain name as it was given,
// in any case, and matches a pattern ignoring case as Redis's glob does;
// COMMAND LIST's pattern too. Byte for byte as redis-server 7.0 answers
// (run with NADB_TEST_TARGET=redis-server to see it still does).
func TestConfigGetPatterns(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "GET", "MAXMEMORY"}, "*2\r\n$9\r\nMAXMEMORY\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "maxmemor[y"}, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "[x-m]axmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "[a-Z]axmemory"}, "*0\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory-polic[y-]"}, "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"},
		{[]string{"CONFIG", "GET", `maxmemory\-policy`}, "*0\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory", "MAXMEMORY", "Maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY", "PATTERN", "[a-Z]et"}, "*0\r\n"},
		{[]string{"COMMAND", "LIST", "FILTERBY", "PATTERN", "G?T"}, "*1\r\n$3\r\nget\r\n"},
	})
}

// TestConfigSetAllOrNone: a CONFIG SET of several options changes all of
// them or none, as Redis 7.0's does, byte for byte (run with
// NADB_TEST_TARGET=redis-server to see it still does): unknown,
// immutable and repeated names are refused before any value is read, then
// a bad value refuses the whole command.
func TestConfigSetAllOrNone(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "SET", "timeout", "0"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "7", "maxclients", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "1", "nosuch", "x"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{[]string{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "5", "timeout", "6"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "5", "TIMEOUT", "6"}, "-ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "TIMEOUT", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "slave-priority", "5", "replica-priority", "6"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "slave-priority", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "databases", "5", "timeout", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "x", "databases", "5"}, "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "x", "nosuch", "5"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{[]string{"CONFIG", "SET", "nosuch", "x", "databases", "5"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "3", "maxmemory-policy", "nope"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"},
		{[]string{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "3", "slowlog-max-len", "9"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "timeout"}, "*2\r\n$7\r\ntimeout\r\n$1\r\n3\r\n"},
		{[]string{"CONFIG", "GET", "slowlog-max-len"}, "*2\r\n$15\r\nslowlog-max-len\r\n$1\r\n9\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "0", "slowlog-max-len", "128"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "SET", "Maxmemory-Policy", "nope"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction\r\n"},
		{[]string{"CONFIG", "SET", "timeout"}, "-ERR wrong number of arguments for 'config|set' command\r\n"},
	})
}
