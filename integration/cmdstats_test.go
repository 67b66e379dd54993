package integration

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestInfoCommandStats holds for redis-server too: INFO commandstats counts
// calls, rejected calls (refused before running: arity, a subcommand's
// arity too, while an unknown subcommand counts nowhere) and failed calls
// (ran and replied with an error) per command and per subcommand of a
// container, EXEC's commands when EXEC runs them; INFO errorstats counts
// every error reply by its first word; INFO stats has total_error_replies;
// CONFIG RESETSTAT empties them. usec is not compared (timing).
func TestInfoCommandStats(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	// No CLIENT SETINFO when go-redis connects (Redis 7.0 refuses it, an
	// error); its HELLO 2 is left out below.
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	ctx := context.Background()
	conn := rdb.Conn()
	defer conn.Close()
	for _, line := range []string{"CONFIG RESETSTAT", "GET", "SET a b", "GET a", "INCR a", "CLIENT FOO", "CLIENT LIST x", "NOPE",
		"MULTI", "SET b c", "INCR a", "EXEC", "MULTI", "GET", "EXEC", "CONFIG GET port", "CONFIG GET", "OBJECT FOO", "CONFIG SET maxmemory 0 x"} {
		var args []any
		for _, w := range strings.Fields(line) {
			args = append(args, w)
		}
		_ = conn.Do(ctx, args...).Err() // the errors are what is counted
	}
	text, err := rdb.Info(ctx, "commandstats").Result()
	require.NoError(t, err)
	got := map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" || name == "cmdstat_hello" {
			continue
		}
		// calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..
		f := strings.Split(v, ",")
		require.Len(t, f, 5, line)
		got[strings.TrimPrefix(name, "cmdstat_")] = f[0] + "," + f[3] + "," + f[4]
	}
	require.Equal(t, map[string]string{
		"config|resetstat": "calls=1,rejected_calls=0,failed_calls=0",
		"config|get":       "calls=1,rejected_calls=1,failed_calls=0",
		"config|set":       "calls=1,rejected_calls=0,failed_calls=1",
		"get":              "calls=1,rejected_calls=2,failed_calls=0",
		"set":              "calls=2,rejected_calls=0,failed_calls=0",
		"incr":             "calls=2,rejected_calls=0,failed_calls=2",
		"client|list":      "calls=1,rejected_calls=0,failed_calls=1",
		"multi":            "calls=2,rejected_calls=0,failed_calls=0",
		"exec":             "calls=2,rejected_calls=0,failed_calls=1",
	}, got)

	errs, err := rdb.Info(ctx, "errorstats").Result()
	require.NoError(t, err)
	require.Equal(t, "# Errorstats\r\nerrorstat_ERR:count=10\r\nerrorstat_EXECABORT:count=1\r\n", errs)
	stats, err := rdb.Info(ctx, "stats").Result()
	require.NoError(t, err)
	require.Contains(t, stats, "\r\ntotal_error_replies:11\r\n")
	def, err := rdb.Info(ctx).Result()
	require.NoError(t, err)
	require.Contains(t, def, "# Errorstats\r\n")
	require.NotContains(t, def, "# Commandstats", "commandstats is not a default section")
	all, err := rdb.Info(ctx, "all").Result()
	require.NoError(t, err)
	require.Contains(t, all, "# Commandstats\r\n")

	require.NoError(t, rdb.ConfigResetStat(ctx).Err())
	errs, err = rdb.Info(ctx, "errorstats").Result()
	require.NoError(t, err)
	require.Equal(t, "# Errorstats\r\n", errs)
}

// TestConfigSizesInBytes holds for redis-server too: CONFIG GET shows
// sizes in bytes, however they were given.
func TestConfigSizesInBytes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	defer rdb.Close()
	ctx := context.Background()
	require.Equal(t, map[string]string{"proto-max-bulk-len": "536870912"}, rdb.ConfigGet(ctx, "proto-max-bulk-len").Val(), "the default, 512mb")
	for _, name := range []string{"proto-max-bulk-len", "client-query-buffer-limit", "auto-aof-rewrite-min-size", "maxmemory"} {
		require.NoError(t, rdb.ConfigSet(ctx, name, "600mb").Err(), name)
		require.Equal(t, map[string]string{name: "629145600"}, rdb.ConfigGet(ctx, name).Val(), name)
	}
}

// TestMemoryOptionValues holds for redis-server too: a memory option
// refuses what is not a size, and a size below its minimum, in Redis's
// words; repl-backlog-size changes at run time and takes any positive
// size (below 16kb it becomes 16kb).
func TestMemoryOptionValues(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	refused := func(name, value, why string) exactStep {
		return exactStep{[]string{"CONFIG", "SET", name, value},
			"-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why + "\r\n"}
	}
	ok := func(name, value string) exactStep {
		return exactStep{[]string{"CONFIG", "SET", name, value}, "+OK\r\n"}
	}
	get := func(name, value string) exactStep {
		return exactStep{[]string{"CONFIG", "GET", name},
			"*2\r\n$" + strconv.Itoa(len(name)) + "\r\n" + name + "\r\n$" + strconv.Itoa(len(value)) + "\r\n" + value + "\r\n"}
	}
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		refused("proto-max-bulk-len", "abc", "argument must be a memory value"),
		refused("proto-max-bulk-len", "1.5mb", "argument must be a memory value"),
		refused("proto-max-bulk-len", "-5", "argument must be a memory value"),
		refused("proto-max-bulk-len", "10", "argument must be between 1048576 and 9223372036854775807 inclusive"),
		refused("client-query-buffer-limit", "10", "argument must be between 1048576 and 9223372036854775807 inclusive"),
		refused("maxmemory", "1x", "argument must be a memory value"),
		refused("auto-aof-rewrite-min-size", "-1", "argument must be a memory value"),
		refused("hll-sparse-max-bytes", "abc", "argument must be a memory value"),
		refused("repl-backlog-size", "0", "argument must be between 1 and 9223372036854775807 inclusive"),
		ok("repl-backlog-size", "1mb"), get("repl-backlog-size", "1048576"),
		ok("repl-backlog-size", "1k"), get("repl-backlog-size", "16384"),
	})
}

// TestEncodingOptions holds for redis-server too: the encoding options of
// Redis's other types are accepted, checked and reported as Redis does
// (nadb-server has no such types yet: they steer nothing).
func TestEncodingOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	get := func(name, value string) exactStep {
		return exactStep{[]string{"CONFIG", "GET", name},
			"*2\r\n$" + strconv.Itoa(len(name)) + "\r\n" + name + "\r\n$" + strconv.Itoa(len(value)) + "\r\n" + value + "\r\n"}
	}
	refused := func(name, value, why string) exactStep {
		return exactStep{[]string{"CONFIG", "SET", name, value},
			"-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why + "\r\n"}
	}
	ok := func(name, value string) exactStep {
		return exactStep{[]string{"CONFIG", "SET", name, value}, "+OK\r\n"}
	}
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		get("list-max-listpack-size", "-2"), get("list-max-ziplist-size", "-2"), get("list-compress-depth", "0"),
		get("set-max-intset-entries", "512"), get("zset-max-listpack-entries", "128"), get("zset-max-ziplist-value", "64"),
		get("hll-sparse-max-bytes", "3000"), get("stream-node-max-bytes", "4096"), get("stream-node-max-entries", "100"),
		ok("list-max-listpack-size", "-5"), get("list-max-ziplist-size", "-5"),
		ok("zset-max-ziplist-entries", "10"), get("zset-max-listpack-entries", "10"),
		ok("hll-sparse-max-bytes", "3kb"), get("hll-sparse-max-bytes", "3072"),
		ok("stream-node-max-bytes", "8kb"), get("stream-node-max-bytes", "8192"),
		refused("list-max-listpack-size", "abc", "argument couldn't be parsed into an integer"),
		refused("list-compress-depth", "-1", "argument must be between 0 and 2147483647 inclusive"),
		refused("set-max-intset-entries", "-1", "argument must be between 0 and 9223372036854775807 inclusive"),
	})
}

// TestTotalCommandsProcessed holds for redis-server too:
// total_commands_processed counts the commands that ran, each once: not
// one refused (a wrong arity), nor one queued by MULTI until EXEC runs
// it, nor INFO before its own reply.
func TestTotalCommandsProcessed(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	total := func() int64 {
		c.send(respCommand([]string{"INFO", "stats"}))
		reply := readReply(t, c)
		_, body, ok := strings.Cut(reply, "\r\n") // after the bulk's length
		require.True(t, ok, reply)
		f := infoFields(t, body)
		n, err := strconv.ParseInt(f["total_commands_processed"], 10, 64)
		require.NoError(t, err)
		return n
	}
	before := total()
	requireExactReplies(t, c, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n$-1\r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
	})
	require.Equal(t, before+4, total(), "INFO, MULTI, GET and EXEC")
}

// TestInstantaneousMetrics holds for redis-server too: under a steady
// load, instantaneous_ops_per_sec and the kbps rates become positive, and
// total_net_output_bytes counts the replies sent.
func TestInstantaneousMetrics(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	load := s.Client()
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			_ = load.Set(ctx, "k", "some value", 0).Err()
		}
	})
	defer func() { cancel(); wg.Wait() }()
	c := s.Client()
	out := infoInt(t, c, "stats", "total_net_output_bytes")
	require.Eventually(t, func() bool {
		info, err := c.Info(context.Background(), "stats").Result()
		require.NoError(t, err)
		f := infoFields(t, info)
		ops, _ := strconv.ParseInt(f["instantaneous_ops_per_sec"], 10, 64)
		in, _ := strconv.ParseFloat(f["instantaneous_input_kbps"], 64)
		outKbps, _ := strconv.ParseFloat(f["instantaneous_output_kbps"], 64)
		return ops > 0 && in > 0 && outKbps > 0
	}, 20*time.Second, 50*time.Millisecond)
	require.Greater(t, infoInt(t, c, "stats", "total_net_output_bytes"), out)
}
