package main

import (
	"math"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/resp"
)

// inertOptionTable holds the options of redis-server that tune mechanisms
// nadb-server does not have: RDB files, jemalloc, lazy freeing, the event
// loop's hz, active defragmentation, diskless full syncs, the AOF's own
// files, process titles... A redis.conf may carry them, and tools read
// and write them with CONFIG GET and CONFIG SET: they take Redis 7.0's
// defaults, ranges, letter cases and run-time changeability, and steer
// nothing, which the start's log says when a config file sets one.
// Options whose meaning a user relies on are not here: nadb-server
// honours them (the option table) or refuses them.
func inertOptionTable() []option {
	yesNo := func(name, def string, runtime bool) option {
		return enum(name, def, "", runtime, "yes", "no")
	}
	integer := func(name, def string, lo, hi int64) option {
		return option{name: name, def: def, runtime: true, check: checkRedisInt(lo, hi)}
	}
	text := func(name, def string, runtime bool, check func(string) error) option {
		return option{name: name, def: def, runtime: runtime, check: check}
	}
	return []option{
		yesNo("activerehashing", "yes", true),
		// Active defragmentation needs a jemalloc with its hooks, as in a
		// redis-server built without them.
		{name: "activedefrag", def: "no", runtime: true, lower: true, check: func(v string) error {
			if err := checkEnum("yes", "no")(v); err != nil {
				return err
			}
			if !strings.EqualFold(v, "no") {
				return redisReason("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")
			}
			return nil
		}},
		integer("active-defrag-cycle-min", "1", 1, 99),
		integer("active-defrag-cycle-max", "25", 1, 99),
		{name: "active-defrag-ignore-bytes", def: "100mb", runtime: true, check: checkMemory(1)},
		integer("active-defrag-max-scan-fields", "1000", 1, math.MaxInt64),
		integer("active-defrag-threshold-lower", "10", 0, 1000),
		integer("active-defrag-threshold-upper", "100", 0, 1000),
		integer("active-expire-effort", "1", 1, 10),
		integer("acllog-max-len", "128", 0, math.MaxInt64),
		yesNo("always-show-logo", "no", false),
		text("appenddirname", "appendonlydir", false, nil),
		text("appendfilename", "appendonly.aof", false, nil),
		yesNo("aof-disable-auto-gc", "no", true),
		yesNo("aof-load-truncated", "yes", true),
		yesNo("aof-rewrite-incremental-fsync", "yes", true),
		yesNo("aof-timestamp-enabled", "no", true),
		yesNo("aof-use-rdb-preamble", "yes", true),
		yesNo("crash-log-enabled", "yes", true),
		yesNo("crash-memcheck-enabled", "yes", true),
		text("dbfilename", "dump.rdb", false, nil),
		yesNo("disable-thp", "yes", false),
		yesNo("dynamic-hz", "yes", true),
		// Neither dir nor dbfilename may change at run time here (Redis's
		// protected configs, below).
		{name: "enable-protected-configs", def: "no", lower: true,
			check: checkOnly("no", "dir and dbfilename cannot change at run time here")},
		integer("hz", "10", 0, math.MaxInt32),
		yesNo("io-threads-do-reads", "no", false),
		yesNo("jemalloc-bg-thread", "yes", true),
		yesNo("latency-tracking", "yes", true),
		text("latency-tracking-info-percentiles", "50 99 99.9", true, checkPercentiles),
		yesNo("lazyfree-lazy-eviction", "no", true),
		yesNo("lazyfree-lazy-expire", "no", true),
		yesNo("lazyfree-lazy-server-del", "no", true),
		yesNo("lazyfree-lazy-user-del", "no", true),
		yesNo("lazyfree-lazy-user-flush", "no", true),
		integer("maxmemory-eviction-tenacity", "10", 0, 100),
		yesNo("no-appendfsync-on-rewrite", "no", true),
		enum("oom-score-adj", "no", "", true, "no", "yes", "relative", "absolute"),
		text("oom-score-adj-values", "0 200 800", true, checkOOMScoreAdjValues),
		enum("propagation-error-behavior", "ignore", "", true, "ignore", "panic", "panic-on-replicas"),
		text("proc-title-template", "{title} {listen-addr} {server-mode}", true, checkProcTitleTemplate),
		yesNo("rdb-del-sync-files", "no", true),
		yesNo("rdb-save-incremental-fsync", "yes", true),
		yesNo("rdbchecksum", "yes", false),
		yesNo("rdbcompression", "yes", true),
		integer("repl-backlog-ttl", "3600", 0, math.MaxInt64),
		yesNo("repl-disable-tcp-nodelay", "no", true),
		enum("repl-diskless-load", "disabled", "", true, "disabled", "on-empty-db", "swapdb"),
		yesNo("repl-diskless-sync", "yes", true),
		integer("repl-diskless-sync-delay", "5", 0, math.MaxInt32),
		integer("repl-diskless-sync-max-replicas", "0", 0, math.MaxInt32),
		yesNo("replica-ignore-disk-write-errors", "no", true),
		yesNo("replica-lazy-flush", "no", true),
		// A secondary here is always read-only.
		{name: "replica-read-only", def: "yes", runtime: true, lower: true,
			check: checkOnly("yes", "a secondary of nadb-server is always read-only")},
		enum("sanitize-dump-payload", "no", "", true, "no", "yes", "clients"),
		yesNo("set-proc-title", "yes", false),
		integer("shutdown-timeout", "10", 0, math.MaxInt32),
		yesNo("stop-writes-on-bgsave-error", "yes", true),
		// Go's TLS orders the cipher suites itself, has no finite-field
		// Diffie-Hellman and sizes its session cache itself; there is no
		// cluster bus.
		yesNo("tls-cluster", "no", true),
		text("tls-dh-params-file", "", true, nil),
		yesNo("tls-prefer-server-ciphers", "no", true),
		yesNo("tls-session-caching", "yes", true),
		integer("tls-session-cache-size", "20480", 0, math.MaxInt32),
		integer("tls-session-cache-timeout", "300", 0, math.MaxInt64),
	}
}

// redisReason is a refusal CONFIG SET reports in these words, Redis's.
func redisReason(why string) error { return &resp.OptionValueError{Reason: why} }

// isInert reports whether name is an inert option.
func isInert(name string) bool {
	for _, o := range inertOptionTable() {
		if o.name == name {
			return true
		}
	}
	return false
}

// protectedOptions may not change at run time, as Redis's protected
// configs while enable-protected-configs is no (its default, and the only
// setting here): CONFIG SET refuses them with Redis's reason.
var protectedOptions = map[string]bool{"dir": true, "dbfilename": true}

// clampHz is the hz Redis keeps for value: 1 to 500.
func clampHz(value string) string {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return value
	}
	return strconv.FormatInt(min(max(n, 1), 500), 10)
}

// checkOOMScoreAdjValues checks three integers from -2000 to 2000, as
// Redis does.
func checkOOMScoreAdjValues(v string) error {
	f := strings.Fields(v)
	if len(f) != 3 {
		return redisReason("wrong number of arguments")
	}
	for _, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || n < -2000 || n > 2000 {
			return redisReason("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
		}
	}
	return nil
}

// procTitleVariables are the names a proc-title-template may use, with
// whether each stands for text when Redis checks a template (the title,
// the cluster mode and the Unix socket stand for nothing then).
var procTitleVariables = map[string]bool{
	"title": false, "listen-addr": true, "server-mode": false, "port": true,
	"tls-port": true, "unixsocket": false, "config-file": true,
}

// checkProcTitleTemplate checks a template as Redis does: '{{' and '}}'
// are braces, a lone '}' is itself, '{name}' must name a variable, and
// the title must not come out empty (or only spaces) without the process
// name.
func checkProcTitleTemplate(v string) error {
	bad := redisReason("template format is invalid or contains unknown variables")
	text := false
	for i := 0; i < len(v); i++ {
		switch {
		case strings.HasPrefix(v[i:], "{{"), strings.HasPrefix(v[i:], "}}"):
			text = true
			i++
		case v[i] == '{':
			end := strings.IndexByte(v[i:], '}')
			if end < 0 {
				return bad
			}
			nonEmpty, known := procTitleVariables[v[i+1:i+end]]
			if !known {
				return bad
			}
			text = text || nonEmpty
			i += end
		default:
			text = text || v[i] != ' '
		}
	}
	if !text {
		return bad
	}
	return nil
}

// checkPercentiles checks latency-tracking-info-percentiles: numbers from
// 0 to 100, separated by spaces (none is fine), as Redis does.
func checkPercentiles(v string) error {
	for _, f := range strings.Fields(v) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return redisReason("Invalid latency-tracking-info-percentiles parameters")
		}
		if x < 0 || x > 100 {
			return redisReason("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
	}
	return nil
}

// formatPercentiles shows percentiles as Redis does: each with six
// decimals, trailing zeros and point removed.
func formatPercentiles(v string) string {
	var out []string
	for _, f := range strings.Fields(v) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return v
		}
		s := strconv.FormatFloat(x, 'f', 6, 64)
		out = append(out, strings.TrimSuffix(strings.TrimRight(s, "0"), "."))
	}
	return strings.Join(out, " ")
}
