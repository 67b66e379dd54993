package resp

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestMaxMemoryRepliesMatchRedis runs the same commands against this server
// and a real redis-server, both with maxmemory 1 (memory is always above
// it), and compares the raw replies: commands flagged denyoom get -OOM
// under noeviction, the others run; OBJECT FREQ and IDLETIME answer as the
// policy allows.
func TestMaxMemoryRepliesMatchRedis(t *testing.T) {
	ts := startServer(t, Options{})
	ours := dialRaw(t, ts.addr)
	redis := dialRaw(t, startRealRedis(t))

	// configure sets maxmemory and the policy on both servers.
	configure := func(maxMemory string, policy engine.Policy) {
		t.Helper()
		require.Equal(t, "+OK\r\n", redis.do("CONFIG", "SET", "maxmemory", maxMemory, "maxmemory-policy", policy.String()))
		c := engine.DefaultEviction
		c.Policy = policy
		if maxMemory != "0" {
			c.MaxMemory = 1
		}
		ts.eng.SetEviction(c)
	}
	same := func(args ...string) string {
		t.Helper()
		want := redis.do(args...)
		require.Equal(t, want, ours.do(args...), strings.Join(args, " "))
		return want
	}
	for _, c := range []*rawConn{ours, redis} {
		require.Equal(t, "+OK\r\n", c.do("SET", "k", "v"))
		require.Equal(t, "+OK\r\n", c.do("SET", "volatile", "v", "EX", "100"))
	}

	configure("1", engine.NoEviction)
	oom := "-" + errOOM + "\r\n"
	for _, cmd := range [][]string{
		{"SET", "a", "b"}, {"SETNX", "a", "b"}, {"SETEX", "a", "10", "b"}, {"PSETEX", "a", "10", "b"},
		{"GETSET", "k", "x"}, {"MSET", "a", "b"}, {"MSETNX", "a", "b"}, {"APPEND", "k", "x"},
		{"INCR", "n"}, {"DECR", "n"}, {"INCRBY", "n", "2"}, {"DECRBY", "n", "2"}, {"INCRBYFLOAT", "n", "1.5"},
		{"SETRANGE", "k", "1", "x"}, {"COPY", "k", "k2"},
	} {
		require.Equal(t, oom, same(cmd...), strings.Join(cmd, " "))
	}
	require.Equal(t, "-"+errNotLFU+"\r\n", same("OBJECT", "FREQ", "k"))
	for _, cmd := range [][]string{
		{"GET", "k"}, {"EXISTS", "k"}, {"EXPIRE", "k", "100"}, {"PERSIST", "k"}, {"GETEX", "k", "PX", "100000"},
		{"RENAME", "k", "k1"}, {"MOVE", "k1", "3"}, {"DEL", "missing"}, {"GETDEL", "volatile"},
		{"OBJECT", "FREQ", "missing"}, {"OBJECT", "FREQ", "k1"}, {"OBJECT", "IDLETIME", "missing"},
	} {
		same(cmd...)
	}

	configure("0", engine.AllKeysLFU)
	same("SET", "k", "v")
	require.Equal(t, ":5\r\n", same("OBJECT", "FREQ", "k"), "a new key's counter")
	require.Equal(t, "-"+errLFU+"\r\n", same("OBJECT", "IDLETIME", "k"))
	same("OBJECT", "IDLETIME", "missing")
	configure("0", engine.VolatileLRU)
	same("SET", "k", "v") // an access word written under LFU means nothing to LRU, here as in Redis
	require.Equal(t, ":0\r\n", same("OBJECT", "IDLETIME", "k"))
}

// TestDenyOOMFlag: the commands that may grow memory carry denyoom in
// COMMAND INFO, after write, as in Redis.
func TestDenyOOMFlag(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	for name, want := range map[string]string{
		"set":    "*2\r\n+write\r\n+denyoom\r\n",
		"incr":   "*3\r\n+write\r\n+denyoom\r\n+fast\r\n",
		"copy":   "*2\r\n+write\r\n+denyoom\r\n",
		"del":    "*1\r\n+write\r\n",
		"getdel": "*2\r\n+write\r\n+fast\r\n",
		"get":    "*2\r\n+readonly\r\n+fast\r\n",
	} {
		require.Contains(t, c.do("COMMAND", "INFO", name), want, name)
	}
}

// TestEvictionBeforeWrites: with a policy that may evict, a write first
// brings memory under maxmemory; INFO shows the accounting and the count.
func TestEvictionBeforeWrites(t *testing.T) {
	clock := &steppedClock{}
	clock.now.Store(time.Now().UnixNano())
	eng := engine.New(engine.Options{Clock: clock})
	ts := startServer(t, Options{Engine: eng})
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("SET", "old", strings.Repeat("x", 1000)))
	used := eng.Memory().Used
	cfg := engine.DefaultEviction
	cfg.MaxMemory, cfg.Policy = used, engine.AllKeysLRU
	eng.SetEviction(cfg)
	clock.now.Add(int64(30 * time.Millisecond)) // the LRU clock counts 10 ms units
	require.Equal(t, "+OK\r\n", c.do("SET", "new", strings.Repeat("y", 1000)))
	require.Equal(t, ":1\r\n", c.do("EXISTS", "new"), "eviction runs before a write: the write itself may go above the limit")
	require.Equal(t, "+OK\r\n", c.do("SET", "newer", strings.Repeat("z", 1000)))
	require.Equal(t, ":0\r\n", c.do("EXISTS", "old"), "the least recently used key was evicted")
	info := c.do("INFO", "memory")
	require.Contains(t, info, "\r\nmaxmemory_policy:allkeys-lru\r\n")
	require.Contains(t, info, "\r\nmaxmemory:"+itoa(used)+"\r\n")
	require.Contains(t, info, "\r\nused_memory:"+itoa(eng.Memory().Used)+"\r\n")
	require.Contains(t, c.do("INFO", "stats"), "\r\nevicted_keys:1\r\n")
}

// steppedClock is an engine.Clock that moves only when a test moves it.
type steppedClock struct{ now atomic.Int64 }

func (c *steppedClock) Now() time.Time { return time.Unix(0, c.now.Load()) }
