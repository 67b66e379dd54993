package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/node"
	"github.com/nadb-server/nadb-server/resp"
)

// noEnv is a getenv with nothing set.
func noEnv(string) string { return "" }

// envOf returns a getenv that reads m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeConfig writes content to a fresh config file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nadb.conf")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// load runs the start-up path short of serving: parseArgs, then build.
func load(args []string, getenv func(string) string) (Config, error) {
	s, file, err := parseArgs(args, getenv)
	if err != nil {
		return Config{}, err
	}
	return build(s, file)
}

// mustLoad is load for configurations that must be accepted.
func mustLoad(t *testing.T, args []string, getenv func(string) string) Config {
	t.Helper()
	c, err := load(args, getenv)
	require.NoError(t, err)
	return c
}

// defaultConfig is the Config of a server started with no options at all.
func defaultConfig() Config {
	return Config{
		Port:              6379,
		Bind:              []string{"127.0.0.1"},
		Databases:         16,
		Dir:               cwd(),
		LogLevel:          "notice",
		LogFile:           "",
		MaxClients:        10000,
		IOThreads:         1,
		ProtoMaxBulkLen:   512 << 20,
		QueryBufLimit:     1 << 30,
		ReplListenHost:    "127.0.0.1",
		ReplListenPort:    9000,
		PrimaryHost:       "",
		PrimaryPort:       9000,
		ReplicaOf:         "",
		HeartbeatInterval: 5,
		ReplTimeout:       60,
		MaxOperationLog:   10000,
		ReplBacklogSize:   64 << 20,
		BroadcastAsync:    true,
		VerifyIntervalMs:  100,
		MaxReplPeers:      128,
		MaxReplPending:    16,
		AppendOnly:        true,
		AppendFsync:       "everysec",
		AutoRewritePct:    100,
		AutoRewriteMin:    64 << 20,
		SegmentSize:       64 << 20,
		ConfigFile:        "",
		Supervised:        "no",
		TCPKeepAlive:      300,
		ProtectedMode:     true,
		TLS:               tlsOptions{AuthClients: "yes"},
		ReplicaLimit:      node.DefaultReplicaOutputLimit,
		PubSubLimit:       resp.OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
		Eviction:          engine.DefaultEviction,
		HashLimits:        engine.DefaultHashLimits,
		CollLimits:        engine.DefaultCollLimits,
	}
}

// cwd is the absolute path of the working directory, which dir "." names.
func cwd() string {
	d, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return d
}

func TestDefaults(t *testing.T) {
	t.Run("typed config", func(t *testing.T) {
		require.Equal(t, defaultConfig(), mustLoad(t, nil, noEnv))
	})
	t.Run("empty argument list", func(t *testing.T) {
		require.Equal(t, defaultConfig(), mustLoad(t, []string{}, noEnv))
	})
	t.Run("settings hold the table defaults", func(t *testing.T) {
		s, file, err := parseArgs(nil, noEnv)
		require.NoError(t, err)
		require.Empty(t, file)
		want := map[string]string{
			"port":              "6379",
			"bind":              "127.0.0.1",
			"repl-listen-host":  "",
			"repl-listen-port":  "9000",
			"primary-port":      "9000",
			"max-operation-log": "10000",
			"broadcast-async":   "yes",
			"appendfsync":       "everysec",
			"appendonly":        "yes",
			"loglevel":          "notice",
		}
		for name, v := range want {
			require.Equal(t, [][2]string{{name, v}}, s.Get(name), name)
		}
		for _, o := range options() {
			def := o.def
			if n, err := parseMemory(def); err == nil && memoryOptions[o.name] {
				def = strconv.FormatInt(n, 10) // sizes are kept in bytes
			}
			require.Equal(t, def, s.value(o.name), o.name)
		}
	})
	t.Run("every default passes its own check", func(t *testing.T) {
		for _, o := range options() {
			if o.check != nil {
				require.NoError(t, o.check(o.def), o.name)
			}
		}
	})
	t.Run("option names are unique and lower case", func(t *testing.T) {
		seen := map[string]bool{}
		for _, o := range options() {
			require.False(t, seen[o.name], "duplicate option %q", o.name)
			seen[o.name] = true
			require.Equal(t, strings.ToLower(o.name), o.name)
			if !isInert(o.name) {
				require.NotEmpty(t, o.help, o.name)
			}
		}
	})

	replHost := []struct {
		name string
		args []string
		want string
	}{
		{"default bind", nil, "127.0.0.1"},
		{"single bind", []string{"--bind", "10.1.2.3"}, "10.1.2.3"},
		{"first of two binds", []string{"--bind", "::1 127.0.0.1"}, "::1"},
		{"explicit repl-listen-host wins", []string{"--bind", "::1", "--repl-listen-host", "10.0.0.7"}, "10.0.0.7"},
	}
	for _, tc := range replHost {
		t.Run("repl-listen-host/"+tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, mustLoad(t, tc.args, noEnv).ReplListenHost)
		})
	}
}

func TestCommandLineOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		mod  func(c *Config)
	}{
		{"port", []string{"--port", "6380"}, func(c *Config) { c.Port = 6380 }},
		{"bind one address", []string{"--bind", "0.0.0.0"}, func(c *Config) {
			c.Bind, c.ReplListenHost = []string{"0.0.0.0"}, "0.0.0.0"
		}},
		{"bind quoted list", []string{"--bind", "127.0.0.1 ::1"}, func(c *Config) {
			c.Bind = []string{"127.0.0.1", "::1"}
		}},
		{"bind as separate words", []string{"--bind", "127.0.0.1", "::1"}, func(c *Config) {
			c.Bind = []string{"127.0.0.1", "::1"}
		}},
		{"bind star and localhost", []string{"--bind", "localhost", "*", "-::1"}, func(c *Config) {
			c.Bind, c.ReplListenHost = []string{"localhost", "*", "-::1"}, "localhost"
		}},
		{"databases", []string{"--databases", "4"}, func(c *Config) { c.Databases = 4 }},
		{"dir", []string{"--dir", "/tmp"}, func(c *Config) { c.Dir = "/tmp" }},
		{"relative dir is made absolute", []string{"--dir", "testdata"}, func(c *Config) { c.Dir = filepath.Join(cwd(), "testdata") }},
		{"loglevel", []string{"--loglevel", "debug"}, func(c *Config) { c.LogLevel = "debug" }},
		{"loglevel upper case", []string{"--loglevel", "WARNING"}, func(c *Config) { c.LogLevel = "warning" }},
		{"logfile", []string{"--logfile", "/tmp/nadb.log"}, func(c *Config) { c.LogFile = "/tmp/nadb.log" }},
		{"logfile without value is empty", []string{"--logfile"}, func(c *Config) {}},
		{"maxclients", []string{"--maxclients", "5"}, func(c *Config) { c.MaxClients = 5 }},
		{"proto-max-bulk-len", []string{"--proto-max-bulk-len", "1mb"}, func(c *Config) { c.ProtoMaxBulkLen = 1 << 20 }},
		{"client-query-buffer-limit", []string{"--client-query-buffer-limit", "2gb"}, func(c *Config) { c.QueryBufLimit = 2 << 30 }},
		{"repl-listen-host", []string{"--repl-listen-host", "10.0.0.1"}, func(c *Config) { c.ReplListenHost = "10.0.0.1" }},
		{"repl-listen-port", []string{"--repl-listen-port", "9100"}, func(c *Config) { c.ReplListenPort = 9100 }},
		{"primary-host and primary-port", []string{"--primary-host", "db1", "--primary-port", "9200"}, func(c *Config) {
			c.PrimaryHost, c.PrimaryPort = "db1", 9200
		}},
		{"replicaof as two words", []string{"--replicaof", "127.0.0.1", "6380"}, func(c *Config) { c.ReplicaOf = "127.0.0.1 6380" }},
		{"replicaof as one quoted word", []string{"--replicaof", "127.0.0.1 6380"}, func(c *Config) { c.ReplicaOf = "127.0.0.1 6380" }},
		{"heartbeat-interval", []string{"--heartbeat-interval", "2"}, func(c *Config) { c.HeartbeatInterval = 2 }},
		{"repl-timeout", []string{"--repl-timeout", "10"}, func(c *Config) { c.ReplTimeout = 10 }},
		{"repl-verify-interval", []string{"--repl-verify-interval", "0"}, func(c *Config) { c.VerifyIntervalMs = 0 }},
		{"replica-serve-diverged-data", []string{"--replica-serve-diverged-data", "YES"}, func(c *Config) { c.ServeDiverged = true }},
		{"max-operation-log", []string{"--max-operation-log", "5"}, func(c *Config) { c.MaxOperationLog = 5 }},
		{"broadcast-async no", []string{"--broadcast-async", "no"}, func(c *Config) { c.BroadcastAsync = false }},
		{"broadcast-async upper case", []string{"--broadcast-async", "NO"}, func(c *Config) { c.BroadcastAsync = false }},
		{"save multi-word", []string{"--save", "900", "1", "300", "10"}, func(c *Config) {}},
		{"appendonly", []string{"--appendonly", "no"}, func(c *Config) { c.AppendOnly = false }},
		{"appendonly upper case", []string{"--appendonly", "No"}, func(c *Config) { c.AppendOnly = false }},
		{"appendfsync", []string{"--appendfsync", "always"}, func(c *Config) { c.AppendFsync = "always" }},
		{"appendfsync upper case", []string{"--appendfsync", "EVERYSEC"}, func(c *Config) { c.AppendFsync = "everysec" }},
		{"option name upper case", []string{"--PORT", "6381"}, func(c *Config) { c.Port = 6381 }},
		{"option name mixed case", []string{"--Max-Operation-Log", "7"}, func(c *Config) { c.MaxOperationLog = 7 }},
		{"later wins", []string{"--port", "1000", "--port", "2000"}, func(c *Config) { c.Port = 2000 }},
		{"negative-looking value is a value", []string{"--bind", "-127.0.0.1"}, func(c *Config) {
			c.Bind, c.ReplListenHost = []string{"-127.0.0.1"}, "-127.0.0.1"
		}},
		{"maxmemory and its policy", []string{"--maxmemory", "1gb", "--maxmemory-policy", "ALLKEYS-LFU", "--maxmemory-samples", "10", "--lfu-log-factor", "0", "--lfu-decay-time", "0"}, func(c *Config) {
			c.Eviction = engine.EvictionConfig{MaxMemory: 1 << 30, Policy: engine.AllKeysLFU, Samples: 10}
		}},
		{"maxmemory in decimal units", []string{"--maxmemory", "100m"}, func(c *Config) { c.Eviction.MaxMemory = 100_000_000 }},
		{"volatile-ttl", []string{"--maxmemory-policy", "volatile-ttl"}, func(c *Config) { c.Eviction.Policy = engine.VolatileTTL }},
		{"replica-ignore-maxmemory yes", []string{"--replica-ignore-maxmemory", "yes"}, func(c *Config) {}},
		{"several options", []string{"--port", "7000", "--repl-listen-port", "7001", "--databases", "2", "--appendfsync", "no"}, func(c *Config) {
			c.Port, c.ReplListenPort, c.Databases, c.AppendFsync = 7000, 7001, 2, "no"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := defaultConfig()
			tc.mod(&want)
			require.Equal(t, want, mustLoad(t, tc.args, noEnv))
		})
	}
}

func TestCommandLineKeepsRawValueForConfigGet(t *testing.T) {
	s, _, err := parseArgs([]string{"--save", "900", "1", "300", "10", "--replicaof", "10.0.0.1", "6380"}, noEnv)
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"save", "900 1 300 10"}}, s.Get("save"))
	require.Equal(t, [][2]string{{"replicaof", "10.0.0.1 6380"}}, s.Get("replicaof"))
}

func TestConfigFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		extra   []string // command-line options after the file
		mod     func(c *Config)
	}{
		{
			name: "comments blank lines and quoted values",
			content: "# nadb test configuration\n" +
				"\n" +
				"port 6390\n" +
				"   # an indented comment\n" +
				"bind \"127.0.0.1 ::1\"\n" +
				"\n" +
				"   databases    8   \n" +
				"logfile \"\"\n" +
				"dir \"/tmp\"\n" +
				"replicaof 10.0.0.2 6379\n" +
				"save \"\"\n" +
				"appendfsync EVERYSEC\n" +
				"broadcast-async no\n",
			mod: func(c *Config) {
				c.Port = 6390
				c.Bind = []string{"127.0.0.1", "::1"}
				c.Databases = 8
				c.Dir = "/tmp"
				c.ReplicaOf = "10.0.0.2 6379"
				c.BroadcastAsync = false
			},
		},
		{
			name:    "upper-case names",
			content: "PORT 6391\nMaxClients 12\n",
			mod:     func(c *Config) { c.Port, c.MaxClients = 6391, 12 },
		},
		{
			name:    "CRLF line endings",
			content: "port 6392\r\nloglevel verbose\r\n",
			mod:     func(c *Config) { c.Port, c.LogLevel = 6392, "verbose" },
		},
		{
			name:    "no final newline",
			content: "port 6393",
			mod:     func(c *Config) { c.Port = 6393 },
		},
		{
			name:    "later line wins",
			content: "port 6394\nport 6395\n",
			mod:     func(c *Config) { c.Port = 6395 },
		},
		{
			name:    "empty file",
			content: "",
			mod:     func(c *Config) {},
		},
		{
			name:    "name with no value",
			content: "logfile\n",
			mod:     func(c *Config) {},
		},
		{
			name:    "command line after the file",
			content: "port 6396\nmaxclients 50\n",
			extra:   []string{"--port", "6397"},
			mod:     func(c *Config) { c.Port, c.MaxClients = 6397, 50 },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeConfig(t, tc.content)
			want := defaultConfig()
			tc.mod(&want)
			want.ReplListenHost = want.Bind[0]
			want.ConfigFile = file
			require.Equal(t, want, mustLoad(t, append([]string{file}, tc.extra...), noEnv))
		})
	}
}

// TestConfigFileTabSeparator: redis.conf separates a name from its value
// by any white space (sdssplitargs), so a tab must work as well as a space.
func TestConfigFileTabSeparator(t *testing.T) {
	file := writeConfig(t, "port\t6398\nbind\t\"127.0.0.1 ::1\"\n")
	c, err := load([]string{file}, noEnv)
	require.NoError(t, err)
	require.Equal(t, 6398, c.Port)
	require.Equal(t, []string{"127.0.0.1", "::1"}, c.Bind)
}

func TestPrecedence(t *testing.T) {
	const file = "primary-host from-file\nprimary-port 9001\nport 6001\n"
	tests := []struct {
		name     string
		withFile bool
		env      map[string]string
		args     []string
		wantHost string
		wantPort int // primary-port
		wantResp int // port
	}{
		{"defaults", false, nil, nil, "", 9000, 6379},
		{"file", true, nil, nil, "from-file", 9001, 6001},
		{"environment alone", false, map[string]string{"PRIMARY_HOST": "from-env", "PRIMARY_PORT": "9002"}, nil, "from-env", 9002, 6379},
		{"environment over file", true, map[string]string{"PRIMARY_HOST": "from-env", "PRIMARY_PORT": "9002"}, nil, "from-env", 9002, 6001},
		{"environment host only keeps file port", true, map[string]string{"PRIMARY_HOST": "from-env"}, nil, "from-env", 9001, 6001},
		{"empty environment leaves file", true, map[string]string{"PRIMARY_HOST": "", "PRIMARY_PORT": ""}, nil, "from-file", 9001, 6001},
		{"command line over file", true, nil, []string{"--primary-host", "from-cmd", "--port", "6002"}, "from-cmd", 9001, 6002},
		{"command line over environment", false, map[string]string{"PRIMARY_HOST": "from-env", "PRIMARY_PORT": "9002"},
			[]string{"--primary-host", "from-cmd", "--primary-port", "9003"}, "from-cmd", 9003, 6379},
		{"command line over environment over file", true, map[string]string{"PRIMARY_HOST": "from-env", "PRIMARY_PORT": "9002"},
			[]string{"--primary-port", "9003", "--port", "6003"}, "from-env", 9003, 6003},
		{"command line clears environment", false, map[string]string{"PRIMARY_HOST": "from-env"},
			[]string{"--primary-host", ""}, "", 9000, 6379},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			if tc.withFile {
				args = append(args, writeConfig(t, file))
			}
			args = append(args, tc.args...)
			c := mustLoad(t, args, envOf(tc.env))
			require.Equal(t, tc.wantHost, c.PrimaryHost)
			require.Equal(t, tc.wantPort, c.PrimaryPort)
			require.Equal(t, tc.wantResp, c.Port)
		})
	}
}

func TestEnvironmentNamesRead(t *testing.T) {
	var asked []string
	getenv := func(k string) string { asked = append(asked, k); return "" }
	_, _, err := parseArgs(nil, getenv)
	require.NoError(t, err)
	sort.Strings(asked)
	require.Equal(t, []string{"PRIMARY_HOST", "PRIMARY_PORT"}, asked)
}

// TestRefusals checks every kind of refused configuration, both through
// parseArgs/build and through run, whose exit status must be 1 and whose
// standard error must carry the same message. None of these reaches serve.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.conf")
	tests := []struct {
		name string
		file string   // config file content; "" for none
		args []string // after the config file, if any
		env  map[string]string
		want []string // substrings of the message; "$FILE" is the file's path
	}{
		{name: "unknown option", args: []string{"--no-such-option", "1"}, want: []string{"unknown option 'no-such-option'"}},
		{name: "unknown option upper case", args: []string{"--NOPE"}, want: []string{"unknown option 'nope'"}},
		{name: "unknown option after good ones", args: []string{"--port", "7000", "--prot", "7001"}, want: []string{"unknown option 'prot'"}},
		{name: "port not a number", args: []string{"--port", "abc"}, want: []string{"option 'port'", "'abc'", "between 1 and 65535"}},
		{name: "port zero", args: []string{"--port", "0"}, want: []string{"option 'port'", "'0'"}},
		{name: "port too big", args: []string{"--port", "70000"}, want: []string{"option 'port'", "'70000'"}},
		{name: "port missing value", args: []string{"--port"}, want: []string{"option 'port'"}},
		{name: "port two words", args: []string{"--port", "6379", "6380"}, want: []string{"option 'port'", "'6379 6380'"}},
		{name: "repl-listen-port bad", args: []string{"--repl-listen-port", "-1"}, want: []string{"option 'repl-listen-port'"}},
		{name: "primary-port bad", args: []string{"--primary-port", "65536"}, want: []string{"option 'primary-port'"}},
		{name: "memory size unit", args: []string{"--proto-max-bulk-len", "12xb"}, want: []string{"option 'proto-max-bulk-len'", "'12xb'", "argument must be a memory value"}},
		{name: "memory size not a number", args: []string{"--client-query-buffer-limit", "lots"}, want: []string{"option 'client-query-buffer-limit'", "'lots'"}},
		{name: "memory size too small", args: []string{"--proto-max-bulk-len", "1000"}, want: []string{"option 'proto-max-bulk-len'", "argument must be between 1048576 and 9223372036854775807 inclusive"}},
		{name: "query buffer too small", args: []string{"--client-query-buffer-limit", "1kb"}, want: []string{"option 'client-query-buffer-limit'", "argument must be between 1048576 and 9223372036854775807 inclusive"}},
		{name: "enum loglevel", args: []string{"--loglevel", "loud"}, want: []string{"option 'loglevel'", "'loud'", "debug, verbose, notice, warning"}},
		{name: "enum appendfsync", args: []string{"--appendfsync", "sometimes"}, want: []string{"option 'appendfsync'", "one of the following: everysec, always, no"}},
		{name: "enum broadcast-async", args: []string{"--broadcast-async", "true"}, want: []string{"option 'broadcast-async'", "argument must be 'yes' or 'no'"}},
		{name: "enum appendonly", args: []string{"--appendonly", "1"}, want: []string{"option 'appendonly'"}},
		{name: "databases zero", args: []string{"--databases", "0"}, want: []string{"option 'databases'", "between 1 and 1048576"}},
		{name: "maxclients too big", args: []string{"--maxclients", "4294967296"}, want: []string{"option 'maxclients'"}},
		{name: "heartbeat-interval too big", args: []string{"--heartbeat-interval", "2147483648"}, want: []string{"option 'heartbeat-interval'", "between 1 and 2147483647"}},
		{name: "repl-timeout zero", args: []string{"--repl-timeout", "0"}, want: []string{"option 'repl-timeout'"}},
		{name: "max-operation-log zero", args: []string{"--max-operation-log", "0"}, want: []string{"option 'max-operation-log'"}},
		{name: "max-operation-log not integer", args: []string{"--max-operation-log", "1e4"}, want: []string{"option 'max-operation-log'"}},
		{name: "bind not an address", args: []string{"--bind", "127.0.0.1 999.1.1.1"}, want: []string{"option 'bind'", "'999.1.1.1' is not an IP address"}},
		{name: "bind empty", args: []string{"--bind", ""}, want: []string{"option 'bind'"}},
		{name: "dir empty", args: []string{"--dir", ""}, want: []string{"option 'dir'"}},
		{name: "replicaof one word", args: []string{"--replicaof", "127.0.0.1"}, want: []string{"option 'replicaof'"}},
		{name: "replicaof bad port", args: []string{"--replicaof", "127.0.0.1", "99999"}, want: []string{"option 'replicaof'"}},
		{name: "bare double dash", args: []string{"--"}, want: []string{"unexpected argument '--'"}},
		{name: "bare argument after config file", file: "port 6400\n", args: []string{"stray"}, want: []string{"unexpected argument 'stray'"}},
		{name: "single-dash option after config file", file: "port 6400\n", args: []string{"-p", "6401"}, want: []string{"unexpected argument '-p'"}},
		{name: "missing config file", args: nil, want: []string{"config file", missing}},
		{name: "config file is a directory", args: nil, want: []string{dir}},
		{name: "bad line in config file: unknown option", file: "port 6400\n\nbogus 1\n", want: []string{"$FILE:3:", "unknown option 'bogus'"}},
		{name: "bad line in config file: bad value", file: "# comment\nport abc\n", want: []string{"$FILE:2:", "option 'port'", "'abc'"}},
		{name: "bad line in config file: unquoted-only quote", file: "bind \"\n", want: []string{"$FILE:1:", "option 'bind'"}},
		{name: "PRIMARY_PORT not a number", env: map[string]string{"PRIMARY_PORT": "abc"}, want: []string{"PRIMARY_PORT", "option 'primary-port'", "'abc'"}},
		{name: "primary-host with replicaof", args: []string{"--primary-host", "db1", "--replicaof", "db2", "6379"}, want: []string{"'primary-host'", "'replicaof'"}},
		{name: "PRIMARY_HOST with replicaof", env: map[string]string{"PRIMARY_HOST": "db1"}, args: []string{"--replicaof", "db2", "6379"}, want: []string{"'primary-host'", "'replicaof'"}},
		{name: "primary-host with replicaof in file", file: "primary-host db1\nreplicaof db2 6379\n", want: []string{"'primary-host'", "'replicaof'"}},
		{name: "repl-listen-port equal to default port", args: []string{"--repl-listen-port", "6379"}, want: []string{"'repl-listen-port' (6379)", "'port'"}},
		{name: "maxmemory not a size", args: []string{"--maxmemory", "lots"}, want: []string{"option 'maxmemory'", "'lots'"}},
		{name: "maxmemory-policy unknown", args: []string{"--maxmemory-policy", "lru"}, want: []string{"option 'maxmemory-policy'", "one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"}},
		{name: "maxmemory-samples zero", args: []string{"--maxmemory-samples", "0"}, want: []string{"option 'maxmemory-samples'", "between 1 and 2147483647"}},
		{name: "lfu-log-factor negative", args: []string{"--lfu-log-factor", "-1"}, want: []string{"option 'lfu-log-factor'", "between 0 and 2147483647"}},
		{name: "replica-ignore-maxmemory no", args: []string{"--replica-ignore-maxmemory", "no"}, want: []string{"option 'replica-ignore-maxmemory'", "never evicts on its own"}},
		{name: "port equal to default repl-listen-port", args: []string{"--port", "9000"}, want: []string{"'repl-listen-port' (9000)", "'port'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			path := ""
			switch {
			case tc.file != "":
				path = writeConfig(t, tc.file)
			case tc.name == "missing config file":
				path = missing
			case tc.name == "config file is a directory":
				path = dir
			}
			if path != "" {
				args = append(args, path)
			}
			args = append(args, tc.args...)
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "$FILE", path)
			}

			_, err := load(args, envOf(tc.env))
			require.Error(t, err)
			for _, w := range want {
				require.Contains(t, err.Error(), w)
			}

			var stdout, stderr bytes.Buffer
			code := run(args, envOf(tc.env), &stdout, &stderr)
			require.Equal(t, 1, code)
			require.Empty(t, stdout.String())
			require.True(t, strings.HasPrefix(stderr.String(), "nadb-server: "), stderr.String())
			for _, w := range want {
				require.Contains(t, stderr.String(), w)
			}
		})
	}
}

// TestConfigFileLongLine: a line longer than bufio.Scanner's 64 KiB limit is
// a bad line like any other, and its message must say which file.
func TestConfigFileLongLine(t *testing.T) {
	file := writeConfig(t, "port 6400\nsave \""+strings.Repeat("1 ", 600000)+"\"\n") // beyond the 1 MiB line limit
	_, err := load([]string{file}, noEnv)
	require.Error(t, err)
	require.Contains(t, err.Error(), file)
}

// TestMemoryOverflowRefused: a memory size past int64 must be refused, not
// wrap round to a small size that passes the option's minimum.
func TestMemoryOverflowRefused(t *testing.T) {
	_, err := load([]string{"--proto-max-bulk-len", "17179869185gb"}, noEnv)
	require.Error(t, err)
	require.Contains(t, err.Error(), "option 'proto-max-bulk-len'")
}

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "100", want: 100},
		{in: "100b", want: 100},
		{in: "100B", want: 100},
		{in: "1k", want: 1000},
		{in: "1K", want: 1000},
		{in: "1kb", want: 1024},
		{in: "1KB", want: 1024},
		{in: "1Kb", want: 1024},
		{in: "2m", want: 2_000_000},
		{in: "2mb", want: 2 << 20},
		{in: "512mb", want: 512 << 20},
		{in: "3g", want: 3_000_000_000},
		{in: "3gb", want: 3 << 30},
		{in: "3GB", want: 3 << 30},
		// As Redis's memtoull: no digits read as 0, white space is refused.
		{in: "", want: 0},
		{in: "kb", want: 0},
		{in: "K", want: 0},
		{in: "007kb", want: 7 << 10},
		{in: " 5k ", wantErr: true},
		{in: " 5", wantErr: true},
		{in: "+5", wantErr: true},
		{in: "-0", wantErr: true},
		{in: "9223372036854775807", want: 1<<63 - 1},
		{in: "8589934591gb", want: 8589934591 << 30},
		{in: "abc", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "-1kb", wantErr: true},
		{in: "1.5mb", wantErr: true},
		{in: "1tb", wantErr: true},
		{in: "1 kb", wantErr: true},
		{in: "12xb", wantErr: true},
		{in: "0x10", wantErr: true},
		{in: "1e3", wantErr: true},
		{in: "9223372036854775808", wantErr: true},
		// These multiply past int64: they must be refused, not wrap.
		{in: "8589934592gb", wantErr: true},  // 2^33 * 2^30 = 2^63
		{in: "17179869184gb", wantErr: true}, // 2^64: wraps to 0
		{in: "17179869185gb", wantErr: true}, // 2^64 + 2^30: wraps to 1gb
		{in: "9223372036854775807kb", wantErr: true},
		{in: "10000000000g", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseMemory(tc.in)
			if tc.wantErr {
				require.Error(t, err, "parseMemory(%q) = %d", tc.in, got)
				require.Contains(t, err.Error(), "'"+tc.in+"'")
				require.Contains(t, err.Error(), "memory size")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// allNames is every option name, sorted.
func allNames() []string {
	var names []string
	for _, o := range options() {
		names = append(names, o.name)
	}
	for alias := range aliases {
		names = append(names, alias)
	}
	sort.Strings(names)
	return names
}

func names(pairs [][2]string) []string {
	out := []string{}
	for _, p := range pairs {
		out = append(out, p[0])
	}
	return out
}

func TestSettingsGet(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"*port*", []string{"port", "primary-port", "repl-listen-port", "replica-announce-port", "slave-announce-port", "tls-port"}},
		{"*PORT*", []string{"port", "primary-port", "repl-listen-port", "replica-announce-port", "slave-announce-port", "tls-port"}},
		{"port", []string{"port"}},
		{"Port", []string{"Port"}}, // a name, not a pattern: answered as given, as Redis
		{"?ort", []string{"port"}},
		{"repl-*", []string{"repl-allow-legacy", "repl-backlog-size", "repl-backlog-ttl", "repl-disable-tcp-nodelay", "repl-diskless-load", "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "repl-listen-host", "repl-listen-port", "repl-max-peers", "repl-max-unauthenticated", "repl-password", "repl-ping-replica-period", "repl-ping-slave-period", "repl-timeout", "repl-verify-interval"}},
		{"append*", []string{"appenddirname", "appendfilename", "appendfsync", "appendonly"}},
		{"*-host", []string{"primary-host", "repl-listen-host"}},
		{"[bd]*", []string{"bind", "broadcast-async", "busy-reply-threshold", "daemonize", "databases", "dbfilename", "dir", "disable-thp", "dynamic-hz"}},
		{"*", allNames()},
		{"no-such-option", []string{}},
		{"por", []string{}},
		{"[", []string{}},
		{"", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			got := newSettings().Get(tc.pattern)
			require.Equal(t, tc.want, names(got))
			require.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i][0] < got[j][0] }))
		})
	}

	t.Run("values", func(t *testing.T) {
		require.Equal(t, [][2]string{
			{"port", "6379"},
			{"primary-port", "9000"},
			{"repl-listen-port", "9000"},
			{"replica-announce-port", "0"},
			{"slave-announce-port", "0"},
			{"tls-port", "0"},
		}, newSettings().Get("*port*"))
	})
	t.Run("values from the command line", func(t *testing.T) {
		s, _, err := parseArgs([]string{"--port", "7000", "--bind", "127.0.0.1", "::1"}, noEnv)
		require.NoError(t, err)
		require.Equal(t, [][2]string{{"port", "7000"}}, s.Get("port"))
		require.Equal(t, [][2]string{{"bind", "127.0.0.1 ::1"}}, s.Get("bind"))
	})
	t.Run("every option with its default", func(t *testing.T) {
		got := newSettings().Get("*")
		want := map[string]string{}
		for _, o := range options() {
			want[o.name] = o.def
			if n, err := parseMemory(o.def); err == nil && memoryOptions[o.name] {
				want[o.name] = strconv.FormatInt(n, 10) // sizes in bytes
			}
		}
		for alias, name := range aliases {
			want[alias] = want[name]
		}
		require.Len(t, got, len(want))
		for _, p := range got {
			require.Equal(t, want[p[0]], p[1], p[0])
		}
	})
}

// runtimeOptions are the options CONFIG SET may change, with a good value.
var runtimeOptions = []struct {
	name, value string
}{
	{"loglevel", "debug"},
	{"maxclients", "42"},
	{"proto-max-bulk-len", "1048576"}, // sizes are kept in bytes, as Redis shows them
	{"hash-max-listpack-entries", "128"},
	{"hash-max-listpack-value", "32"},
	{"list-max-listpack-size", "-5"},
	{"list-compress-depth", "1"},
	{"set-max-intset-entries", "64"},
	{"zset-max-listpack-entries", "10"},
	{"zset-max-listpack-value", "20"},
	{"hll-sparse-max-bytes", "3072"},
	{"stream-node-max-bytes", "8192"},
	{"stream-node-max-entries", "50"},
	{"tcp-keepalive", "60"},
	{"client-query-buffer-limit", "2147483648"},
	{"repl-verify-interval", "250"},
	{"replica-serve-diverged-data", "yes"},
	{"repl-password", "rpw"},
	{"masterauth", "mpw"},
	{"masteruser", "default"},
	{"repl-allow-legacy", "yes"},
	{"repl-max-peers", "10"},
	{"repl-max-unauthenticated", "3"},
	{"broadcast-async", "no"},
	{"appendfsync", "always"},
	{"auto-aof-rewrite-percentage", "50"},
	{"auto-aof-rewrite-min-size", "1048576"},
	{"aof-segment-size", "2097152"},
	{"repl-backlog-size", "1048576"},
	{"repl-timeout", "30"},
	{"heartbeat-interval", "2"},
	{"replica-serve-stale-data", "no"},
	{"slowlog-log-slower-than", "-1"},
	{"slowlog-max-len", "5"},
	{"requirepass", "s3cret"},
	{"save", "900 1 300 10"},
	{"protected-mode", "no"},
	{"timeout", "30"},
	{"tracking-table-max-keys", "100"},
	{"notify-keyspace-events", "xKE"},
	{"latency-monitor-threshold", "100"},
	{"busy-reply-threshold", "250"},
	{"client-output-buffer-limit", "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
	{"maxmemory", "104857600"}, // kept in bytes (TestMaxMemoryShownInBytes)
	{"maxmemory-policy", "allkeys-lru"},
	{"maxmemory-samples", "10"},
	{"lfu-log-factor", "5"},
	{"lfu-decay-time", "0"},
	{"replica-ignore-maxmemory", "yes"},
	{"replica-priority", "0"},
	{"replica-announce-ip", "10.0.0.7"},
	{"replica-announce-port", "6390"},
	{"min-replicas-to-write", "2"},
	{"min-replicas-max-lag", "3"},
	// The files are checked when named (tls_test.go); empty is valid.
	{"tls-cert-file", ""},
	{"tls-key-file", ""},
	{"tls-client-cert-file", ""},
	{"tls-client-key-file", ""},
	{"tls-ca-cert-file", ""},
	{"tls-ca-cert-dir", ""},
	{"tls-auth-clients", "optional"},
	{"tls-protocols", "TLSv1.3"},
	{"tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256"},
	{"tls-ciphersuites", "TLS_AES_128_GCM_SHA256"},
}

func TestRuntimeOptionSet(t *testing.T) {
	var want, got []string
	for _, r := range runtimeOptions {
		want = append(want, r.name)
	}
	for _, o := range options() {
		if o.runtime && !isInert(o.name) { // TestInertOptions
			got = append(got, o.name)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	require.Equal(t, want, got, "the runtime options changed: update runtimeOptions")
}

type change struct{ name, value string }

// recorded returns settings whose onChange appends to *calls.
func recorded(calls *[]change) *settings {
	s := newSettings()
	s.onChange = func(name, value string) { *calls = append(*calls, change{name, value}) }
	return s
}

func TestSettingsSet(t *testing.T) {
	for _, r := range runtimeOptions {
		for _, name := range []string{r.name, strings.ToUpper(r.name)} {
			t.Run("runtime/"+name, func(t *testing.T) {
				var calls []change
				s := recorded(&calls)
				require.NoError(t, setOne(s, name, r.value))
				require.Equal(t, [][2]string{{r.name, r.value}}, s.Get(r.name))
				require.Equal(t, []change{{r.name, r.value}}, calls)
			})
		}
	}

	t.Run("runtime/nil onChange", func(t *testing.T) {
		s := newSettings()
		require.NoError(t, setOne(s, "maxclients", "7"))
		require.Equal(t, "7", s.value("maxclients"))
	})
	t.Run("runtime/enum any case", func(t *testing.T) {
		var calls []change
		s := recorded(&calls)
		require.NoError(t, setOne(s, "broadcast-async", "NO"))
		require.Len(t, calls, 1)
		require.Equal(t, "no", s.value("broadcast-async"))
	})

	refused := map[string]error{"no-such-option": resp.ErrUnknownOption, "": resp.ErrUnknownOption, "*": resp.ErrUnknownOption}
	for _, o := range options() {
		switch {
		case protectedOptions[o.name]:
			// Redis's protected configs.
			refused[o.name], refused[strings.ToUpper(o.name)] = resp.ErrProtectedOption, resp.ErrProtectedOption
		case !o.runtime:
			// Known, but read only at start: Redis's immutable config.
			refused[o.name], refused[strings.ToUpper(o.name)] = resp.ErrImmutableOption, resp.ErrImmutableOption
		}
	}
	for name, want := range refused {
		t.Run("not runtime/"+name, func(t *testing.T) {
			var calls []change
			s := recorded(&calls)
			before := s.Get("*")
			err := setOne(s, name, "6380")
			require.Error(t, err)
			require.ErrorIs(t, err, want)
			require.Equal(t, before, s.Get("*"))
			require.Empty(t, calls)
		})
	}

	badValues := []struct{ name, value string }{
		{"loglevel", "loud"},
		{"loglevel", ""},
		{"maxclients", "0"},
		{"maxclients", "abc"},
		{"maxclients", "4294967296"},
		{"proto-max-bulk-len", "10"},
		{"proto-max-bulk-len", "1zz"},
		{"client-query-buffer-limit", "1kb"},
		{"client-query-buffer-limit", "-1"},
		{"broadcast-async", "maybe"},
		{"broadcast-async", "1"},
		{"appendfsync", "sometimes"},
		{"maxmemory", "-1"},
		{"maxmemory", "12xb"},
		{"maxmemory-policy", "allkeys"},
		{"maxmemory-samples", "0"},
		{"lfu-log-factor", "-1"},
		{"lfu-decay-time", "x"},
		{"replica-ignore-maxmemory", "no"},
	}
	for _, bv := range badValues {
		t.Run("bad value/"+bv.name+"="+bv.value, func(t *testing.T) {
			var calls []change
			s := recorded(&calls)
			before := s.value(bv.name)
			err := setOne(s, bv.name, bv.value)
			require.Error(t, err)
			require.False(t, errors.Is(err, resp.ErrUnknownOption), "a bad value is not an unknown option: %v", err)
			require.Equal(t, before, s.value(bv.name))
			require.Empty(t, calls)
		})
	}

	t.Run("set then set again", func(t *testing.T) {
		var calls []change
		s := recorded(&calls)
		require.NoError(t, setOne(s, "maxclients", "10"))
		require.Error(t, setOne(s, "maxclients", "nope"))
		require.Equal(t, "10", s.value("maxclients"))
		require.NoError(t, setOne(s, "maxclients", "20"))
		require.Equal(t, []change{{"maxclients", "10"}, {"maxclients", "20"}}, calls)
	})
}

// TestMaxMemoryShownInBytes: like Redis's CONFIG GET, maxmemory reads back
// in bytes whatever units it was given in; the policy in lower case.
func TestMaxMemoryShownInBytes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"100mb", "104857600"}, {"1k", "1000"}, {"1GB", "1073741824"}, {"12345", "12345"},
	} {
		s, _, err := parseArgs([]string{"--maxmemory", tc.in}, noEnv)
		require.NoError(t, err)
		require.Equal(t, [][2]string{{"maxmemory", tc.want}}, s.Get("maxmemory"), "at start: %s", tc.in)
		var calls []change
		s = recorded(&calls)
		require.NoError(t, setOne(s, "maxmemory", tc.in))
		require.Equal(t, [][2]string{{"maxmemory", tc.want}}, s.Get("maxmemory"), "CONFIG SET %s", tc.in)
		require.Equal(t, []change{{"maxmemory", tc.want}}, calls)
	}
	s := newSettings()
	require.NoError(t, setOne(s, "maxmemory-policy", "Volatile-LRU"))
	require.Equal(t, [][2]string{{"maxmemory-policy", "volatile-lru"}}, s.Get("maxmemory-policy"))
	require.Equal(t, [][2]string{
		{"maxmemory", "0"}, {"maxmemory-eviction-tenacity", "10"}, {"maxmemory-policy", "volatile-lru"}, {"maxmemory-samples", "5"},
	}, s.Get("maxmemory*"))
	require.Equal(t, [][2]string{{"lfu-decay-time", "1"}, {"lfu-log-factor", "10"}}, s.Get("lfu-*"))
}

func TestSettingsImplementsRespConfig(t *testing.T) {
	var _ resp.Config = newSettings()
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"},
		{"-h"},
		{"help"},
		{"--port", "6380", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(args, noEnv, &stdout, &stderr))
			require.Empty(t, stderr.String())
			out := stdout.String()
			require.Contains(t, out, "Usage: nadb-server")
			require.Contains(t, out, "PRIMARY_HOST")
			require.Contains(t, out, "PRIMARY_PORT")

			lines := map[string]string{}
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "--") {
					lines[strings.TrimPrefix(f[0], "--")] = line
				}
			}
			var listed []option
			for _, o := range options() {
				if isInert(o.name) {
					// Named in their own paragraph, after the options.
					_, after, _ := strings.Cut(out, "changing nothing here")
					require.Contains(t, strings.Fields(after), o.name)
					continue
				}
				listed = append(listed, o)
			}
			require.Len(t, lines, len(listed))
			for _, o := range listed {
				line, ok := lines[o.name]
				require.True(t, ok, "--help does not list %s", o.name)
				def := o.def
				if def == "" {
					def = `""`
				}
				require.True(t, strings.HasSuffix(line, "(default "+def+")"), "%s: %q", o.name, line)
				require.Contains(t, line, o.help)
			}
		})
	}
	t.Run("help order follows the table", func(t *testing.T) {
		var stdout bytes.Buffer
		printHelp(&stdout)
		last := -1
		for _, o := range options() {
			if isInert(o.name) {
				continue
			}
			i := strings.Index(stdout.String(), "  --"+o.name+" ")
			require.Greater(t, i, last, o.name)
			last = i
		}
	})
}

func TestRunVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		t.Run(args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			require.Equal(t, 0, run(args, noEnv, &stdout, &stderr))
			require.Empty(t, stderr.String())
			require.Equal(t, "nadb-server v="+resp.Version+" (redis 7.2.0 compatible)\n", stdout.String())
		})
	}
}

func TestRunBadOption(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"--port", "6380", "--frobnicate", "yes"}, noEnv, &stdout, &stderr))
	require.Empty(t, stdout.String())
	require.Equal(t, "nadb-server: unknown option 'frobnicate'\n", stderr.String())
}

// TestDirMustExist: like redis-server, a data directory that does not
// exist (a typo) refuses the start instead of starting an empty dataset.
func TestDirMustExist(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such")
	_, err := load([]string{"--dir", missing}, noEnv)
	require.EqualError(t, err, "option 'dir': Can't chdir to '"+missing+"': No such file or directory")
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = load([]string{"--dir", file}, noEnv)
	require.EqualError(t, err, "option 'dir': Can't chdir to '"+file+"': Not a directory")
}

// TestConfigGetDirIsAbsolute: CONFIG GET dir answers an absolute path, as
// Redis does, whatever form the option was given in.
func TestConfigGetDirIsAbsolute(t *testing.T) {
	s, file, err := parseArgs([]string{"--dir", "testdata"}, noEnv)
	require.NoError(t, err)
	_, err = build(s, file)
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"dir", filepath.Join(cwd(), "testdata")}}, s.Get("dir"))
}

// TestDebianRedisConf: Debian's stock /etc/redis/redis.conf (redis-server
// 7.0.15, kept in testdata) is refused with one message that names every
// line that does not apply, and nothing else; its tuning directives of
// redis-server internals are accepted and listed as ignored.
func TestDebianRedisConf(t *testing.T) {
	const conf = "testdata/debian-redis.conf"
	_, err := load([]string{conf}, noEnv)
	require.Error(t, err)
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, conf+":309: invalid value 'yes' for option 'daemonize'"), msg)
	require.NotContains(t, msg, "\n", "one directive refused, on one line")

	// The same file with those lines changed as its message says (and its
	// paths moved to a writable place) is accepted.
	b, err := os.ReadFile(conf)
	require.NoError(t, err)
	dir := t.TempDir()
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 0:
		case f[0] == "daemonize":
			line = f[0] + " no"
		case f[0] == "dir" || f[0] == "logfile" || f[0] == "pidfile":
			line = f[0] + " " + filepath.Join(dir, f[0])
		}
		out = append(out, line)
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	fixed := filepath.Join(dir, "redis.conf")
	require.NoError(t, os.WriteFile(fixed, []byte(strings.Join(out, "\n")), 0o644))
	c := mustLoad(t, []string{fixed}, noEnv)
	require.Equal(t, filepath.Join(dir, "dir"), c.Dir)
	require.Equal(t, filepath.Join(dir, "pidfile"), c.PidFile)
	require.Equal(t, 300, c.TCPKeepAlive)
	require.True(t, c.ProtectedMode, "protected-mode yes, as the file says")
	require.Equal(t, resp.OutputLimit{}, c.OutputLimit, "its three client-output-buffer-limit lines, normal 0 0 0 among them")
	require.Contains(t, c.Ignored, "hz")
	require.Contains(t, c.Ignored, "dbfilename")
	require.NotContains(t, c.Ignored, "appendonly", "appendonly is honoured, not ignored")
}

// TestOptionalBind: as in Redis, only an address written with '-' is
// skipped, and only when the machine lacks it or its address family.
func TestOptionalBind(t *testing.T) {
	notAvail := &net.OpError{Op: "listen", Err: os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)}
	noFamily := &net.OpError{Op: "listen", Err: os.NewSyscallError("socket", syscall.EAFNOSUPPORT)}
	inUse := &net.OpError{Op: "listen", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	require.True(t, optionalBind("-::1", notAvail))
	require.True(t, optionalBind("-::1", noFamily))
	require.False(t, optionalBind("-::1", inUse), "a port in use is an error, optional address or not")
	require.False(t, optionalBind("::1", notAvail), "an address without '-' is required")
}

func TestGCPercentFor(t *testing.T) {
	require.Equal(t, 100, gcPercentFor(0), "nothing live: Go's default")
	require.Equal(t, 100, gcPercentFor(8<<20), "a small heap keeps the default")
	require.Equal(t, 25, gcPercentFor(64<<20), "16 MiB over 64 MiB live")
	require.Equal(t, minGCPercent, gcPercentFor(8<<30), "never below the floor")
}

// TestSettingsSetAppliesLatestPair: an onChange that reads a related option
// applies the values last stored, even when the two are set at the same
// time. Set is one step: a second Set waits for the first one's onChange
// (without that, it stored and applied its pair while the first was
// applying the older one, which then stayed in force).
func TestSettingsSetAppliesLatestPair(t *testing.T) {
	s := newSettings()
	var applied [][2]string
	second := make(chan error, 1)
	s.onChange = func(name, _ string) {
		pair := [2]string{s.value("slowlog-log-slower-than"), s.value("slowlog-max-len")}
		if name == "slowlog-log-slower-than" {
			go func() { second <- setOne(s, "slowlog-max-len", "7") }()
			require.Never(t, func() bool { return s.value("slowlog-max-len") == "7" }, 100*time.Millisecond, time.Millisecond,
				"the second Set stored its value while the first applied")
		}
		applied = append(applied, pair)
	}
	require.NoError(t, setOne(s, "slowlog-log-slower-than", "5"))
	require.NoError(t, <-second)
	require.Equal(t, [][2]string{{"5", "128"}, {"5", "7"}}, applied)
}

// setOne is CONFIG SET of one option.
func setOne(s *settings, name, value string) error {
	_, err := s.Set([][2]string{{name, value}})
	return err
}

// TestSetAllOrNone: Set changes every option it names or none: a refused
// name or value leaves every option as it was and applies nothing.
func TestSetAllOrNone(t *testing.T) {
	s := newSettings()
	var applied []string
	s.onChange = func(name, value string) { applied = append(applied, name+"="+value) }
	for _, tc := range []struct {
		pairs [][2]string
		name  string
		err   error
	}{
		{[][2]string{{"timeout", "7"}, {"maxclients", "abc"}}, "maxclients", resp.ErrOptionNotInteger},
		{[][2]string{{"timeout", "7"}, {"nosuch", "1"}}, "nosuch", resp.ErrUnknownOption},
		{[][2]string{{"timeout", "x"}, {"Databases", "5"}}, "Databases", resp.ErrImmutableOption},
		{[][2]string{{"timeout", "5"}, {"TIMEOUT", "6"}}, "TIMEOUT", resp.ErrDuplicateOption},
		{[][2]string{{"Slave-Priority", "x"}}, "slave-priority", resp.ErrOptionNotInteger},
	} {
		name, err := s.Set(tc.pairs)
		require.ErrorIs(t, err, tc.err, "%v", tc.pairs)
		require.Equal(t, tc.name, name)
		require.Equal(t, "0", s.value("timeout"))
		require.Empty(t, applied)
	}
	name, err := s.Set([][2]string{{"timeout", "3"}, {"slowlog-max-len", "9"}})
	require.NoError(t, err)
	require.Empty(t, name)
	require.Equal(t, []string{"timeout=3", "slowlog-max-len=9"}, applied)
}

// TestInertOptionsAtStart: an inert option set at start is checked and
// kept as Redis keeps it (hz clamped to 1..500), listed for the start's
// log; replica-read-only may only be yes, since a secondary here is always
// read-only.
func TestInertOptionsAtStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "i.conf")
	require.NoError(t, os.WriteFile(file, []byte("hz 1000\nlazyfree-lazy-user-del yes\nslave-lazy-flush yes\n"), 0o644))
	s, _, err := parseArgs([]string{file}, noEnv)
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"hz", "500"}}, s.Get("hz"))
	require.Equal(t, [][2]string{{"replica-lazy-flush", "yes"}}, s.Get("replica-lazy-flush"))
	require.Equal(t, []string{"hz", "lazyfree-lazy-user-del", "replica-lazy-flush"}, s.ignored)

	_, _, err = parseArgs([]string{"--replica-read-only", "no"}, noEnv)
	require.ErrorContains(t, err, "always read-only")
	_, _, err = parseArgs([]string{"--active-expire-effort", "11"}, noEnv)
	require.Error(t, err)
	name, err := newSettings().Set([][2]string{{"replica-read-only", "no"}})
	require.Equal(t, "replica-read-only", name)
	require.ErrorContains(t, err, "always read-only")
}
