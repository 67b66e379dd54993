package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp"
)

// option is one entry of the option table: its name as in redis.conf, its
// default, a help line, whether CONFIG SET may change it, and a check of a
// value that returns why the value is refused.
type option struct {
	name    string
	def     string
	help    string
	runtime bool
	check   func(v string) error
	lower   bool // an enum: stored and reported in lower case, as Redis does
}

// enum is an option whose value is one of a few lower-case words, accepted
// in any letter case.
func enum(name, def, help string, runtime bool, values ...string) option {
	return option{name: name, def: def, help: help, runtime: runtime, check: checkEnum(values...), lower: true}
}

// options is the option table, in --help order.
func options() []option {
	return append([]option{
		{"port", "6379", "TCP port of the Redis protocol (0: none, with a tls-port: TLS only)", false, checkPortOrZero, false},
		{"bind", "127.0.0.1", "addresses to listen on, separated by spaces", false, checkBind, false},
		{"databases", "16", "number of databases", false, checkIntRange(1, 1<<20), false},
		{"dir", ".", "working directory for data files", false, checkDir, false},
		enum("loglevel", "notice", "debug, verbose, notice or warning", true, "debug", "verbose", "notice", "warning"),
		{"logfile", "", "log file; empty logs to standard error", false, nil, false},
		{"maxclients", "10000", "maximum number of connected clients", true, checkRedisInt(1, math.MaxUint32), false},
		{"io-threads", "1", "threads that run client connections and commands (Go's GOMAXPROCS, unless that is set in the environment); 1, as Redis's default", false, checkIntRange(1, 1024), false},
		{"proto-max-bulk-len", "512mb", "largest bulk string a client may send (at least 1mb, as in Redis)", true, checkMemory(1 << 20), false},
		{"client-query-buffer-limit", "1gb", "largest unparsed input of one client", true, checkMemory(1024 * 1024), false},
		{"repl-listen-host", "", "address of the NADB replication listener; empty uses the first bind address", false, nil, false},
		{"repl-listen-port", "9000", "TCP port of the NADB replication listener (0: none); a node that follows a primary opens it only when promoted", false, checkPortOrZero, false},
		{"primary-host", "", "NADB host of the primary to follow (also PRIMARY_HOST)", false, nil, false},
		{"primary-port", "9000", "NADB port of the primary to follow (also PRIMARY_PORT)", false, checkPort, false},
		{"replicaof", "", "\"<host> <port>\": follow the primary at this Redis endpoint", false, checkReplicaOf, false},
		{"heartbeat-interval", "5", "seconds between heartbeats to idle secondaries (aliases repl-ping-replica-period, repl-ping-slave-period)", true, checkRedisInt(1, math.MaxInt32), false},
		{"repl-timeout", "60", "seconds of silence after which a replication peer is dropped (keep it above heartbeat-interval)", true, checkRedisInt(1, math.MaxInt32), false},
		{"max-operation-log", "10000", "operations kept in memory for partial resynchronisation", false, checkIntRange(1, 1<<30), false},
		{"repl-backlog-size", "64mb", "bytes of operations kept in memory for partial resynchronisation (whichever of this and max-operation-log is reached first; below 16kb becomes 16kb, as in Redis)", true, checkMemory(1), false},
		{"repl-password", "", "password secondaries must prove on the NADB port (never sent: HMAC challenge-response); empty uses requirepass", true, nil, false},
		{"replica-priority", "100", "a secondary's priority for Sentinel's choice of the one to promote (lower first; 0: never), reported in INFO replication (alias slave-priority)", true, checkRedisInt(0, math.MaxInt32), false},
		{"replica-announce-ip", "", "IP address a secondary announces to its primary instead of its own (alias slave-announce-ip; empty: its own)", true, nil, false},
		{"replica-announce-port", "0", "Redis port a secondary announces to its primary instead of its own (alias slave-announce-port; 0: its own)", true, checkRedisInt(0, 65535), false},
		{"min-replicas-to-write", "0", "a primary refuses writes (-NOREPLICAS) while fewer secondaries than this have a lag of at most min-replicas-max-lag seconds (alias min-slaves-to-write; 0: never)", true, checkRedisInt(0, math.MaxInt32), false},
		{"min-replicas-max-lag", "10", "seconds since its last acknowledgement within which a secondary counts for min-replicas-to-write (alias min-slaves-max-lag; 0: the check is off)", true, checkRedisInt(0, math.MaxInt32), false},
		{"masterauth", "", "password this node proves to its primary (NADB port) and sends to AUTH on its Redis port", true, nil, false},
		{"masteruser", "", "user name sent with masterauth to AUTH on the primary's Redis port", true, nil, false},
		enum("repl-allow-legacy", "no", "yes: a replication peer that sends nothing is served as a reference (Python) secondary, which cannot authenticate; no: it is dropped", true, "yes", "no"),
		{"repl-max-peers", "128", "replication connections open at once (0: no cap)", true, checkIntRange(0, 1<<20), false},
		{"repl-max-unauthenticated", "16", "replication connections that have not completed their handshake (0: no cap)", true, checkIntRange(0, 1<<20), false},
		{"repl-verify-interval", "100", "milliseconds between checkpoints a primary sends each secondary, which then proves its dataset equals the primary's (0: none)", true, checkIntRange(0, 3_600_000), false},
		enum("replica-serve-stale-data", "yes", "no: a secondary whose link to its primary is down (or still syncing) answers MASTERDOWN to every command that needs fresh data, as in Redis (alias slave-serve-stale-data); yes: it serves what it has", true, "yes", "no"),
		enum("replica-serve-diverged-data", "no", "no: a secondary whose checkpoint found its data different from its primary's refuses reads until the full resync that repairs it; yes: it keeps serving them", true, "yes", "no"),
		enum("broadcast-async", "yes", "yes: replies never wait for secondaries; no: a write's reply waits until its frame was sent to every secondary", true, "yes", "no"),
		{"save", "", "RDB snapshot points; accepted for compatibility, at start and by CONFIG SET (snapshots come from SAVE, BGSAVE, BGREWRITEAOF and automatic rewrites)", true, checkSave, false},
		enum("appendonly", "yes", "log every write to segments in dir and reload them (after the newest snapshot) at start", false, "yes", "no"),
		enum("appendfsync", "everysec", "always: reply after fsync; everysec: fsync once a second; no: leave it to the OS", true, "everysec", "always", "no"),
		{"auto-aof-rewrite-percentage", "100", "snapshot automatically when the data on disk grew by this percentage since the last snapshot (0: never)", true, checkRedisInt(0, math.MaxInt32), false},
		{"auto-aof-rewrite-min-size", "64mb", "no automatic snapshot while the data on disk is smaller than this", true, checkMemory(0), false},
		{"aof-segment-size", "64mb", "start a new log segment after this many bytes", true, checkMemory(1024), false},
		{"pidfile", "", "write the process id to this file at start and remove it at exit; empty: none", false, nil, false},
		{"daemonize", "no", "no only: run in the foreground under a service manager (see supervised)", false, checkOnly("no", "nadb-server does not fork: run it in the foreground under a service manager (systemd: Type=notify with supervised systemd)"), true},
		enum("supervised", "no", "no, auto, systemd or upstart: with systemd (or auto under systemd) tell it when ready through $NOTIFY_SOCKET", false, "no", "auto", "systemd", "upstart"),
		{"tcp-keepalive", "300", "seconds of silence before TCP keepalive probes on a client connection (0: off); CONFIG SET applies to new connections", true, checkIntRange(0, math.MaxInt32), false},
		{"tcp-backlog", "511", "accepted for compatibility: the kernel's somaxconn bounds the accept queue", false, checkIntRange(0, 1<<20), false},
		{"notify-keyspace-events", "", "keyspace notifications: K (__keyspace@<db>__ channels) and/or E (__keyevent@<db>__ channels), with the event classes in Redis letters (g $ l s h z x e t d n m, A for g$lshzxetd)", true, checkKeyspaceEvents, false},
		{"slowlog-log-slower-than", "10000", "commands that run at least this many microseconds go to the slow log, SLOWLOG (negative: none; 0: every command)", true, checkRedisInt(-1, math.MaxInt64), false},
		{"slowlog-max-len", "128", "entries the slow log keeps, the oldest dropped first", true, checkRedisInt(0, math.MaxInt64), false},
		{"latency-monitor-threshold", "0", "milliseconds from which a command's run is a latency spike that LATENCY records (0: the monitor is off)", true, checkRedisInt(0, math.MaxInt64), false},
		{"busy-reply-threshold", "5000", "milliseconds a script may run before other clients' commands are answered BUSY and SCRIPT KILL may stop it (alias lua-time-limit; 0: at once)", true, checkRedisInt(0, math.MaxInt64), false},
		{"tracking-table-max-keys", "1000000", "keys the client-side caching table (CLIENT TRACKING) remembers; beyond it keys are taken at random, invalidated and forgotten (0: no limit)", true, checkRedisInt(0, math.MaxInt64), false},
		{"timeout", "0", "close a client idle for more than this many seconds (0: never)", true, checkIntRange(0, math.MaxInt32), false},
		enum("enable-debug-command", "no", "who may run DEBUG: no (nobody), yes (every client) or local (clients on this host: 127.0.0.1, ::1, a Unix socket), as in Redis", false, "no", "yes", "local"),
		enum("enable-module-command", "no", "who may run MODULE LOAD, LOADEX and UNLOAD (which always fail: there are no modules): no, yes or local, as enable-debug-command", false, "no", "yes", "local"),
		enum("protected-mode", "yes", "yes: while no requirepass is set, only clients on this host (loopback, Unix socket) may connect", true, "yes", "no"),
		{"requirepass", "", "password of the default user, which clients give with AUTH (empty: none; CONFIG GET shows it, as in Redis); also the NADB port's when repl-password is empty", true, nil, false},
		{"client-output-buffer-limit", defaultOutputLimits, "\"<class> <hard> <soft> <soft seconds>\" ...: close a normal client with more unread replies than hard bytes, or than soft bytes for longer than soft seconds (0: no limit); replica (slave): the same for the operations a primary has logged and not yet sent a secondary; pubsub: the same for a subscriber's unsent messages", true, checkOutputLimits, false},
	}, slices.Concat(memoryOptionTable(), tlsOptionTable(), inertOptionTable())...)
}

// memoryOptionTable holds maxmemory and the options of eviction, with
// Redis's names, defaults and ranges; all may change at run time.
func memoryOptionTable() []option {
	return []option{
		{"maxmemory", "0", "bytes the keyspace may take (0: no limit); above it writes evict keys as maxmemory-policy says, or are refused with -OOM. CONFIG GET shows it in bytes", true, checkMemory(0), false},
		enum("maxmemory-policy", "noeviction", "what a write does above maxmemory: noeviction refuses it; allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random or volatile-ttl evict keys (volatile-*: only keys with an expiry) first", true, policyNames()...),
		{"maxmemory-samples", "5", "keys sampled per database to choose each key to evict (more: closer to true LRU/LFU/TTL order, slower)", true, checkIntRange(1, math.MaxInt32), false},
		{"lfu-log-factor", "10", "how slowly a key's LFU counter grows with its accesses", true, checkIntRange(0, math.MaxInt32), false},
		{"lfu-decay-time", "1", "minutes after which an idle key's LFU counter is decremented (0: never)", true, checkIntRange(0, math.MaxInt32), false},
		{"hash-max-listpack-entries", "512", "a hash with more fields is a hashtable, not a listpack, from then on (alias hash-max-ziplist-entries)", true, checkRedisInt(0, math.MaxInt64), false},
		{"hash-max-listpack-value", "64", "a hash with a longer field or value is a hashtable, not a listpack, from then on (alias hash-max-ziplist-value)", true, checkMemory(0), false},
		// The encodings of types nadb-server does not have yet: accepted,
		// checked and reported as Redis does, steering nothing.
		{"list-max-listpack-size", "-2", "the nodes of a list's quicklist: entries per node (> 0), or bytes per node (-1..-5: 4, 8, 16, 32, 64 KiB) (alias list-max-ziplist-size); lists created later use it", true, checkRedisInt(math.MinInt32, math.MaxInt32), false},
		{"list-compress-depth", "0", "Redis's list compression depth; reported, no lists yet", true, checkRedisInt(0, math.MaxInt32), false},
		{"set-max-intset-entries", "512", "a set with more members, or one that is not an integer, is a hashtable, not an intset, from then on", true, checkRedisInt(0, math.MaxInt64), false},
		{"zset-max-listpack-entries", "128", "most members of a listpack sorted set (alias zset-max-ziplist-entries)", true, checkRedisInt(0, math.MaxInt64), false},
		{"zset-max-listpack-value", "64", "longest member of a listpack sorted set, in bytes (alias zset-max-ziplist-value)", true, checkMemory(0), false},
		{"hll-sparse-max-bytes", "3000", "a sparse HyperLogLog that would grow past this many bytes (header included) becomes dense", true, checkMemory(0), false},
		{"stream-node-max-bytes", "4096", "Redis's stream node size, in bytes; reported, no streams", true, checkMemory(0), false},
		{"stream-node-max-entries", "100", "Redis's stream node entries; reported, no streams", true, checkRedisInt(0, math.MaxInt64), false},
		{"replica-ignore-maxmemory", "yes", "yes only: a secondary never evicts on its own; it applies its primary's evictions", true, checkOnly("yes", "a secondary never evicts on its own: it applies the deletions its primary logs"), true},
	}
}

// policyNames lists the values of maxmemory-policy.
func policyNames() []string {
	var out []string
	// Redis's order, which its CONFIG SET error lists them in.
	for _, p := range []engine.Policy{engine.VolatileLRU, engine.VolatileLFU, engine.VolatileRandom, engine.VolatileTTL,
		engine.AllKeysLRU, engine.AllKeysLFU, engine.AllKeysRandom, engine.NoEviction} {
		out = append(out, p.String())
	}
	return out
}

// slowLogOf reads slowlog-log-slower-than and slowlog-max-len.
func slowLogOf(v func(string) string) (slowerThanMicros, maxLen int64) {
	slowerThanMicros, _ = strconv.ParseInt(v("slowlog-log-slower-than"), 10, 64)
	maxLen, _ = strconv.ParseInt(v("slowlog-max-len"), 10, 64)
	return slowerThanMicros, maxLen
}

// evictionOf reads the eviction options.
func evictionOf(v func(string) string) engine.EvictionConfig {
	atoi := func(name string) int { n, _ := strconv.Atoi(v(name)); return n }
	maxMemory, _ := parseMemory(v("maxmemory"))
	policy, _ := engine.ParsePolicy(v("maxmemory-policy"))
	return engine.EvictionConfig{
		MaxMemory:    maxMemory,
		Policy:       policy,
		Samples:      atoi("maxmemory-samples"),
		LFULogFactor: atoi("lfu-log-factor"),
		LFUDecayTime: atoi("lfu-decay-time"),
	}
}

// hashLimitsOf reads hash-max-listpack-entries and -value.
func hashLimitsOf(v func(string) string) engine.HashLimits {
	entries, _ := strconv.ParseInt(v("hash-max-listpack-entries"), 10, 64)
	value, _ := strconv.ParseInt(v("hash-max-listpack-value"), 10, 64)
	return engine.HashLimits{Entries: entries, Value: value}
}

// hllSparseMaxOf reads hll-sparse-max-bytes.
func hllSparseMaxOf(v func(string) string) int64 {
	n, _ := parseMemory(v("hll-sparse-max-bytes"))
	return n
}

// collLimitsOf reads the compact-encoding limits of lists, sets and
// sorted sets.
func collLimitsOf(v func(string) string) engine.CollLimits {
	n := func(name string) int64 {
		i, _ := strconv.ParseInt(v(name), 10, 64)
		return i
	}
	return engine.CollLimits{
		ListSize:    n("list-max-listpack-size"),
		SetInts:     n("set-max-intset-entries"),
		ZSetEntries: n("zset-max-listpack-entries"),
		ZSetValue:   n("zset-max-listpack-value"),
	}
}

// tlsOptionTable holds the tls-* options, with Redis's names. The files
// and values may change at run time: CONFIG SET reloads them for the
// handshakes that follow.
func tlsOptionTable() []option {
	return []option{
		{"tls-port", "0", "TCP port of the Redis protocol over TLS, on the bind addresses (0: none)", false, checkPortOrZero, false},
		{"tls-cert-file", "", "PEM certificate (chain) of the TLS ports, whose subject alternative names must hold the host (DNS name or IP) clients and secondaries dial; also the certificate a secondary presents to its primary", true, checkPEMFile("CERTIFICATE"), false},
		{"tls-key-file", "", "PEM private key of tls-cert-file (unencrypted)", true, checkPEMFile("PRIVATE KEY"), false},
		{"tls-client-cert-file", "", "PEM certificate a secondary presents to its primary instead of tls-cert-file", true, checkPEMFile("CERTIFICATE"), false},
		{"tls-client-key-file", "", "PEM private key of tls-client-cert-file", true, checkPEMFile("PRIVATE KEY"), false},
		{"tls-ca-cert-file", "", "PEM CA certificates that verify client certificates and, with tls-replication, the primary's", true, checkPEMFile("CERTIFICATE"), false},
		{"tls-ca-cert-dir", "", "directory of PEM CA certificates, used as tls-ca-cert-file", true, checkCADir, false},
		enum("tls-auth-clients", "yes", "yes: TLS clients and secondaries must present a certificate signed by the CA; optional: verified when presented; no: not asked for", true, "no", "yes", "optional"),
		{"tls-protocols", "", "TLS versions accepted, consecutive among TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 (empty: TLSv1.2 TLSv1.3)", true, checkTLSProtocols, false},
		{"tls-ciphers", "", "TLS 1.2 cipher suites, OpenSSL names separated by ':' (empty: Go's secure suites)", true, checkTLSCiphers, false},
		{"tls-ciphersuites", "", "TLS 1.3 suites, OpenSSL names separated by ':': checked only, Go's TLS 1.3 always offers its three suites", true, checkTLSCipherSuites, false},
		enum("tls-replication", "no", "yes: the NADB listener speaks TLS only, and a secondary reaches its primary over TLS (with replicaof, the port given is the primary's tls-port)", false, "yes", "no"),
	}
}

// aliases are the other names of options, as Redis has them: the config
// file, the command line, CONFIG GET and CONFIG SET take either name.
var aliases = map[string]string{
	"slaveof":                  "replicaof",
	"lua-time-limit":           "busy-reply-threshold",
	"repl-ping-replica-period": "heartbeat-interval",
	"repl-ping-slave-period":   "heartbeat-interval",
	"slave-priority":           "replica-priority",
	"slave-serve-stale-data":   "replica-serve-stale-data",
	"slave-announce-ip":        "replica-announce-ip",
	"slave-announce-port":      "replica-announce-port",
	"min-slaves-to-write":      "min-replicas-to-write",
	"min-slaves-max-lag":       "min-replicas-max-lag",
	"hash-max-ziplist-entries": "hash-max-listpack-entries",
	"hash-max-ziplist-value":   "hash-max-listpack-value",
	"list-max-ziplist-size":    "list-max-listpack-size",
	"zset-max-ziplist-entries": "zset-max-listpack-entries",
	"zset-max-ziplist-value":   "zset-max-listpack-value",
	"slave-lazy-flush":         "replica-lazy-flush",
	"slave-read-only":          "replica-read-only",
	"slave-ignore-maxmemory":   "replica-ignore-maxmemory",
}

// Config is the validated configuration of one server.
type Config struct {
	PaceGC            bool // keep the collector's headroom a fixed budget (see gcpace.go)
	IOThreads         int  // GOMAXPROCS, when not set in the environment
	PaceThreads       bool // one more thread while there is background work (see threads.go)
	Port              int
	Bind              []string
	Databases         int
	Dir               string
	LogLevel          string
	LogFile           string
	MaxClients        int
	ProtoMaxBulkLen   int64
	QueryBufLimit     int64
	ReplListenHost    string
	ReplListenPort    int
	PrimaryHost       string
	PrimaryPort       int
	ReplicaOf         string
	HeartbeatInterval int
	ReplTimeout       int
	MaxOperationLog   int
	ReplBacklogSize   int64
	BroadcastAsync    bool
	VerifyIntervalMs  int
	ServeDiverged     bool
	RefuseStale       bool
	RequirePass       string
	ReplPassword      string
	MasterAuth        string
	MasterUser        string
	AllowLegacy       bool
	MaxReplPeers      int
	MaxReplPending    int
	AppendOnly        bool
	AppendFsync       string
	AutoRewritePct    int
	AutoRewriteMin    int64
	SegmentSize       int64
	ConfigFile        string
	PidFile           string
	Supervised        string
	TCPKeepAlive      int // seconds; 0: off
	ProtectedMode     bool
	DebugCommand      resp.Allowance
	ModuleCommand     resp.Allowance
	Timeout           int // seconds; 0: never
	OutputLimit       resp.OutputLimit
	PubSubLimit       resp.OutputLimit
	ReplicaLimit      node.OutputLimit
	TLS               tlsOptions
	Eviction          engine.EvictionConfig
	HashLimits        engine.HashLimits
	CollLimits        engine.CollLimits
	// Ignored lists the inert options (inertOptionTable) the configuration
	// set, which change nothing here, for the start's log.
	Ignored []string
}

// errHelp asks for the option list.
var errHelp = errors.New("help requested")

// errVersion asks for the version.
var errVersion = errors.New("version requested")

// settings holds the current option values. It implements resp.Config.
type settings struct {
	table    []option
	onChange func(name, value string) // called after a successful Set
	ignored  []string                 // inert options set at start, in order

	// file is the config file's absolute path ("": none), which CONFIG
	// REWRITE replaces; role, once the node runs, says what it follows.
	file string
	role func() replicationRole

	rewriteMu sync.Mutex // one CONFIG REWRITE at a time
	// setMu makes each Set, from storing its value to the end of its
	// onChange, one step: an onChange that reads related options (the two
	// slow log options, the two peer limits...) applies the values last
	// stored, whatever other Sets run at the same time.
	setMu  sync.Mutex
	mu     sync.Mutex // guards values
	values map[string]string
	// derived holds the values options had before build() derived them
	// from others (repl-listen-host from bind), which is what CONFIG
	// REWRITE writes while they keep the derived value.
	derived map[string][2]string
}

func newSettings() *settings {
	s := &settings{table: options(), values: map[string]string{}}
	for _, o := range s.table {
		s.values[o.name] = s.mergedLocked(o.name, o.def)
	}
	return s
}

// option finds an option by its name or an alias (in lower case).
func (s *settings) option(name string) (option, bool) {
	if canonical, ok := aliases[name]; ok {
		name = canonical
	}
	for _, o := range s.table {
		if o.name == name {
			return o, true
		}
	}
	return option{}, false
}

// setAtStart sets an option from the command line or config file.
func (s *settings) setAtStart(name, value string) error {
	name = strings.ToLower(name)
	o, ok := s.option(name)
	if !ok {
		return fmt.Errorf("unknown option '%s'", name)
	}
	name = o.name
	if isInert(name) && !slices.Contains(s.ignored, name) {
		s.ignored = append(s.ignored, name)
	}
	if o.check != nil {
		if err := o.check(value); err != nil {
			return fmt.Errorf("invalid value '%s' for option '%s': %v", value, name, err)
		}
	}
	if o.lower {
		value = strings.ToLower(value)
	}
	s.mu.Lock()
	if name == "save" && value != "" && s.values[name] != "" {
		// A file's save lines add up, as in Redis; save "" resets them.
		value = s.values[name] + " " + value
	}
	s.values[name] = s.mergedLocked(name, value)
	s.mu.Unlock()
	return nil
}

// mergedLocked is the value an option takes when value is set:
// client-output-buffer-limit changes only the classes given, as in Redis,
// and is kept in Redis's form; sizes (memoryOptions) are kept in bytes, as
// Redis's CONFIG GET shows them. s.mu must be held.
func (s *settings) mergedLocked(name, value string) string {
	switch name {
	case "client-output-buffer-limit":
		return mergeOutputLimits(s.values[name], value)
	case "hz":
		return clampHz(value) // as Redis keeps it
	case "latency-tracking-info-percentiles":
		return formatPercentiles(value)
	case "notify-keyspace-events":
		// Kept as one letter per class (A spelled out, so that n, which
		// CONFIG GET does not show beside A, is kept too); shown in
		// Redis's form by currentLocked.
		if f, err := resp.ParseKeyspaceEvents(value); err == nil {
			return resp.KeyspaceEventsLetters(f)
		}
	}
	if memoryOptions[name] {
		// Kept in bytes, as Redis's CONFIG GET shows sizes.
		if n, err := parseMemory(value); err == nil {
			if name == "repl-backlog-size" {
				n = replBacklogBytes(n) // shown as it is in force, as in Redis
			}
			return strconv.FormatInt(n, 10)
		}
	}
	return value
}

// Get implements resp.Config.
//
// As Redis: a name without glob characters is looked up in any case and
// answered with the name as given; a pattern matches the options' names
// ignoring case.
func (s *settings) Get(pattern string) [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.ContainsAny(pattern, "[*?") {
		name := strings.ToLower(pattern)
		if canonical, ok := aliases[name]; ok {
			name = canonical
		}
		for _, o := range s.table {
			if o.name == name {
				return [][2]string{{pattern, s.currentLocked(name)}}
			}
		}
		return nil
	}
	var out [][2]string
	match := func(name string) bool { return engine.MatchNoCase(pattern, name) }
	for _, o := range s.table {
		if match(o.name) {
			out = append(out, [2]string{o.name, s.currentLocked(o.name)})
		}
	}
	// An alias answers with its own name, as in Redis.
	for alias, name := range aliases {
		if match(alias) {
			out = append(out, [2]string{alias, s.currentLocked(name)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// currentLocked is an option's value now. The replication role's options
// (replicaof, primary-host, primary-port) answer the role the node has,
// which REPLICAOF changes, rather than the one it started with. s.mu must
// be held.
func (s *settings) currentLocked(name string) string {
	if s.role != nil && roleOptions[name] {
		if v, ok := s.role().value(name); ok {
			return v
		}
	}
	if name == "notify-keyspace-events" {
		// Shown as Redis shows it ("Ex" reads "xE", every class "A").
		if f, err := resp.ParseKeyspaceEvents(s.values[name]); err == nil {
			return resp.KeyspaceEventsString(f)
		}
	}
	return s.values[name]
}

// Set implements resp.Config.
func (s *settings) Set(pairs [][2]string) (string, error) {
	opts := make([]option, len(pairs))
	for i, p := range pairs {
		o, ok := s.option(strings.ToLower(p[0]))
		switch {
		case !ok:
			return p[0], resp.ErrUnknownOption
		case protectedOptions[o.name]:
			return p[0], resp.ErrProtectedOption
		case !o.runtime:
			return p[0], resp.ErrImmutableOption
		case slices.ContainsFunc(pairs[:i], func(prev [2]string) bool { return strings.EqualFold(prev[0], p[0]) }):
			// As Redis 7.0: an alias is an option of its own here.
			return p[0], resp.ErrDuplicateOption
		}
		opts[i] = o
	}
	values := make([]string, len(pairs))
	for i, o := range opts {
		values[i] = pairs[i][1]
		if o.check != nil {
			if err := o.check(values[i]); err != nil {
				return strings.ToLower(pairs[i][0]), fmt.Errorf("%w: %w", resp.ErrBadOptionValue, err)
			}
		}
		if o.lower {
			values[i] = strings.ToLower(values[i])
		}
	}
	s.setMu.Lock()
	defer s.setMu.Unlock()
	s.mu.Lock()
	for i, o := range opts {
		values[i] = s.mergedLocked(o.name, values[i])
		s.values[o.name] = values[i]
	}
	s.mu.Unlock()
	if s.onChange != nil {
		for i, o := range opts {
			s.onChange(o.name, values[i])
		}
	}
	return "", nil
}

func (s *settings) value(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[name]
}

// parseArgs reads `[config-file] [--name value ...]` and the environment
// into settings. Command-line options override the file.
func parseArgs(args []string, getenv func(string) string) (*settings, string, error) {
	s := newSettings()
	file := ""
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "help":
			return nil, "", errHelp
		case "-v", "--version":
			return nil, "", errVersion
		}
		if !strings.HasPrefix(args[0], "--") {
			file = args[0]
			args = args[1:]
			if err := loadFile(s, file); err != nil {
				return nil, "", err
			}
			// As Redis, the file is known by its absolute path: CONFIG
			// REWRITE replaces it wherever the working directory is.
			if abs, err := filepath.Abs(file); err == nil {
				file = abs
			}
			s.file = file
		}
	}
	if h := getenv("PRIMARY_HOST"); h != "" {
		if err := s.setAtStart("primary-host", h); err != nil {
			return nil, "", fmt.Errorf("PRIMARY_HOST: %w", err)
		}
	}
	if p := getenv("PRIMARY_PORT"); p != "" {
		if err := s.setAtStart("primary-port", p); err != nil {
			return nil, "", fmt.Errorf("PRIMARY_PORT: %w", err)
		}
	}
	for i := 0; i < len(args); {
		a := args[i]
		switch a {
		case "--help", "-h":
			return nil, "", errHelp
		case "--version", "-v":
			return nil, "", errVersion
		}
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			return nil, "", fmt.Errorf("unexpected argument '%s': options are written --name value", a)
		}
		name := a[2:]
		var vals []string
		for i++; i < len(args) && !strings.HasPrefix(args[i], "--"); i++ {
			vals = append(vals, args[i])
		}
		if err := s.setAtStart(name, strings.Join(vals, " ")); err != nil {
			return nil, "", err
		}
	}
	return s, file, nil
}

// loadFile reads a redis.conf-style file: one `name value` per line, '#'
// comments, values optionally in double quotes.
func loadFile(s *settings, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	// Every line that does not apply is reported at once, so that a
	// redis.conf is fixed in one go rather than one line per start.
	var bad []string
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, value := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			name, value = line[:i], strings.TrimSpace(line[i+1:])
		}
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if err := s.setAtStart(name, value); err != nil {
			bad = append(bad, fmt.Sprintf("%s:%d: %v", file, n, err))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("config file %s:%d: %w", file, n+1, err)
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return errors.New(bad[0])
	}
	return fmt.Errorf("%d lines of the config file do not apply:\n  %s", len(bad), strings.Join(bad, "\n  "))
}

// build validates the settings as a whole and returns the typed Config.
func build(s *settings, file string) (Config, error) {
	v := s.value
	atoi := func(name string) int { n, _ := strconv.Atoi(v(name)); return n }
	mem := func(name string) int64 { n, _ := parseMemory(v(name)); return n }
	c := Config{
		Port:              atoi("port"),
		Bind:              strings.Fields(v("bind")),
		Databases:         atoi("databases"),
		Dir:               v("dir"),
		LogLevel:          strings.ToLower(v("loglevel")),
		LogFile:           v("logfile"),
		MaxClients:        atoi("maxclients"),
		IOThreads:         atoi("io-threads"),
		ProtoMaxBulkLen:   mem("proto-max-bulk-len"),
		QueryBufLimit:     mem("client-query-buffer-limit"),
		ReplListenHost:    v("repl-listen-host"),
		ReplListenPort:    atoi("repl-listen-port"),
		PrimaryHost:       v("primary-host"),
		PrimaryPort:       atoi("primary-port"),
		ReplicaOf:         v("replicaof"),
		HeartbeatInterval: atoi("heartbeat-interval"),
		ReplTimeout:       atoi("repl-timeout"),
		MaxOperationLog:   atoi("max-operation-log"),
		ReplBacklogSize:   mem("repl-backlog-size"),
		BroadcastAsync:    strings.EqualFold(v("broadcast-async"), "yes"),
		VerifyIntervalMs:  atoi("repl-verify-interval"),
		RequirePass:       v("requirepass"),
		ReplPassword:      v("repl-password"),
		MasterAuth:        v("masterauth"),
		MasterUser:        v("masteruser"),
		AllowLegacy:       strings.EqualFold(v("repl-allow-legacy"), "yes"),
		MaxReplPeers:      atoi("repl-max-peers"),
		MaxReplPending:    atoi("repl-max-unauthenticated"),
		ServeDiverged:     strings.EqualFold(v("replica-serve-diverged-data"), "yes"),
		RefuseStale:       strings.EqualFold(v("replica-serve-stale-data"), "no"),
		AppendOnly:        strings.EqualFold(v("appendonly"), "yes"),
		AppendFsync:       strings.ToLower(v("appendfsync")),
		AutoRewritePct:    atoi("auto-aof-rewrite-percentage"),
		AutoRewriteMin:    mem("auto-aof-rewrite-min-size"),
		SegmentSize:       mem("aof-segment-size"),
		ConfigFile:        file,
		PidFile:           v("pidfile"),
		Supervised:        v("supervised"),
		TCPKeepAlive:      atoi("tcp-keepalive"),
		ProtectedMode:     strings.EqualFold(v("protected-mode"), "yes"),
		DebugCommand:      allowance(v("enable-debug-command")),
		ModuleCommand:     allowance(v("enable-module-command")),
		Timeout:           atoi("timeout"),
		OutputLimit:       normalOutputLimit(v("client-output-buffer-limit")),
		PubSubLimit:       pubsubOutputLimit(v("client-output-buffer-limit")),
		ReplicaLimit:      replicaOutputLimit(v("client-output-buffer-limit")),
		TLS:               tlsOptionsOf(v),
		Eviction:          evictionOf(v),
		HashLimits:        hashLimitsOf(v),
		CollLimits:        collLimitsOf(v),
		Ignored:           s.ignored,
	}
	if c.PidFile != "" {
		abs, err := filepath.Abs(c.PidFile)
		if err != nil {
			return c, fmt.Errorf("option 'pidfile': %w", err)
		}
		c.PidFile = abs
	}
	// Like redis-server, a directory that does not exist is an error (a
	// typo must not start an empty dataset), and CONFIG GET dir answers
	// an absolute path.
	abs, err := filepath.Abs(c.Dir)
	if err != nil {
		return c, fmt.Errorf("option 'dir': %w", err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		reason := "Not a directory"
		if err != nil {
			reason = "No such file or directory"
			if !errors.Is(err, os.ErrNotExist) {
				reason = err.Error()
			}
		}
		return c, fmt.Errorf("option 'dir': Can't chdir to '%s': %s", c.Dir, reason)
	}
	c.Dir = abs
	s.mu.Lock()
	s.values["dir"] = abs
	s.mu.Unlock()
	if c.ReplListenHost == "" && len(c.Bind) > 0 {
		c.ReplListenHost = c.Bind[0]
		s.mu.Lock()
		s.values["repl-listen-host"] = c.ReplListenHost
		s.derived = map[string][2]string{"repl-listen-host": {"", c.ReplListenHost}}
		s.mu.Unlock()
	}
	if c.PrimaryHost != "" && c.ReplicaOf != "" {
		return c, errors.New("options 'primary-host' and 'replicaof' name two primaries: give one")
	}
	if c.ReplListenPort != 0 && c.ReplListenPort == c.Port {
		return c, fmt.Errorf("option 'repl-listen-port' (%d) must differ from 'port'", c.ReplListenPort)
	}
	if err := checkPorts(c.Port, c.ReplListenPort, c.TLS); err != nil {
		return c, err
	}
	return c, nil
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage: nadb-server [/path/to/nadb.conf] [--name value ...]\n")
	fmt.Fprintf(w, "       nadb-server check-log <data directory or log segment> [--fix] [--databases N]\n\n")
	fmt.Fprintf(w, "Options (the same names work in the config file, one 'name value' per line):\n")
	var inert []string
	for _, o := range options() {
		if isInert(o.name) {
			inert = append(inert, o.name)
			continue
		}
		def := o.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  --%-26s %s (default %s)\n", o.name, o.help, def)
	}
	fmt.Fprintf(w, "\nAccepted with redis-server's defaults and ranges, shown by CONFIG GET, changing nothing here\n(tuning of redis-server's own mechanisms):\n")
	line := " "
	for _, name := range inert {
		if len(line)+1+len(name) > 100 {
			fmt.Fprintln(w, line)
			line = " "
		}
		line += " " + name
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "\nEnvironment: PRIMARY_HOST and PRIMARY_PORT set primary-host and primary-port.\n")
}

func checkPort(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("must be a port number between 1 and 65535")
	}
	return nil
}

func checkPortOrZero(v string) error {
	if v == "0" {
		return nil
	}
	return checkPort(v)
}

func checkIntRange(lo, hi int) func(string) error {
	return func(v string) error {
		n, ok := engine.ParseInt([]byte(v)) // string2ll, as Redis reads one
		if !ok {
			return resp.ErrOptionNotInteger
		}
		if n < int64(lo) || n > int64(hi) {
			return &resp.OptionRangeError{Min: int64(lo), Max: int64(hi)}
		}
		return nil
	}
}

// checkRedisInt checks an integer option with Redis's CONFIG SET reasons.
func checkRedisInt(lo, hi int64) func(string) error {
	return func(v string) error {
		n, ok := engine.ParseInt([]byte(v)) // string2ll, as Redis reads one
		if !ok {
			return resp.ErrOptionNotInteger
		}
		if n < lo || n > hi {
			return &resp.OptionRangeError{Min: lo, Max: hi}
		}
		return nil
	}
}

func checkEnum(values ...string) func(string) error {
	return func(v string) error {
		for _, x := range values {
			if strings.EqualFold(v, x) {
				return nil
			}
		}
		return &resp.OptionEnumError{Values: values}
	}
}

func checkMemory(min int64) func(string) error {
	return func(v string) error {
		n, err := parseMemory(v)
		if errors.Is(err, errMemoryRange) {
			return &resp.OptionRangeError{Min: min, Max: math.MaxInt64}
		}
		if err != nil {
			return resp.ErrOptionNotMemory
		}
		if n < min {
			return &resp.OptionRangeError{Min: min, Max: math.MaxInt64}
		}
		return nil
	}
}

// checkSave checks save's value as Redis does: pairs of seconds and
// changes, non-negative integers separated by single spaces, or nothing.
func checkSave(v string) error {
	if v == "" {
		return nil
	}
	f := strings.Split(v, " ")
	ok := len(f)%2 == 0
	for _, x := range f {
		n, err := strconv.ParseInt(x, 10, 64)
		ok = ok && err == nil && n >= 0
	}
	if !ok {
		return &resp.OptionValueError{Reason: "Invalid save parameters"}
	}
	return nil
}

func checkBind(v string) error {
	f := strings.Fields(v)
	if len(f) == 0 {
		return errors.New("needs at least one address")
	}
	for _, a := range f {
		if a != "*" && net.ParseIP(strings.TrimPrefix(a, "-")) == nil && a != "localhost" {
			return fmt.Errorf("'%s' is not an IP address", a)
		}
	}
	return nil
}

func checkDir(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// checkOnly accepts one value (any letter case) and refuses every other
// with why.
func checkKeyspaceEvents(v string) error {
	_, err := resp.ParseKeyspaceEvents(v)
	return err
}

func checkOnly(value, why string) func(string) error {
	return func(v string) error {
		if !strings.EqualFold(v, value) {
			return errors.New(why)
		}
		return nil
	}
}

func checkReplicaOf(v string) error {
	if v == "" {
		return nil
	}
	f := strings.Fields(v)
	if len(f) != 2 {
		return errors.New(`must be "<host> <port>"`)
	}
	return checkPort(f[1])
}

// parseMemory reads Redis memory units: 1k = 1000, 1kb = 1024, and so on.
func parseMemory(v string) (int64, error) {
	n, err := memtoull(v)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 {
		return 0, fmt.Errorf("%w: '%s' is larger than a memory size may be (like 512mb)", errMemoryRange, v)
	}
	return int64(n), nil
}

// errMemoryRange: a memory value beyond what a setting can hold.
var errMemoryRange = errors.New("memory value out of range")

// memtoull reads a memory value as Redis does: digits (none reads as 0),
// then a unit in any case (none or b, k, kb, m, mb, g, gb), and nothing
// else: no sign, no space. A value beyond 64 bits reads as the largest.
func memtoull(v string) (uint64, error) {
	bad := fmt.Errorf("'%s' is not a memory size (like 512mb)", v)
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	var mult uint64
	switch strings.ToLower(v[i:]) {
	case "", "b":
		mult = 1
	case "k":
		mult = 1000
	case "kb":
		mult = 1 << 10
	case "m":
		mult = 1000 * 1000
	case "mb":
		mult = 1 << 20
	case "g":
		mult = 1000 * 1000 * 1000
	case "gb":
		mult = 1 << 30
	default:
		return 0, bad
	}
	if i == 0 {
		return 0, nil
	}
	n, err := strconv.ParseUint(v[:i], 10, 64)
	if err != nil || n > math.MaxUint64/mult {
		// Too large: out of every setting's range (Redis reads digits
		// beyond 64 bits as the largest value, and lets a unit wrap).
		return math.MaxUint64, nil
	}
	return n * mult, nil
}

// minReplBacklog is the smallest repl-backlog-size in force: a smaller
// value is accepted and becomes this, as in Redis.
const minReplBacklog = 16 << 10

// replBacklogBytes is the byte bound of the operation log for a
// repl-backlog-size of v.
func replBacklogBytes(v int64) int64 { return max(v, minReplBacklog) }

// allowance reads a checked enable-*-command value.
func allowance(v string) resp.Allowance {
	a, _ := resp.ParseAllowance(v)
	return a
}
