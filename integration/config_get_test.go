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
