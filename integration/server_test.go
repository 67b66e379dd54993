package integration

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// infoFields parses the field:value lines of an INFO reply.
func infoFields(t *testing.T, info string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(info, "\r\n"), "\r\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		require.True(t, ok, "INFO line %q has no colon", line)
		fields[k] = v
	}
	return fields
}

// infoInt reads an integer field of INFO section.
func infoInt(t *testing.T, c *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), section).Result()
	require.NoError(t, err)
	v, ok := infoFields(t, info)[field]
	require.True(t, ok, "INFO %s has no %s:\n%s", section, field, info)
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "%s:%s", field, v)
	return n
}

func TestInfo(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "a", "1", 0).Err())
	require.NoError(t, c.Set(ctx, "b", "2", time.Hour).Err())
	require.NoError(t, c.Get(ctx, "a").Err())

	info, err := c.Info(ctx).Result()
	require.NoError(t, err)

	t.Run("sections", func(t *testing.T) {
		for _, name := range []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"} {
			require.Contains(t, info, "# "+name+"\r\n")
		}
		// Tools read cluster_enabled: the section comes just before the
		// keyspace's, as in Redis.
		require.Contains(t, info, "# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n")
		require.True(t, strings.HasPrefix(info, "# Server\r\n"), "INFO starts with %q", info[:min(len(info), 20)])
	})

	t.Run("CRLF line endings", func(t *testing.T) {
		require.True(t, strings.HasSuffix(info, "\r\n"))
		require.Equal(t, strings.Count(info, "\n"), strings.Count(info, "\r\n"), "bare LF in INFO")
		require.Equal(t, strings.Count(info, "\r"), strings.Count(info, "\r\n"), "bare CR in INFO")
	})

	f := infoFields(t, info)
	requireInt := func(t *testing.T, field string) int64 {
		t.Helper()
		v, ok := f[field]
		require.True(t, ok, "no %s field", field)
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err, "%s:%s", field, v)
		return n
	}

	t.Run("fields", func(t *testing.T) {
		require.Regexp(t, `^\d+\.\d+\.\d+$`, f["redis_version"])
		require.Regexp(t, `^[0-9a-f]{40}$`, f["run_id"])
		require.Equal(t, strconv.Itoa(s.Port), f["tcp_port"])
		require.GreaterOrEqual(t, requireInt(t, "uptime_in_seconds"), int64(0))
		require.GreaterOrEqual(t, requireInt(t, "connected_clients"), int64(1))
		require.Positive(t, requireInt(t, "used_memory"))
		require.Positive(t, requireInt(t, "total_system_memory"))
		require.Regexp(t, `^\d+\.\d\d$`, f["mem_fragmentation_ratio"])
		require.Equal(t, "0", f["number_of_libraries"])
		require.GreaterOrEqual(t, requireInt(t, "total_commands_processed"), int64(3))
		require.GreaterOrEqual(t, requireInt(t, "keyspace_hits"), int64(1))
		require.Contains(t, f, "keyspace_misses")
		require.Equal(t, "master", f["role"])
		require.Regexp(t, `^keys=2,expires=1,avg_ttl=\d+$`, f["db0"])
		require.NotContains(t, f, "db1", "empty databases are not listed")
	})

	t.Run("single section", func(t *testing.T) {
		repl, err := c.Info(ctx, "replication").Result()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(repl, "# Replication\r\n"), repl)
		require.Contains(t, repl, "\r\nrole:master\r\n")
		require.NotContains(t, repl, "# Server")
		require.NotContains(t, repl, "redis_version")

		server, err := c.Info(ctx, "server").Result()
		require.NoError(t, err)
		require.Contains(t, server, "redis_version:")
		require.NotContains(t, server, "# Keyspace")
	})

	t.Run("counters move", func(t *testing.T) {
		before := infoInt(t, c, "stats", "total_commands_processed")
		hits := infoInt(t, c, "stats", "keyspace_hits")
		misses := infoInt(t, c, "stats", "keyspace_misses")
		require.NoError(t, c.Get(ctx, "a").Err())
		require.ErrorIs(t, c.Get(ctx, "nope").Err(), redis.Nil)
		require.Equal(t, hits+1, infoInt(t, c, "stats", "keyspace_hits"))
		require.Equal(t, misses+1, infoInt(t, c, "stats", "keyspace_misses"))
		require.Greater(t, infoInt(t, c, "stats", "total_commands_processed"), before+2)

		// GETEX with an expiry looks the key up before it reads it: still
		// one hit, or one miss.
		hits, misses = infoInt(t, c, "stats", "keyspace_hits"), infoInt(t, c, "stats", "keyspace_misses")
		require.NoError(t, c.GetEx(ctx, "a", time.Hour).Err())
		require.ErrorIs(t, c.GetEx(ctx, "nope", time.Hour).Err(), redis.Nil)
		require.Equal(t, hits+1, infoInt(t, c, "stats", "keyspace_hits"), "GETEX EX on a key")
		require.Equal(t, misses+1, infoInt(t, c, "stats", "keyspace_misses"), "GETEX EX on a missing key")
	})

	t.Run("connected_clients", func(t *testing.T) {
		base := infoInt(t, c, "clients", "connected_clients")
		r1, r2 := dialRaw(t, s.Addr()), dialRaw(t, s.Addr())
		for _, r := range []*rawConn{r1, r2} {
			r.send("PING\r\n")
			require.Equal(t, "+PONG", r.readLine())
		}
		require.Equal(t, base+2, infoInt(t, c, "clients", "connected_clients"))
		require.NoError(t, r1.Close())
		require.NoError(t, r2.Close())
		require.Eventually(t, func() bool {
			info, err := c.Info(ctx, "clients").Result()
			return err == nil && strings.Contains(info, "\r\nconnected_clients:"+strconv.FormatInt(base, 10)+"\r\n")
		}, 5*time.Second, 10*time.Millisecond)
	})
}

func TestDBSizeFlush(t *testing.T) {
	t.Parallel()
	scriptTest(t, map[string][]step{
		"FLUSHDB FLUSHALL": {
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"MSET", "a", "1", "b", "2", "c", "3"}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 3},
			{cmd: []any{"SELECT", 1}, want: "OK"},
			{cmd: []any{"SET", "x", "1"}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 1},
			{cmd: []any{"FLUSHDB"}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"SELECT", 0}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 3},
			{cmd: []any{"SELECT", 1}, want: "OK"},
			{cmd: []any{"SET", "x", "1"}, want: "OK"},
			{cmd: []any{"FLUSHALL"}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"SELECT", 0}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"SET", "y", "1"}, want: "OK"},
			{cmd: []any{"FLUSHDB", "ASYNC"}, want: "OK"},
			{cmd: []any{"SET", "y", "1"}, want: "OK"},
			{cmd: []any{"FLUSHALL", "SYNC"}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"FLUSHALL", "FOO"}, err: errSyntax},
			{cmd: []any{"DBSIZE", "x"}, err: wrongArgs("dbsize")},
		},
	})
}

func TestTime(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()
	before := time.Now()
	tm, err := c.Time(ctx).Result()
	require.NoError(t, err)
	require.WithinDuration(t, before, tm, 2*time.Second)

	raw, err := c.Do(ctx, "TIME").Result()
	require.NoError(t, err)
	arr, ok := raw.([]any)
	require.True(t, ok, "%#v", raw)
	require.Len(t, arr, 2)
	require.Regexp(t, `^\d{10}$`, arr[0])
	require.Regexp(t, `^\d{1,6}$`, arr[1])
}

func TestCommandIntrospection(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()

	t.Run("COMMAND COUNT", func(t *testing.T) {
		n, err := c.Do(ctx, "COMMAND", "COUNT").Int64()
		require.NoError(t, err)
		require.Positive(t, n)
	})

	// acceptable is true when err is nil or an error reply; a client error
	// means the reply was malformed.
	errorReply := func(t *testing.T, err error) bool {
		t.Helper()
		if err == nil {
			return false
		}
		var rerr redis.Error
		require.ErrorAs(t, err, &rerr, "malformed reply")
		t.Logf("error reply: %v", err)
		return true
	}

	t.Run("COMMAND INFO", func(t *testing.T) {
		cmd := redis.NewCommandsInfoCmd(ctx, "command", "info", "get", "set", "mset")
		if errorReply(t, c.Process(ctx, cmd)) {
			return
		}
		info := cmd.Val()
		require.Contains(t, info, "get")
		require.Equal(t, "get", info["get"].Name)
		require.Equal(t, int8(2), info["get"].Arity)
		require.Equal(t, int8(1), info["get"].FirstKeyPos)
		require.Equal(t, int8(-3), info["set"].Arity)
		require.Equal(t, int8(-3), info["mset"].Arity)
		require.Contains(t, info["set"].Flags, "write")
		require.Contains(t, info["get"].Flags, "readonly")
	})

	t.Run("COMMAND", func(t *testing.T) {
		all, err := c.Command(ctx).Result()
		if errorReply(t, err) {
			return
		}
		for _, name := range []string{"get", "set", "ping", "info", "scan"} {
			require.Contains(t, all, name)
		}
	})

	t.Run("COMMAND DOCS", func(t *testing.T) {
		reply, err := c.Do(ctx, "COMMAND", "DOCS", "get").Result()
		if errorReply(t, err) {
			return
		}
		docs := pairs(t, reply)
		require.Contains(t, docs, "get")
		get := pairs(t, docs["get"])
		require.IsType(t, "", get["summary"])

		reply, err = c.Do(ctx, "COMMAND", "DOCS").Result()
		if errorReply(t, err) {
			return
		}
		require.Contains(t, pairs(t, reply), "set")
	})
}

func TestClient(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()

	t.Run("SETNAME GETNAME", func(t *testing.T) {
		runSteps(t, s.Conn(t), []step{
			{cmd: []any{"CLIENT", "GETNAME"}, want: nilReply{}},
			{cmd: []any{"CLIENT", "SETNAME", "worker-1"}, want: "OK"},
			{cmd: []any{"CLIENT", "GETNAME"}, want: "worker-1"},
			{cmd: []any{"CLIENT", "SETNAME", "a b"}, err: "ERR Client names cannot contain spaces, newlines or special characters."},
			{cmd: []any{"CLIENT", "SETNAME", "a\nb"}, err: "ERR Client names cannot contain spaces, newlines or special characters."},
			{cmd: []any{"CLIENT", "GETNAME"}, want: "worker-1"},
			{cmd: []any{"CLIENT", "SETNAME", ""}, want: "OK"},
			{cmd: []any{"CLIENT", "GETNAME"}, want: nilReply{}},
			{cmd: []any{"CLIENT", "SETNAME"}, err: "ERR wrong number of arguments for 'client|setname' command"},
			{cmd: []any{"CLIENT", "FOO"}, err: "ERR unknown subcommand 'FOO'. Try CLIENT HELP."},
		})
	})

	t.Run("ID INFO LIST", func(t *testing.T) {
		a, b := s.Conn(t), s.Conn(t)
		idA, err := a.ClientID(ctx).Result()
		require.NoError(t, err)
		idB, err := b.ClientID(ctx).Result()
		require.NoError(t, err)
		require.Positive(t, idA)
		require.Greater(t, idB, idA, "IDs grow with each connection")
		require.Equal(t, idA, a.ClientID(ctx).Val(), "the ID is stable")

		require.NoError(t, a.ClientSetName(ctx, "conn-a").Err())
		require.NoError(t, a.Select(ctx, 3).Err())
		info, err := a.ClientInfo(ctx).Result()
		require.NoError(t, err)
		require.Equal(t, idA, info.ID)
		require.Equal(t, "conn-a", info.Name)
		require.Equal(t, 3, info.DB)
		require.Regexp(t, `^127\.0\.0\.1:\d+$`, info.Addr)
		require.Equal(t, "client|info", info.LastCmd)

		list, err := a.ClientList(ctx).Result()
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
		require.GreaterOrEqual(t, len(lines), 2)
		var sawA, sawB bool
		for _, line := range lines {
			require.Regexp(t, `^id=\d+ addr=127\.0\.0\.1:\d+ `, line)
			sawA = sawA || strings.HasPrefix(line, "id="+strconv.FormatInt(idA, 10)+" ") && strings.Contains(line, " name=conn-a ")
			sawB = sawB || strings.HasPrefix(line, "id="+strconv.FormatInt(idB, 10)+" ")
		}
		require.True(t, sawA, "CLIENT LIST lacks client %d named conn-a:\n%s", idA, list)
		require.True(t, sawB, "CLIENT LIST lacks client %d:\n%s", idB, list)
	})

	t.Run("SETINFO", func(t *testing.T) {
		c := s.Conn(t)
		err := c.Do(ctx, "CLIENT", "SETINFO", "LIB-NAME", "nadb-it").Err()
		if target == targetRedis && err != nil && strings.HasPrefix(err.Error(), "ERR unknown subcommand 'SETINFO'") {
			t.Skipf("this redis-server predates CLIENT SETINFO (7.2): %v", err)
		}
		require.NoError(t, err)
		require.NoError(t, c.Do(ctx, "CLIENT", "SETINFO", "lib-ver", "1.2.3").Err())
		info, err := c.ClientInfo(ctx).Result()
		require.NoError(t, err)
		require.Equal(t, "nadb-it", info.LibName)
		require.Equal(t, "1.2.3", info.LibVer)
	})
}

func TestClientKill(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()

	// victim opens a raw connection and returns it with its client ID.
	victim := func(t *testing.T) (*rawConn, int64) {
		r := dialRaw(t, s.Addr())
		r.send("*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n")
		line := r.readLine()
		require.Regexp(t, `^:\d+$`, line)
		id, err := strconv.ParseInt(line[1:], 10, 64)
		require.NoError(t, err)
		return r, id
	}

	for _, tc := range []struct {
		name string
		kill func(t *testing.T, r *rawConn, id int64)
	}{
		{"ID", func(t *testing.T, _ *rawConn, id int64) {
			n, err := c.ClientKillByFilter(ctx, "ID", strconv.FormatInt(id, 10)).Result()
			require.NoError(t, err)
			require.Equal(t, int64(1), n)
		}},
		{"ADDR", func(t *testing.T, r *rawConn, _ int64) {
			n, err := c.ClientKillByFilter(ctx, "ADDR", r.LocalAddr().String()).Result()
			require.NoError(t, err)
			require.Equal(t, int64(1), n)
		}},
		{"old form", func(t *testing.T, r *rawConn, _ int64) {
			require.NoError(t, c.ClientKill(ctx, r.LocalAddr().String()).Err())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, id := victim(t)
			bystander, _ := victim(t)
			tc.kill(t, r, id)
			r.requireEOF(5 * time.Second)
			bystander.send("PING\r\n")
			require.Equal(t, "+PONG", bystander.readLine())
			require.NoError(t, c.Ping(ctx).Err())
		})
	}

	t.Run("no such client", func(t *testing.T) {
		runSteps(t, c, []step{
			{cmd: []any{"CLIENT", "KILL", "ID", 999999}, want: 0},
			{cmd: []any{"CLIENT", "KILL", "ADDR", "1.2.3.4:5"}, want: 0},
			{cmd: []any{"CLIENT", "KILL", "1.2.3.4:5"}, err: "ERR No such client"},
			// A filter it does not know kills nobody: USER names an
			// existing user, MAXAGE is not Redis 7.0's.
			{cmd: []any{"CLIENT", "KILL", "USER", "nobody"}, err: "ERR No such user 'nobody'"},
			{cmd: []any{"CLIENT", "KILL", "MAXAGE", "10"}, err: "ERR syntax error"},
			{cmd: []any{"CLIENT", "KILL", "USER", "default", "ID", 999999}, want: 0},
		})
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()

	t.Run("GET", func(t *testing.T) {
		got, err := c.ConfigGet(ctx, "port").Result()
		require.NoError(t, err)
		require.Equal(t, map[string]string{"port": strconv.Itoa(s.Port)}, got)

		got, err = c.ConfigGet(ctx, "databases").Result()
		require.NoError(t, err)
		require.Equal(t, map[string]string{"databases": "16"}, got)

		got, err = c.ConfigGet(ctx, "nosuch-option").Result()
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("GET patterns", func(t *testing.T) {
		all, err := c.ConfigGet(ctx, "*").Result()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(s.Port), all["port"])
		require.Equal(t, "16", all["databases"])
		require.Equal(t, "no", all["appendonly"])

		ports, err := c.ConfigGet(ctx, "*port*").Result()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(s.Port), ports["port"])
		for k := range ports {
			require.Contains(t, k, "port")
		}
		if target == targetNadb {
			require.Equal(t, strconv.Itoa(s.ReplPort), ports["repl-listen-port"])
		}

		dbs, err := c.ConfigGet(ctx, "data?ases").Result()
		require.NoError(t, err)
		require.Equal(t, map[string]string{"databases": "16"}, dbs)
	})

	t.Run("SET", func(t *testing.T) {
		require.NoError(t, c.ConfigSet(ctx, "appendfsync", "always").Err())
		require.Equal(t, map[string]string{"appendfsync": "always"}, c.ConfigGet(ctx, "appendfsync").Val())
		require.NoError(t, c.ConfigSet(ctx, "appendfsync", "everysec").Err())
		require.Equal(t, map[string]string{"appendfsync": "everysec"}, c.ConfigGet(ctx, "appendfsync").Val())
		requireRedisErr(t, c.ConfigSet(ctx, "foo", "bar").Err(),
			"ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
		requireRedisErr(t, c.ConfigSet(ctx, "databases", "4").Err(),
			"ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config")
		runSteps(t, c, []step{
			{cmd: []any{"CONFIG", "GET"}, err: "ERR wrong number of arguments for 'config|get' command"},
			{cmd: []any{"CONFIG", "SET", "foo"}, err: "ERR wrong number of arguments for 'config|set' command"},
		})
	})

	t.Run("RESETSTAT", func(t *testing.T) {
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
		for range 5 {
			require.NoError(t, c.Get(ctx, "k").Err())
		}
		require.GreaterOrEqual(t, infoInt(t, c, "stats", "keyspace_hits"), int64(5))
		before := infoInt(t, c, "stats", "total_commands_processed")
		require.NoError(t, c.ConfigResetStat(ctx).Err())
		require.Equal(t, int64(0), infoInt(t, c, "stats", "keyspace_hits"))
		require.Equal(t, int64(0), infoInt(t, c, "stats", "keyspace_misses"))
		require.Less(t, infoInt(t, c, "stats", "total_commands_processed"), before)
		require.Equal(t, "v", c.Get(ctx, "k").Val(), "RESETSTAT keeps the data")
	})
}

var hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)

const zeroDigest = "0000000000000000000000000000000000000000"

func TestDebug(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Client()

	digest := func(t *testing.T) string {
		t.Helper()
		d, err := c.Do(ctx, "DEBUG", "DIGEST").Text()
		require.NoError(t, err)
		require.Regexp(t, hex40, d)
		return d
	}
	load := func(t *testing.T, keys ...string) {
		t.Helper()
		require.NoError(t, c.FlushAll(ctx).Err())
		for _, k := range keys {
			require.NoError(t, c.Set(ctx, k, "value-of-"+k, 0).Err())
		}
	}

	t.Run("DIGEST", func(t *testing.T) {
		require.NoError(t, c.FlushAll(ctx).Err())
		require.Equal(t, zeroDigest, digest(t))

		load(t, "a", "b", "c", "d")
		first := digest(t)
		require.NotEqual(t, zeroDigest, first)
		require.Equal(t, first, digest(t), "DIGEST is stable")

		load(t, "d", "b", "a", "c")
		require.Equal(t, first, digest(t), "insertion order must not matter")

		require.NoError(t, c.Set(ctx, "a", "changed", 0).Err())
		require.NotEqual(t, first, digest(t))
		require.NoError(t, c.Set(ctx, "a", "value-of-a", 0).Err())
		require.Equal(t, first, digest(t))
		require.NoError(t, c.Del(ctx, "d").Err())
		require.NotEqual(t, first, digest(t))
	})

	t.Run("DIGEST-VALUE", func(t *testing.T) {
		require.NoError(t, c.FlushAll(ctx).Err())
		require.NoError(t, c.MSet(ctx, "a", "same", "b", "same", "c", "other").Err())
		reply, err := c.Do(ctx, "DEBUG", "DIGEST-VALUE", "a", "b", "c", "nope").StringSlice()
		require.NoError(t, err)
		require.Len(t, reply, 4)
		for _, d := range reply {
			require.Regexp(t, hex40, d)
		}
		require.NotEqual(t, zeroDigest, reply[0])
		require.Equal(t, reply[0], reply[1], "equal values have equal digests")
		require.NotEqual(t, reply[0], reply[2])
		require.Equal(t, zeroDigest, reply[3], "a missing key digests to zeros")
	})

	t.Run("SLEEP 0", func(t *testing.T) {
		require.Equal(t, "OK", c.Do(ctx, "DEBUG", "SLEEP", 0).Val())
	})
}

// TestDebugObject: DEBUG OBJECT gives Redis's line for each kind of value
// (refcount, encoding, the serialized length, the LRU clock and idle
// time, a quicklist's nodes) and "no such key" for a missing one; the
// address is the server's own (run with NADB_TEST_TARGET=redis-server to
// see redis-server answer the same).
func TestDebugObject(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "str", "bar", 0).Err())
	require.NoError(t, c.Set(ctx, "int", "123", 0).Err())
	require.NoError(t, c.RPush(ctx, "list", "a", "b", "c").Err())
	require.NoError(t, c.HSet(ctx, "hash", "f", "v").Err())
	require.NoError(t, c.ZAdd(ctx, "zset", redis.Z{Score: 1, Member: "a"}).Err())
	for key, want := range map[string]string{
		"str":  ` refcount:1 encoding:embstr serializedlength:4 lru:\d+ lru_seconds_idle:\d+$`,
		"int":  ` refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:\d+$`,
		"list": ` refcount:1 encoding:quicklist serializedlength:19 lru:\d+ lru_seconds_idle:\d+ ql_nodes:1 ql_avg_node:3\.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:16$`,
		"hash": ` refcount:1 encoding:listpack serializedlength:14 lru:\d+ lru_seconds_idle:\d+$`,
		"zset": ` refcount:1 encoding:listpack serializedlength:13 lru:\d+ lru_seconds_idle:\d+$`,
	} {
		line, err := c.DebugObject(ctx, key).Result()
		require.NoError(t, err, key)
		require.Regexp(t, `^Value at:0x[0-9a-f]+`+want, line, key)
	}
	require.EqualError(t, c.DebugObject(ctx, "nokey").Err(), "ERR no such key")
}
