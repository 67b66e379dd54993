package integration

import (
	"strings"
	"testing"
)

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

// TestConfigNumberForms: CONFIG SET reads an integer as Redis's string2ll
// does (no sign but a minus, no leading zero, no space) and a memory value
// as its memtoull does (digits, none reading as 0, then a unit; no sign, no
// space; beyond 64 bits, out of range).
func TestConfigNumberForms(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	notInt := func(name string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + name + "') - argument couldn't be parsed into an integer\r\n"
	}
	notMem := "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value\r\n"
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "SET", "hash-max-listpack-entries", "+5"}, notInt("hash-max-listpack-entries")},
		{[]string{"CONFIG", "SET", "hash-max-listpack-entries", "01"}, notInt("hash-max-listpack-entries")},
		{[]string{"CONFIG", "SET", "hash-max-listpack-entries", "-0"}, notInt("hash-max-listpack-entries")},
		{[]string{"CONFIG", "SET", "hash-max-listpack-entries", " 5"}, notInt("hash-max-listpack-entries")},
		{[]string{"CONFIG", "SET", "hz", "010"}, notInt("hz")},
		{[]string{"CONFIG", "SET", "maxmemory-samples", "+5"}, notInt("maxmemory-samples")},
		{[]string{"CONFIG", "GET", "hash-max-listpack-entries"}, "*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "kb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-value"}, "*2\r\n$23\r\nhash-max-listpack-value\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "1KB"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-value"}, "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", ""}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", " 5"}, notMem},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "-0"}, notMem},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "+5"}, notMem},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "9223372036854775808"}, "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be between 0 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "18446744073709551616"}, "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be between 0 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "64"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", " 1mb"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
	})
}

// TestInertOptions: the options of redis-server's own mechanisms (hz,
// lazy freeing, RDB files, defragmentation...) answer CONFIG GET with
// Redis's defaults and CONFIG SET with Redis's checks, clamps and words,
// though they change nothing here; dir and dbfilename are protected.
func TestInertOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "GET", "acllog-max-len"}, "*2\r\n$14\r\nacllog-max-len\r\n$3\r\n128\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-cycle-max"}, "*2\r\n$23\r\nactive-defrag-cycle-max\r\n$2\r\n25\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-cycle-min"}, "*2\r\n$23\r\nactive-defrag-cycle-min\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-ignore-bytes"}, "*2\r\n$26\r\nactive-defrag-ignore-bytes\r\n$9\r\n104857600\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-max-scan-fields"}, "*2\r\n$29\r\nactive-defrag-max-scan-fields\r\n$4\r\n1000\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-threshold-lower"}, "*2\r\n$29\r\nactive-defrag-threshold-lower\r\n$2\r\n10\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-threshold-upper"}, "*2\r\n$29\r\nactive-defrag-threshold-upper\r\n$3\r\n100\r\n"},
		{[]string{"CONFIG", "GET", "active-expire-effort"}, "*2\r\n$20\r\nactive-expire-effort\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "GET", "activedefrag"}, "*2\r\n$12\r\nactivedefrag\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "activerehashing"}, "*2\r\n$15\r\nactiverehashing\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "always-show-logo"}, "*2\r\n$16\r\nalways-show-logo\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "aof-disable-auto-gc"}, "*2\r\n$19\r\naof-disable-auto-gc\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "aof-load-truncated"}, "*2\r\n$18\r\naof-load-truncated\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "aof-rewrite-incremental-fsync"}, "*2\r\n$29\r\naof-rewrite-incremental-fsync\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "aof-timestamp-enabled"}, "*2\r\n$21\r\naof-timestamp-enabled\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "aof-use-rdb-preamble"}, "*2\r\n$20\r\naof-use-rdb-preamble\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "appenddirname"}, "*2\r\n$13\r\nappenddirname\r\n$13\r\nappendonlydir\r\n"},
		{[]string{"CONFIG", "GET", "appendfilename"}, "*2\r\n$14\r\nappendfilename\r\n$14\r\nappendonly.aof\r\n"},
		{[]string{"CONFIG", "GET", "crash-log-enabled"}, "*2\r\n$17\r\ncrash-log-enabled\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "crash-memcheck-enabled"}, "*2\r\n$22\r\ncrash-memcheck-enabled\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "dbfilename"}, "*2\r\n$10\r\ndbfilename\r\n$8\r\ndump.rdb\r\n"},
		{[]string{"CONFIG", "GET", "disable-thp"}, "*2\r\n$11\r\ndisable-thp\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "dynamic-hz"}, "*2\r\n$10\r\ndynamic-hz\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "enable-protected-configs"}, "*2\r\n$24\r\nenable-protected-configs\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n"},
		{[]string{"CONFIG", "GET", "io-threads-do-reads"}, "*2\r\n$19\r\nio-threads-do-reads\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "jemalloc-bg-thread"}, "*2\r\n$18\r\njemalloc-bg-thread\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking"}, "*2\r\n$16\r\nlatency-tracking\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$10\r\n50 99 99.9\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-eviction"}, "*2\r\n$22\r\nlazyfree-lazy-eviction\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-expire"}, "*2\r\n$20\r\nlazyfree-lazy-expire\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-server-del"}, "*2\r\n$24\r\nlazyfree-lazy-server-del\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-user-del"}, "*2\r\n$22\r\nlazyfree-lazy-user-del\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-user-flush"}, "*2\r\n$24\r\nlazyfree-lazy-user-flush\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory-eviction-tenacity"}, "*2\r\n$27\r\nmaxmemory-eviction-tenacity\r\n$2\r\n10\r\n"},
		{[]string{"CONFIG", "GET", "no-appendfsync-on-rewrite"}, "*2\r\n$25\r\nno-appendfsync-on-rewrite\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj"}, "*2\r\n$13\r\noom-score-adj\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj-values"}, "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$35\r\n{title} {listen-addr} {server-mode}\r\n"},
		{[]string{"CONFIG", "GET", "propagation-error-behavior"}, "*2\r\n$26\r\npropagation-error-behavior\r\n$6\r\nignore\r\n"},
		{[]string{"CONFIG", "GET", "rdb-del-sync-files"}, "*2\r\n$18\r\nrdb-del-sync-files\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "rdb-save-incremental-fsync"}, "*2\r\n$26\r\nrdb-save-incremental-fsync\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "rdbchecksum"}, "*2\r\n$11\r\nrdbchecksum\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "rdbcompression"}, "*2\r\n$14\r\nrdbcompression\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "repl-backlog-ttl"}, "*2\r\n$16\r\nrepl-backlog-ttl\r\n$4\r\n3600\r\n"},
		{[]string{"CONFIG", "GET", "repl-disable-tcp-nodelay"}, "*2\r\n$24\r\nrepl-disable-tcp-nodelay\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-load"}, "*2\r\n$18\r\nrepl-diskless-load\r\n$8\r\ndisabled\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-sync"}, "*2\r\n$18\r\nrepl-diskless-sync\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-sync-delay"}, "*2\r\n$24\r\nrepl-diskless-sync-delay\r\n$1\r\n5\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-sync-max-replicas"}, "*2\r\n$31\r\nrepl-diskless-sync-max-replicas\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "GET", "replica-ignore-disk-write-errors"}, "*2\r\n$32\r\nreplica-ignore-disk-write-errors\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "replica-lazy-flush"}, "*2\r\n$18\r\nreplica-lazy-flush\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "replica-read-only"}, "*2\r\n$17\r\nreplica-read-only\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "sanitize-dump-payload"}, "*2\r\n$21\r\nsanitize-dump-payload\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "set-proc-title"}, "*2\r\n$14\r\nset-proc-title\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "shutdown-timeout"}, "*2\r\n$16\r\nshutdown-timeout\r\n$2\r\n10\r\n"},
		{[]string{"CONFIG", "GET", "stop-writes-on-bgsave-error"}, "*2\r\n$27\r\nstop-writes-on-bgsave-error\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "tls-cluster"}, "*2\r\n$11\r\ntls-cluster\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "tls-dh-params-file"}, "*2\r\n$18\r\ntls-dh-params-file\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "GET", "tls-prefer-server-ciphers"}, "*2\r\n$25\r\ntls-prefer-server-ciphers\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "tls-session-cache-size"}, "*2\r\n$22\r\ntls-session-cache-size\r\n$5\r\n20480\r\n"},
		{[]string{"CONFIG", "GET", "tls-session-cache-timeout"}, "*2\r\n$25\r\ntls-session-cache-timeout\r\n$3\r\n300\r\n"},
		{[]string{"CONFIG", "GET", "tls-session-caching"}, "*2\r\n$19\r\ntls-session-caching\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "slave-lazy-flush"}, "*2\r\n$16\r\nslave-lazy-flush\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "GET", "slave-read-only"}, "*2\r\n$15\r\nslave-read-only\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "GET", "slave-ignore-maxmemory"}, "*2\r\n$22\r\nslave-ignore-maxmemory\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "hz", "1000"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n"},
		{[]string{"CONFIG", "SET", "hz", "0"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "SET", "hz", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "SET", "hz", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "SET", "hz", "42"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$2\r\n42\r\n"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "1"}, "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj-values"}, "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "a b c"}, "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj-values"}, "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "1 2 3000"}, "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj-values"}, "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n0 200 800\r\n"},
		{[]string{"CONFIG", "SET", "oom-score-adj-values", "-100 2 30"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj-values"}, "*2\r\n$20\r\noom-score-adj-values\r\n$9\r\n-100 2 30\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{foo}"}, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$35\r\n{title} {listen-addr} {server-mode}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{title"}, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$35\r\n{title} {listen-addr} {server-mode}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{title}"}, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$35\r\n{title} {listen-addr} {server-mode}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", ""}, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$35\r\n{title} {listen-addr} {server-mode}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "abc}"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$4\r\nabc}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{{x}}"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$5\r\n{{x}}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{title} {unixsocket}"}, "-ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$5\r\n{{x}}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{port}"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$6\r\n{port}\r\n"},
		{[]string{"CONFIG", "SET", "proc-title-template", "{server-mode} x"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "proc-title-template"}, "*2\r\n$19\r\nproc-title-template\r\n$15\r\n{server-mode} x\r\n"},
		{[]string{"CONFIG", "SET", "activedefrag", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution\r\n"},
		{[]string{"CONFIG", "GET", "activedefrag"}, "*2\r\n$12\r\nactivedefrag\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "activedefrag", "no"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "activedefrag"}, "*2\r\n$12\r\nactivedefrag\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "active-defrag-ignore-bytes", "0"}, "-ERR CONFIG SET failed (possibly related to argument 'active-defrag-ignore-bytes') - argument must be between 1 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-ignore-bytes"}, "*2\r\n$26\r\nactive-defrag-ignore-bytes\r\n$9\r\n104857600\r\n"},
		{[]string{"CONFIG", "SET", "active-defrag-ignore-bytes", "2mb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "active-defrag-ignore-bytes"}, "*2\r\n$26\r\nactive-defrag-ignore-bytes\r\n$7\r\n2097152\r\n"},
		{[]string{"CONFIG", "SET", "dbfilename", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n"},
		{[]string{"CONFIG", "GET", "dbfilename"}, "*2\r\n$10\r\ndbfilename\r\n$8\r\ndump.rdb\r\n"},
		{[]string{"CONFIG", "SET", "appendfilename", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'appendfilename') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "GET", "appendfilename"}, "*2\r\n$14\r\nappendfilename\r\n$14\r\nappendonly.aof\r\n"},
		{[]string{"CONFIG", "SET", "dir", "/tmp"}, "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"},
		{[]string{"CONFIG", "SET", "enable-protected-configs", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "GET", "enable-protected-configs"}, "*2\r\n$24\r\nenable-protected-configs\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "rdbchecksum", "no"}, "-ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "GET", "rdbchecksum"}, "*2\r\n$11\r\nrdbchecksum\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "latency-tracking-info-percentiles", "50.5 99.123456789 100"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$18\r\n50.5 99.123457 100\r\n"},
		{[]string{"CONFIG", "SET", "latency-tracking-info-percentiles", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$18\r\n50.5 99.123457 100\r\n"},
		{[]string{"CONFIG", "SET", "latency-tracking-info-percentiles", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$18\r\n50.5 99.123457 100\r\n"},
		{[]string{"CONFIG", "SET", "latency-tracking-info-percentiles", "1e1 99.99999999999"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$6\r\n10 100\r\n"},
		{[]string{"CONFIG", "SET", "latency-tracking-info-percentiles", ""}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "latency-tracking-info-percentiles"}, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "acllog-max-len", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'acllog-max-len') - argument must be between 0 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "GET", "acllog-max-len"}, "*2\r\n$14\r\nacllog-max-len\r\n$3\r\n128\r\n"},
		{[]string{"CONFIG", "SET", "repl-diskless-load", "foo"}, "-ERR CONFIG SET failed (possibly related to argument 'repl-diskless-load') - argument(s) must be one of the following: disabled, on-empty-db, swapdb\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-load"}, "*2\r\n$18\r\nrepl-diskless-load\r\n$8\r\ndisabled\r\n"},
		{[]string{"CONFIG", "SET", "repl-diskless-load", "SWAPDB"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "repl-diskless-load"}, "*2\r\n$18\r\nrepl-diskless-load\r\n$6\r\nswapdb\r\n"},
		{[]string{"CONFIG", "SET", "active-expire-effort", "11"}, "-ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - argument must be between 1 and 10 inclusive\r\n"},
		{[]string{"CONFIG", "GET", "active-expire-effort"}, "*2\r\n$20\r\nactive-expire-effort\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "SET", "oom-score-adj", "maybe"}, "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj') - argument(s) must be one of the following: no, yes, relative, absolute\r\n"},
		{[]string{"CONFIG", "GET", "oom-score-adj"}, "*2\r\n$13\r\noom-score-adj\r\n$2\r\nno\r\n"},
		{[]string{"CONFIG", "SET", "lazyfree-lazy-user-del", "YES"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-user-del"}, "*2\r\n$22\r\nlazyfree-lazy-user-del\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "lazyfree-lazy-user-del", "maybe"}, "-ERR CONFIG SET failed (possibly related to argument 'lazyfree-lazy-user-del') - argument must be 'yes' or 'no'\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-user-del"}, "*2\r\n$22\r\nlazyfree-lazy-user-del\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "slave-lazy-flush", "yes"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "slave-lazy-flush"}, "*2\r\n$16\r\nslave-lazy-flush\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "sanitize-dump-payload", "clients"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "sanitize-dump-payload"}, "*2\r\n$21\r\nsanitize-dump-payload\r\n$7\r\nclients\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-eviction-tenacity", "101"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory-eviction-tenacity"}, "*2\r\n$27\r\nmaxmemory-eviction-tenacity\r\n$2\r\n10\r\n"},
		{[]string{"CONFIG", "SET", "shutdown-timeout", "3"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "shutdown-timeout"}, "*2\r\n$16\r\nshutdown-timeout\r\n$1\r\n3\r\n"},
		{[]string{"CONFIG", "SET", "tls-session-cache-timeout", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'tls-session-cache-timeout') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "GET", "tls-session-cache-timeout"}, "*2\r\n$25\r\ntls-session-cache-timeout\r\n$3\r\n300\r\n"},
		{[]string{"CONFIG", "GET", "replica-lazy-flush"}, "*2\r\n$18\r\nreplica-lazy-flush\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "hz", "20", "lazyfree-lazy-expire", "yes"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "lazyfree-lazy-expire"}, "*2\r\n$20\r\nlazyfree-lazy-expire\r\n$3\r\nyes\r\n"},
		{[]string{"CONFIG", "SET", "hz", "30", "lazyfree-lazy-expire", "bad"}, "-ERR CONFIG SET failed (possibly related to argument 'lazyfree-lazy-expire') - argument must be 'yes' or 'no'\r\n"},
		{[]string{"CONFIG", "GET", "hz"}, "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"},
	})
}

// TestConfigSetSaveAndSizes: CONFIG SET save at run time, checked as Redis
// checks it (pairs of non-negative integers, single spaces), and the
// *-listpack-value options taking sizes (1kb, 2k) as Redis does; a size
// with a sign is refused.
func TestConfigSetSaveAndSizes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "900 1"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$5\r\n900 1\r\n"},
		{[]string{"CONFIG", "SET", "save", ""}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "900"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "abc 1"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "900 1 300 x"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "-1 5"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "1.5 2"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", " 900  1 "}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{[]string{"CONFIG", "SET", "save", "900 1 900 1"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "save"}, "*2\r\n$4\r\nsave\r\n$11\r\n900 1 900 1\r\n"},
		{[]string{"CONFIG", "SET", "tcp-keepalive", "60"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "tcp-keepalive"}, "*2\r\n$13\r\ntcp-keepalive\r\n$2\r\n60\r\n"},
		{[]string{"CONFIG", "SET", "tcp-keepalive", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'tcp-keepalive') - argument must be between 0 and 2147483647 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "tcp-keepalive", "300"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "1kb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-value"}, "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-value"}, "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-value') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-value"}, "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-ziplist-value", "2k"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-ziplist-value"}, "*2\r\n$22\r\nhash-max-ziplist-value\r\n$4\r\n2000\r\n"},
		{[]string{"CONFIG", "SET", "zset-max-listpack-value", "1mb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "zset-max-listpack-value"}, "*2\r\n$23\r\nzset-max-listpack-value\r\n$7\r\n1048576\r\n"},
		{[]string{"CONFIG", "SET", "zset-max-ziplist-value", "+5"}, "-ERR CONFIG SET failed (possibly related to argument 'zset-max-ziplist-value') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "GET", "zset-max-ziplist-value"}, "*2\r\n$22\r\nzset-max-ziplist-value\r\n$7\r\n1048576\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-entries", "1kb"}, "-ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "GET", "hash-max-listpack-entries"}, "*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "+1"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "1kb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory"}, "*2\r\n$9\r\nmaxmemory\r\n$4\r\n1024\r\n"},
		{[]string{"CONFIG", "SET", "hash-max-listpack-value", "64", "zset-max-listpack-value", "64", "maxmemory", "0", "save", ""}, "+OK\r\n"},
	})
}

// TestProtoMaxBulkLenAtRunTime holds for redis-server too: CONFIG SET
// proto-max-bulk-len bounds the strings APPEND and SETRANGE build from then
// on, as it bounds a request's argument.
func TestProtoMaxBulkLenAtRunTime(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	tooLarge := "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"CONFIG", "SET", "proto-max-bulk-len", "1mb"}, "+OK\r\n"},
		{[]string{"SET", "k", strings.Repeat("v", 1<<20)}, "+OK\r\n"},
		{[]string{"APPEND", "k", "b"}, tooLarge},
		{[]string{"SETRANGE", "k", "2000000", "x"}, tooLarge},
		{[]string{"SETRANGE", "k", "5", "x"}, ":1048576\r\n"},
		{[]string{"CONFIG", "SET", "proto-max-bulk-len", "2mb"}, "+OK\r\n"},
		{[]string{"APPEND", "k", "b"}, ":1048577\r\n"},
		{[]string{"CONFIG", "SET", "proto-max-bulk-len", "512mb"}, "+OK\r\n"},
	})
}
