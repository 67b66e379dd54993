package integration

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// notifyStep is a command, its exact reply, and the keyspace events it
// publishes, each as "event key" (the __keyevent@<db>__:<event> channel
// and its message), prefixed "@<db> " outside database 0.
type notifyStep struct {
	cmd    []string
	reply  string
	events []string
}

// anyReply accepts any reply (of a command that picks at random).
const anyReply = "(any)"

// notifyFence is a channel the subscriber's pattern matches: published
// after each command, its message marks the end of the command's events
// (a command publishes its events while it runs, before its reply).
const notifyFence = "__keyevent@0__:zz-fence"

// readPMessage reads one pmessage of the pattern __key*__:* and returns
// its channel and message.
func readPMessage(t *testing.T, c *rawConn) (string, string) {
	t.Helper()
	f := readReply(t, c)
	parts := strings.Split(f, "\r\n")
	require.True(t, len(parts) >= 9 && parts[0] == "*4" && parts[2] == "pmessage", "not a pmessage: %q", f)
	return parts[6], parts[8]
}

// readEvents reads sub's events up to the fence whose message is fence.
// Every event must come as the keyspace message then the keyevent message,
// as Redis sends them with notify-keyspace-events K and E.
func readEvents(t *testing.T, sub *rawConn, fence string) []string {
	t.Helper()
	var events []string
	for {
		ch, msg := readPMessage(t, sub)
		if ch == notifyFence {
			require.Equal(t, fence, msg)
			return events
		}
		space, ok := strings.CutPrefix(ch, "__keyspace@")
		require.True(t, ok, "expected a keyspace message first, got %s %s", ch, msg)
		db, key, _ := strings.Cut(space, "__:")
		ech, emsg := readPMessage(t, sub)
		require.Equal(t, "__keyevent@"+db+"__:"+msg, ech)
		require.Equal(t, key, emsg)
		e := msg + " " + key
		if db != "0" {
			e = "@" + db + " " + e
		}
		events = append(events, e)
	}
}

// runNotifySteps runs steps on c with sub subscribed to __key*__:*, and
// requires each step's reply and events (readEvents). With NADB_NOTIFY_RECORD=<file> it writes
// what it saw as Go literals to the file instead (to record redis-server).
func runNotifySteps(t *testing.T, c, sub *rawConn, steps []notifyStep) {
	t.Helper()
	record := os.Getenv("NADB_NOTIFY_RECORD")
	var out strings.Builder
	for i, st := range steps {
		if record != "" {
			t.Logf("step %d %v", i, st.cmd)
		}
		c.send(respCommand(st.cmd))
		reply := readReply(t, c)
		var events []string
		// Inside MULTI the fence would be queued too: the events of the
		// queued commands come with EXEC's.
		queued := reply == "+QUEUED\r\n" || (len(st.cmd) == 1 && strings.EqualFold(st.cmd[0], "multi"))
		if !queued {
			c.send(respCommand([]string{"PUBLISH", notifyFence, strconv.Itoa(i)}))
			readReply(t, c)
		}
		if !queued {
			events = readEvents(t, sub, strconv.Itoa(i))
		}
		if record != "" {
			fmt.Fprintf(&out, "\t\t{%#v, %q, %#v},\n", st.cmd, reply, events)
			continue
		}
		if st.reply != anyReply {
			require.Equal(t, st.reply, reply, "step %d %v", i, st.cmd)
		}
		require.Equal(t, st.events, events, "step %d %v: events", i, st.cmd)
	}
	if record != "" {
		require.NoError(t, os.WriteFile(record, []byte(out.String()), 0o644))
	}
}

// startNotify starts a server with notify-keyspace-events set to flags and
// returns a client and a subscriber of every keyspace channel.
func startNotify(t *testing.T, flags string) (c, sub *rawConn) {
	t.Helper()
	s := startServer(t)
	c = dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", flags}, "+OK\r\n"},
	})
	sub = dialRaw(t, s.Addr())
	requireExactReplies(t, sub, []exactStep{
		{[]string{"PSUBSCRIBE", "__key*__:*"}, "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n"},
	})
	return c, sub
}

// ms is a Unix time in milliseconds, as text, d from now.
func msFromNow(d time.Duration) string {
	return strconv.FormatInt(time.Now().Add(d).UnixMilli(), 10)
}

// TestKeyspaceEventsAll: with notify-keyspace-events KEA, every write
// command publishes Redis's events for what it did, in Redis's order;
// each step's reply and events byte for byte as redis-server 7.0.
func TestKeyspaceEventsAll(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEA")
	later := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	laterMs := msFromNow(time.Hour)
	runNotifySteps(t, c, sub, []notifyStep{
		// strings
		{[]string{"SET", "k", "v"}, "+OK\r\n", []string{"set k"}},
		{[]string{"SET", "k", "v", "EX", "100"}, "+OK\r\n", []string{"set k", "expire k"}},
		{[]string{"SET", "k", "v", "KEEPTTL"}, "+OK\r\n", []string{"set k"}},
		{[]string{"SET", "k", "v", "NX"}, "$-1\r\n", nil},
		{[]string{"SET", "k", "w", "XX", "GET"}, "$1\r\nv\r\n", []string{"set k"}},
		{[]string{"SET", "k", "w", "PXAT", laterMs}, "+OK\r\n", []string{"set k", "expire k"}},
		{[]string{"SETNX", "k2", "v"}, ":1\r\n", []string{"set k2"}},
		{[]string{"SETNX", "k2", "v"}, ":0\r\n", nil},
		{[]string{"SETEX", "k3", "100", "v"}, "+OK\r\n", []string{"set k3", "expire k3"}},
		{[]string{"PSETEX", "k4", "100000", "v"}, "+OK\r\n", []string{"set k4", "expire k4"}},
		{[]string{"GETSET", "k", "v2"}, "$1\r\nw\r\n", []string{"set k"}},
		{[]string{"MSET", "a", "1", "b", "2"}, "+OK\r\n", []string{"set a", "set b"}},
		{[]string{"MSETNX", "c", "1", "d", "2"}, ":1\r\n", []string{"set c", "set d"}},
		{[]string{"MSETNX", "c", "1", "e", "2"}, ":0\r\n", nil},
		{[]string{"APPEND", "k", "x"}, ":3\r\n", []string{"append k"}},
		{[]string{"APPEND", "newk", "x"}, ":1\r\n", []string{"append newk"}},
		{[]string{"SETRANGE", "k", "1", "zz"}, ":3\r\n", []string{"setrange k"}},
		{[]string{"SETRANGE", "k", "1", ""}, ":3\r\n", nil},
		{[]string{"SETRANGE", "nokey", "0", ""}, ":0\r\n", nil},
		{[]string{"SETRANGE", "k5", "2", "ab"}, ":4\r\n", []string{"setrange k5"}},
		{[]string{"INCR", "n"}, ":1\r\n", []string{"incrby n"}},
		{[]string{"DECR", "n"}, ":0\r\n", []string{"incrby n"}},
		{[]string{"INCRBY", "n", "5"}, ":5\r\n", []string{"incrby n"}},
		{[]string{"DECRBY", "n", "2"}, ":3\r\n", []string{"incrby n"}},
		{[]string{"INCRBYFLOAT", "f", "1.5"}, "$3\r\n1.5\r\n", []string{"incrbyfloat f"}},
		{[]string{"INCR", "k"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"GETDEL", "k5"}, "$4\r\n\x00\x00ab\r\n", []string{"del k5"}},
		{[]string{"GETDEL", "k5"}, "$-1\r\n", nil},
		{[]string{"GETEX", "a", "EX", "100"}, "$1\r\n1\r\n", []string{"expire a"}},
		{[]string{"GETEX", "a", "PERSIST"}, "$1\r\n1\r\n", []string{"persist a"}},
		{[]string{"GETEX", "a"}, "$1\r\n1\r\n", nil},
		{[]string{"GETEX", "b", "PXAT", "1"}, "$1\r\n2\r\n", []string{"del b"}},
		{[]string{"GET", "a"}, "$1\r\n1\r\n", nil},
		{[]string{"STRLEN", "nokey"}, ":0\r\n", nil},
		// generic
		{[]string{"DEL", "a", "nokey", "c"}, ":2\r\n", []string{"del a", "del c"}},
		{[]string{"UNLINK", "d"}, ":1\r\n", []string{"del d"}},
		{[]string{"SET", "e", "v"}, "+OK\r\n", []string{"set e"}},
		{[]string{"EXPIRE", "e", "100"}, ":1\r\n", []string{"expire e"}},
		{[]string{"EXPIRE", "e", "200", "NX"}, ":0\r\n", nil},
		{[]string{"PEXPIRE", "e", "100000"}, ":1\r\n", []string{"expire e"}},
		{[]string{"EXPIREAT", "e", later}, ":1\r\n", []string{"expire e"}},
		{[]string{"PEXPIREAT", "e", laterMs}, ":1\r\n", []string{"expire e"}},
		{[]string{"EXPIRE", "nokey", "100"}, ":0\r\n", nil},
		{[]string{"PERSIST", "e"}, ":1\r\n", []string{"persist e"}},
		{[]string{"PERSIST", "e"}, ":0\r\n", nil},
		{[]string{"EXPIRE", "e", "-1"}, ":1\r\n", []string{"del e"}},
		{[]string{"SET", "r", "v"}, "+OK\r\n", []string{"set r"}},
		{[]string{"RENAME", "r", "r2"}, "+OK\r\n", []string{"rename_from r", "rename_to r2"}},
		{[]string{"RENAME", "r2", "r2"}, "+OK\r\n", nil},
		{[]string{"RENAMENX", "r2", "r3"}, ":1\r\n", []string{"rename_from r2", "rename_to r3"}},
		{[]string{"RENAMENX", "r3", "k2"}, ":0\r\n", nil},
		{[]string{"RENAME", "r3", "k2"}, "+OK\r\n", []string{"rename_from r3", "rename_to k2"}},
		{[]string{"COPY", "k2", "cp"}, ":1\r\n", []string{"copy_to cp"}},
		{[]string{"COPY", "k2", "cp"}, ":0\r\n", nil},
		{[]string{"COPY", "k2", "cp", "REPLACE"}, ":1\r\n", []string{"copy_to cp"}},
		{[]string{"COPY", "k2", "cp", "DB", "1"}, ":1\r\n", []string{"@1 copy_to cp"}},
		{[]string{"MOVE", "cp", "2"}, ":1\r\n", []string{"move_from cp", "@2 move_to cp"}},
		{[]string{"MOVE", "k2", "2"}, ":1\r\n", []string{"move_from k2", "@2 move_to k2"}},
		{[]string{"TOUCH", "k3"}, ":1\r\n", nil},
		{[]string{"TYPE", "k3"}, "+string\r\n", nil},
		// bitmaps and HyperLogLog
		{[]string{"SETBIT", "bm", "7", "1"}, ":0\r\n", []string{"setbit bm"}},
		{[]string{"SETBIT", "bm", "7", "1"}, ":1\r\n", nil},
		{[]string{"BITFIELD", "bf", "SET", "u8", "0", "255"}, "*1\r\n:0\r\n", []string{"setbit bf"}},
		{[]string{"BITFIELD", "bf", "GET", "u8", "0"}, "*1\r\n:255\r\n", nil},
		{[]string{"BITFIELD", "bf", "INCRBY", "u8", "0", "1"}, "*1\r\n:0\r\n", []string{"setbit bf"}},
		{[]string{"BITOP", "AND", "bd", "bm", "bf"}, ":1\r\n", []string{"set bd"}},
		{[]string{"BITOP", "AND", "bd", "nokey", "nokey2"}, ":0\r\n", []string{"del bd"}},
		{[]string{"BITOP", "AND", "bd", "nokey", "nokey2"}, ":0\r\n", nil},
		{[]string{"PFADD", "h", "a", "b"}, ":1\r\n", []string{"pfadd h"}},
		{[]string{"PFADD", "h", "a"}, ":0\r\n", nil},
		{[]string{"PFADD", "h2"}, ":1\r\n", []string{"pfadd h2"}},
		{[]string{"PFMERGE", "h3", "h", "h2"}, "+OK\r\n", []string{"pfadd h3"}},
		{[]string{"PFCOUNT", "h"}, ":2\r\n", nil},
		// lists
		{[]string{"LPUSH", "l", "a", "b"}, ":2\r\n", []string{"lpush l"}},
		{[]string{"RPUSH", "l", "c"}, ":3\r\n", []string{"rpush l"}},
		{[]string{"LPUSHX", "nokey", "x"}, ":0\r\n", nil},
		{[]string{"RPUSHX", "l", "d"}, ":4\r\n", []string{"rpush l"}},
		{[]string{"LPUSHX", "l", "e"}, ":5\r\n", []string{"lpush l"}},
		{[]string{"LPOP", "l"}, "$1\r\ne\r\n", []string{"lpop l"}},
		{[]string{"RPOP", "l", "2"}, "*2\r\n$1\r\nd\r\n$1\r\nc\r\n", []string{"rpop l"}},
		{[]string{"LPOP", "l", "0"}, "*0\r\n", nil},
		{[]string{"LSET", "l", "0", "z"}, "+OK\r\n", []string{"lset l"}},
		{[]string{"LINSERT", "l", "BEFORE", "z", "y"}, ":3\r\n", []string{"linsert l"}},
		{[]string{"LINSERT", "l", "BEFORE", "nope", "y"}, ":-1\r\n", nil},
		{[]string{"LREM", "l", "0", "y"}, ":1\r\n", []string{"lrem l"}},
		{[]string{"LREM", "l", "0", "nope"}, ":0\r\n", nil},
		{[]string{"RPUSH", "l", "p", "q"}, ":4\r\n", []string{"rpush l"}},
		{[]string{"LTRIM", "l", "0", "1"}, "+OK\r\n", []string{"ltrim l"}},
		{[]string{"LTRIM", "l", "0", "-1"}, "+OK\r\n", []string{"ltrim l"}},
		{[]string{"LTRIM", "l", "5", "1"}, "+OK\r\n", []string{"ltrim l", "del l"}},
		{[]string{"RPUSH", "l", "a", "b"}, ":2\r\n", []string{"rpush l"}},
		{[]string{"LPOP", "l", "5"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", []string{"lpop l", "del l"}},
		{[]string{"RPUSH", "l2", "a", "b"}, ":2\r\n", []string{"rpush l2"}},
		{[]string{"LMOVE", "l2", "l3", "LEFT", "RIGHT"}, "$1\r\na\r\n", []string{"rpush l3", "lpop l2"}},
		{[]string{"LMOVE", "l2", "l3", "RIGHT", "LEFT"}, "$1\r\nb\r\n", []string{"lpush l3", "rpop l2", "del l2"}},
		{[]string{"RPOPLPUSH", "l3", "l3"}, "$1\r\na\r\n", []string{"lpush l3", "rpop l3"}},
		{[]string{"LMOVE", "l3", "l3", "LEFT", "LEFT"}, "$1\r\na\r\n", []string{"lpush l3", "lpop l3"}},
		{[]string{"RPOPLPUSH", "l3", "l4"}, "$1\r\nb\r\n", []string{"lpush l4", "rpop l3"}},
		{[]string{"LMPOP", "2", "nokey", "l3", "LEFT"}, "*2\r\n$2\r\nl3\r\n*1\r\n$1\r\na\r\n", []string{"lpop l3", "del l3"}},
		{[]string{"LMPOP", "1", "l4", "RIGHT", "COUNT", "5"}, "*2\r\n$2\r\nl4\r\n*1\r\n$1\r\nb\r\n", []string{"rpop l4", "del l4"}},
		{[]string{"RPUSH", "bl", "a", "b", "c", "d", "e", "f"}, ":6\r\n", []string{"rpush bl"}},
		{[]string{"BLPOP", "nokey", "bl", "0"}, "*2\r\n$2\r\nbl\r\n$1\r\na\r\n", []string{"lpop bl"}},
		{[]string{"BRPOP", "bl", "0"}, "*2\r\n$2\r\nbl\r\n$1\r\nf\r\n", []string{"rpop bl"}},
		{[]string{"BLMOVE", "bl", "bl2", "LEFT", "LEFT", "0"}, "$1\r\nb\r\n", []string{"lpush bl2", "lpop bl"}},
		{[]string{"BRPOPLPUSH", "bl", "bl2", "0"}, "$1\r\ne\r\n", []string{"lpush bl2", "rpop bl"}},
		{[]string{"BLMPOP", "0", "1", "bl", "RIGHT", "COUNT", "9"}, "*2\r\n$2\r\nbl\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n", []string{"rpop bl", "del bl"}},
		{[]string{"LPUSH", "k3", "x"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		// hashes
		{[]string{"HSET", "hs", "f", "v", "g", "w"}, ":2\r\n", []string{"hset hs"}},
		{[]string{"HSET", "hs", "f", "v"}, ":0\r\n", []string{"hset hs"}},
		{[]string{"HMSET", "hs", "x", "1"}, "+OK\r\n", []string{"hset hs"}},
		{[]string{"HSETNX", "hs", "f", "v"}, ":0\r\n", nil},
		{[]string{"HSETNX", "hs", "n", "v"}, ":1\r\n", []string{"hset hs"}},
		{[]string{"HINCRBY", "hs", "x", "2"}, ":3\r\n", []string{"hincrby hs"}},
		{[]string{"HINCRBYFLOAT", "hs", "y", "1.5"}, "$3\r\n1.5\r\n", []string{"hincrbyfloat hs"}},
		{[]string{"HDEL", "hs", "nope"}, ":0\r\n", nil},
		{[]string{"HDEL", "hs", "f", "g", "nope"}, ":2\r\n", []string{"hdel hs"}},
		{[]string{"HDEL", "hs", "x", "y", "n"}, ":3\r\n", []string{"hdel hs", "del hs"}},
		{[]string{"HGET", "hs", "x"}, "$-1\r\n", nil},
		// sets
		{[]string{"SADD", "s", "a", "b", "c"}, ":3\r\n", []string{"sadd s"}},
		{[]string{"SADD", "s", "a"}, ":0\r\n", nil},
		{[]string{"SREM", "s", "a"}, ":1\r\n", []string{"srem s"}},
		{[]string{"SREM", "s", "nope"}, ":0\r\n", nil},
		{[]string{"SMOVE", "s", "s2", "b"}, ":1\r\n", []string{"srem s", "sadd s2"}},
		{[]string{"SMOVE", "s", "s2", "nope"}, ":0\r\n", nil},
		{[]string{"SMOVE", "s", "s2", "c"}, ":1\r\n", []string{"srem s", "del s", "sadd s2"}},
		{[]string{"SMOVE", "s2", "s2", "c"}, ":1\r\n", nil},
		{[]string{"SADD", "sp", "a", "b", "c", "d"}, ":4\r\n", []string{"sadd sp"}},
		{[]string{"SPOP", "sp"}, anyReply, []string{"spop sp"}},
		{[]string{"SPOP", "sp", "1"}, anyReply, []string{"spop sp"}},
		{[]string{"SPOP", "sp", "0"}, "*0\r\n", nil},
		{[]string{"SPOP", "sp", "5"}, anyReply, []string{"spop sp", "del sp"}},
		{[]string{"SADD", "s3", "b", "x"}, ":2\r\n", []string{"sadd s3"}},
		{[]string{"SINTERSTORE", "sd", "s2", "s3"}, ":1\r\n", []string{"sinterstore sd"}},
		{[]string{"SUNIONSTORE", "sd", "s2", "s3"}, ":3\r\n", []string{"sunionstore sd"}},
		{[]string{"SDIFFSTORE", "sd", "s2", "s3"}, ":1\r\n", []string{"sdiffstore sd"}},
		{[]string{"SINTERSTORE", "sd", "s2", "nokey"}, ":0\r\n", []string{"del sd"}},
		{[]string{"SINTERSTORE", "sd", "s2", "nokey"}, ":0\r\n", nil},
		{[]string{"SCARD", "s3"}, ":2\r\n", nil},
		// sorted sets
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}, ":5\r\n", []string{"zadd z"}},
		{[]string{"ZADD", "z", "1", "a"}, ":0\r\n", nil},
		{[]string{"ZADD", "z", "NX", "9", "a"}, ":0\r\n", nil},
		{[]string{"ZADD", "z", "INCR", "1", "a"}, "$1\r\n2\r\n", []string{"zincr z"}},
		{[]string{"ZADD", "z", "XX", "INCR", "1", "nope"}, "$-1\r\n", nil},
		{[]string{"ZINCRBY", "z", "1", "a"}, "$1\r\n3\r\n", []string{"zincr z"}},
		{[]string{"ZINCRBY", "z", "0", "a"}, "$1\r\n3\r\n", nil},
		{[]string{"ZREM", "z", "nope"}, ":0\r\n", nil},
		{[]string{"ZREM", "z", "a"}, ":1\r\n", []string{"zrem z"}},
		{[]string{"ZREMRANGEBYSCORE", "z", "2", "2"}, ":1\r\n", []string{"zremrangebyscore z"}},
		{[]string{"ZREMRANGEBYSCORE", "z", "100", "200"}, ":0\r\n", nil},
		{[]string{"ZREMRANGEBYRANK", "z", "0", "0"}, ":1\r\n", []string{"zremrangebyrank z"}},
		{[]string{"ZADD", "zl", "0", "a", "0", "b", "0", "c", "0", "d"}, ":4\r\n", []string{"zadd zl"}},
		{[]string{"ZREMRANGEBYLEX", "zl", "[a", "[a"}, ":1\r\n", []string{"zremrangebylex zl"}},
		{[]string{"ZPOPMIN", "zl"}, "*2\r\n$1\r\nb\r\n$1\r\n0\r\n", []string{"zpopmin zl"}},
		{[]string{"ZPOPMAX", "zl", "1"}, "*2\r\n$1\r\nd\r\n$1\r\n0\r\n", []string{"zpopmax zl"}},
		{[]string{"ZPOPMAX", "zl", "0"}, "*0\r\n", nil},
		{[]string{"ZMPOP", "2", "nokey", "zl", "MIN", "COUNT", "5"}, "*2\r\n$2\r\nzl\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n0\r\n", []string{"zpopmin zl", "del zl"}},
		{[]string{"ZADD", "zb", "1", "a", "2", "b", "3", "c"}, ":3\r\n", []string{"zadd zb"}},
		{[]string{"BZPOPMIN", "zb", "0"}, "*3\r\n$2\r\nzb\r\n$1\r\na\r\n$1\r\n1\r\n", []string{"zpopmin zb"}},
		{[]string{"BZPOPMAX", "zb", "0"}, "*3\r\n$2\r\nzb\r\n$1\r\nc\r\n$1\r\n3\r\n", []string{"zpopmax zb"}},
		{[]string{"BZMPOP", "0", "1", "zb", "MAX"}, "*2\r\n$2\r\nzb\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", []string{"zpopmax zb", "del zb"}},
		{[]string{"ZADD", "z1", "1", "a", "2", "b"}, ":2\r\n", []string{"zadd z1"}},
		{[]string{"ZADD", "z2", "1", "b", "2", "c"}, ":2\r\n", []string{"zadd z2"}},
		{[]string{"ZUNIONSTORE", "zd", "2", "z1", "z2"}, ":3\r\n", []string{"zunionstore zd"}},
		{[]string{"ZINTERSTORE", "zd", "2", "z1", "z2"}, ":1\r\n", []string{"zinterstore zd"}},
		{[]string{"ZDIFFSTORE", "zd", "2", "z1", "z2"}, ":1\r\n", []string{"zdiffstore zd"}},
		{[]string{"ZRANGESTORE", "zd", "z1", "0", "-1"}, ":2\r\n", []string{"zrangestore zd"}},
		{[]string{"ZRANGESTORE", "zd", "z1", "5", "6"}, ":0\r\n", []string{"del zd"}},
		{[]string{"ZINTERSTORE", "zd", "2", "z1", "nokey"}, ":0\r\n", nil},
		{[]string{"ZRANGE", "z1", "0", "-1"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", nil},
		// geo
		{[]string{"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"}, ":2\r\n", []string{"zadd g"}},
		{[]string{"GEOADD", "g", "13.361389", "38.115556", "Palermo"}, ":0\r\n", nil},
		{[]string{"GEOSEARCHSTORE", "gd", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "500", "km", "ASC"}, ":2\r\n", []string{"geosearchstore gd"}},
		{[]string{"GEORADIUS", "g", "15", "37", "200", "km", "STORE", "gd2"}, ":2\r\n", []string{"georadiusstore gd2"}},
		{[]string{"GEORADIUSBYMEMBER", "g", "Palermo", "500", "km", "STOREDIST", "gd3"}, ":2\r\n", []string{"georadiusstore gd3"}},
		{[]string{"GEOSEARCHSTORE", "gd", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"}, ":0\r\n", []string{"del gd"}},
		// sort
		{[]string{"RPUSH", "sl", "3", "1", "2"}, ":3\r\n", []string{"rpush sl"}},
		{[]string{"SORT", "sl", "STORE", "sld"}, ":3\r\n", []string{"sortstore sld"}},
		{[]string{"SORT", "nokey", "STORE", "sld"}, ":0\r\n", []string{"del sld"}},
		{[]string{"SORT", "sl"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", nil},
		// transactions and scripts
		{[]string{"MULTI"}, "+OK\r\n", nil},
		{[]string{"SET", "t", "1"}, "+QUEUED\r\n", nil},
		{[]string{"INCR", "t"}, "+QUEUED\r\n", nil},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n:2\r\n", []string{"set t", "incrby t"}},
		{[]string{"EVAL", "redis.call('set', KEYS[1], 'x'); redis.call('lpush', KEYS[2], 'y'); return 1", "2", "sc1", "sc2"}, ":1\r\n", []string{"set sc1", "lpush sc2"}},
		// databases
		{[]string{"SELECT", "3"}, "+OK\r\n", nil},
		{[]string{"SET", "k", "v"}, "+OK\r\n", []string{"@3 set k"}},
		{[]string{"SWAPDB", "3", "4"}, "+OK\r\n", nil},
		{[]string{"FLUSHDB"}, "+OK\r\n", nil},
		{[]string{"SELECT", "0"}, "+OK\r\n", nil},
		{[]string{"FLUSHALL"}, "+OK\r\n", nil},
	})
}

// TestKeyspaceEventsNewAndMiss: the classes outside A, n (a key added to
// a database: "new") and m (a read that misses its key: "keymiss"), with
// every other class too; byte for byte as redis-server 7.0.
func TestKeyspaceEventsNewAndMiss(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEAnm")
	runNotifySteps(t, c, sub, []notifyStep{
		{[]string{"SET", "k", "v"}, "+OK\r\n", []string{"new k", "set k"}},
		{[]string{"SET", "k", "v2"}, "+OK\r\n", []string{"set k"}},
		{[]string{"GET", "nokey"}, "$-1\r\n", []string{"keymiss nokey"}},
		{[]string{"GET", "k"}, "$2\r\nv2\r\n", nil},
		{[]string{"MGET", "k", "nokey", "nokey2"}, "*3\r\n$2\r\nv2\r\n$-1\r\n$-1\r\n", []string{"keymiss nokey", "keymiss nokey2"}},
		{[]string{"EXISTS", "nokey"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"TYPE", "nokey"}, "+none\r\n", []string{"keymiss nokey"}},
		{[]string{"TTL", "nokey"}, ":-2\r\n", []string{"keymiss nokey"}},
		{[]string{"STRLEN", "nokey"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"GETRANGE", "nokey", "0", "1"}, "$0\r\n\r\n", []string{"keymiss nokey"}},
		{[]string{"LRANGE", "nokey", "0", "1"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"LLEN", "nokey"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"HGET", "nokey", "f"}, "$-1\r\n", []string{"keymiss nokey"}},
		{[]string{"HGETALL", "nokey"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"SMEMBERS", "nokey"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"SISMEMBER", "nokey", "a"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"ZRANGE", "nokey", "0", "1"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"ZSCORE", "nokey", "a"}, "$-1\r\n", []string{"keymiss nokey"}},
		{[]string{"GETBIT", "nokey", "1"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"BITCOUNT", "nokey"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"PFCOUNT", "nokey"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"SUNION", "nokey", "nokey2"}, "*0\r\n", []string{"keymiss nokey", "keymiss nokey2"}},
		{[]string{"OBJECT", "ENCODING", "nokey"}, "$-1\r\n", nil},
		{[]string{"GETDEL", "nokey"}, "$-1\r\n", []string{"keymiss nokey"}},
		{[]string{"GETEX", "nokey"}, "$-1\r\n", []string{"keymiss nokey"}},
		{[]string{"GETSET", "gs", "v"}, "$-1\r\n", []string{"keymiss gs", "new gs", "set gs"}},
		{[]string{"INCR", "n"}, ":1\r\n", []string{"new n", "incrby n"}},
		{[]string{"APPEND", "ap", "x"}, ":1\r\n", []string{"new ap", "append ap"}},
		{[]string{"SETRANGE", "sr", "1", "x"}, ":2\r\n", []string{"new sr", "setrange sr"}},
		{[]string{"MSET", "m1", "1", "k", "2"}, "+OK\r\n", []string{"new m1", "set m1", "set k"}},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n", []string{"new h", "hset h"}},
		{[]string{"HINCRBY", "h2", "f", "1"}, ":1\r\n", []string{"new h2", "hincrby h2"}},
		{[]string{"LPUSH", "l", "a"}, ":1\r\n", []string{"new l", "lpush l"}},
		{[]string{"SADD", "s", "a"}, ":1\r\n", []string{"new s", "sadd s"}},
		{[]string{"ZADD", "z", "1", "a"}, ":1\r\n", []string{"new z", "zadd z"}},
		{[]string{"ZINCRBY", "z2", "1", "a"}, "$1\r\n1\r\n", []string{"new z2", "zincr z2"}},
		{[]string{"SETBIT", "b", "1", "1"}, ":0\r\n", []string{"new b", "setbit b"}},
		{[]string{"PFADD", "p", "a"}, ":1\r\n", []string{"new p", "pfadd p"}},
		{[]string{"SUNIONSTORE", "su", "s"}, ":1\r\n", []string{"new su", "sunionstore su"}},
		{[]string{"SUNIONSTORE", "su", "s"}, ":1\r\n", []string{"sunionstore su"}},
		{[]string{"ZUNIONSTORE", "zu", "1", "z"}, ":1\r\n", []string{"new zu", "zunionstore zu"}},
		{[]string{"SORT", "l", "ALPHA", "STORE", "so"}, ":1\r\n", []string{"new so", "sortstore so"}},
		{[]string{"BITOP", "NOT", "bn", "b"}, ":1\r\n", []string{"new bn", "set bn"}},
		{[]string{"RENAME", "k", "k2"}, "+OK\r\n", []string{"new k2", "rename_from k", "rename_to k2"}},
		{[]string{"RENAME", "k2", "gs"}, "+OK\r\n", []string{"new gs", "rename_from k2", "rename_to gs"}},
		{[]string{"COPY", "gs", "k3"}, ":1\r\n", []string{"new k3", "copy_to k3"}},
		{[]string{"MOVE", "k3", "1"}, ":1\r\n", []string{"@1 new k3", "move_from k3", "@1 move_to k3"}},
		{[]string{"LMOVE", "l", "l2", "LEFT", "LEFT"}, "$1\r\na\r\n", []string{"new l2", "lpush l2", "lpop l", "del l"}},
		{[]string{"SMOVE", "s", "s2", "a"}, ":1\r\n", []string{"srem s", "del s", "new s2", "sadd s2"}},
		{[]string{"GEOADD", "g", "13.361389", "38.115556", "Palermo"}, ":1\r\n", []string{"new g", "zadd g"}},
		{[]string{"EVAL", "return redis.call('get', KEYS[1])", "1", "nokey"}, "$-1\r\n", []string{"keymiss nokey"}},
		// The expired key is found by the read, not by the expire cycle,
		// which could run during the sleep (here, where DEBUG SLEEP does not
		// stop the server) or right after it.
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, "+OK\r\n", nil},
		{[]string{"SET", "x", "v", "PX", "1"}, "+OK\r\n", []string{"new x", "set x", "expire x"}},
		{[]string{"DEBUG", "SLEEP", "0.01"}, "+OK\r\n", nil},
		{[]string{"GET", "x"}, "$-1\r\n", []string{"expired x", "keymiss x"}},
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, "+OK\r\n", nil},
	})
}

// TestKeyspaceEventsConfig: notify-keyspace-events in each form CONFIG
// GET shows it, byte for byte as redis-server 7.0.
func TestKeyspaceEventsConfig(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	// What redis-server 7.0 shows for each value set (n is not shown with A).
	configGet := map[string]string{
		"A":           "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("A"),
		"KA":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("AK"),
		"gK":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("gK"),
		"AKEnm":       "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("AKEm"),
		"Kg$lshzxetd": "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("AK"),
		"Ed":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("dE"),
		"Kt":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("tK"),
		"m":           "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("m"),
		"n":           "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("n"),
		"Kn":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("nK"),
		"KEA$":        "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("AKE"),
		"Ag":          "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("A"),
		"KEx":         "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("xKE"),
		"EeK":         "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("eKE"),
		"":            "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk(""),
		"KEz":         "*2\r\n$22\r\nnotify-keyspace-events\r\n" + bulk("zKE"),
	}
	var steps []exactStep
	for _, v := range []string{"A", "KA", "gK", "AKEnm", "Kg$lshzxetd", "Ed", "Kt", "m", "n", "Kn", "KEA$", "Ag", "KEx", "EeK", "", "KEz"} {
		steps = append(steps, exactStep{[]string{"CONFIG", "SET", "notify-keyspace-events", v}, "+OK\r\n"})
		steps = append(steps, exactStep{[]string{"CONFIG", "GET", "notify-keyspace-events"}, configGet[v]})
	}
	if os.Getenv("NADB_NOTIFY_RECORD") != "" {
		var out strings.Builder
		for _, st := range steps {
			c.send(respCommand(st.cmd))
			fmt.Fprintf(&out, "%q,\n", readReply(t, c))
		}
		require.NoError(t, os.WriteFile(os.Getenv("NADB_NOTIFY_RECORD"), []byte(out.String()), 0o644))
		return
	}
	requireExactReplies(t, c, steps)
}

// TestKeyspaceEventsOnSecondary: a secondary publishes the events of what
// it applies from its primary (its own notify-keyspace-events), each named
// by the kind of change, since the command that made it is not in the
// stream: "set" for any string write, the operation for a collection's,
// "del" after one that emptied a key. Its subscribers see them in the
// primary's order, before a message the primary published after them.
func TestKeyspaceEventsOnSecondary(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	s := startSecondary(t, p)
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KEA"}, "+OK\r\n"},
	})
	sub := dialRaw(t, s.Addr())
	requireExactReplies(t, sub, []exactStep{
		{[]string{"PSUBSCRIBE", "__key*__:*"}, "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n"},
	})
	p.waitInfo("replication", "connected_slaves", "1")
	pc := dialRaw(t, p.Addr())
	steps := []notifyStep{
		{[]string{"SET", "k", "v"}, "+OK\r\n", []string{"set k"}},
		{[]string{"INCR", "n"}, ":1\r\n", []string{"set n"}},
		{[]string{"EXPIRE", "k", "100"}, ":1\r\n", []string{"expire k"}},
		{[]string{"PERSIST", "k"}, ":1\r\n", []string{"persist k"}},
		{[]string{"RPUSH", "l", "a", "b"}, ":2\r\n", []string{"rpush l"}},
		{[]string{"LPOP", "l", "2"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", []string{"lpop l", "del l"}},
		{[]string{"HSET", "h", "f", "v"}, ":1\r\n", []string{"hset h"}},
		{[]string{"HDEL", "h", "f"}, ":1\r\n", []string{"hdel h", "del h"}},
		{[]string{"SADD", "s", "a", "b"}, ":2\r\n", []string{"sadd s"}},
		{[]string{"SUNIONSTORE", "d", "s"}, ":2\r\n", []string{"sadd d"}},
		{[]string{"ZADD", "z", "1", "a"}, ":1\r\n", []string{"zadd z"}},
		{[]string{"ZREM", "z", "a"}, ":1\r\n", []string{"zrem z", "del z"}},
		{[]string{"MSET", "a", "1", "b", "2"}, "+OK\r\n", []string{"set a", "set b"}},
		{[]string{"DEL", "a", "b", "nokey"}, ":2\r\n", []string{"del a", "del b"}},
		{[]string{"SELECT", "5"}, "+OK\r\n", nil},
		{[]string{"SET", "k", "v"}, "+OK\r\n", []string{"@5 set k"}},
	}
	for i, st := range steps {
		pc.send(respCommand(st.cmd))
		require.Equal(t, st.reply, readReply(t, pc), "step %d %v", i, st.cmd)
		// The fence, published on the primary, reaches the secondary's
		// subscribers after the step's changes.
		pc.send(respCommand([]string{"PUBLISH", notifyFence, strconv.Itoa(i)}))
		readReply(t, pc)
		require.Equal(t, st.events, readEvents(t, sub, strconv.Itoa(i)), "step %d %v", i, st.cmd)
	}
}

// TestKeyspaceEventsServed: a client blocked on a key and served by
// another's push has its pop's events told after the push's, as in
// redis-server 7.0.
func TestKeyspaceEventsServed(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KEAn"}, "+OK\r\n"},
	})
	sub := dialRaw(t, s.Addr())
	requireExactReplies(t, sub, []exactStep{
		{[]string{"PSUBSCRIBE", "__key*__:*"}, "*3\r\n$10\r\npsubscribe\r\n$10\r\n__key*__:*\r\n:1\r\n"},
	})
	for i, tc := range []struct {
		block, push []string
		served      string
		events      []string
	}{
		{[]string{"BLPOP", "q", "0"}, []string{"RPUSH", "q", "a"}, "*2\r\n$1\r\nq\r\n$1\r\na\r\n", []string{"new q", "rpush q", "lpop q", "del q"}},
		{[]string{"BRPOP", "q", "0"}, []string{"LPUSH", "q", "a"}, "*2\r\n$1\r\nq\r\n$1\r\na\r\n", []string{"new q", "lpush q", "rpop q", "del q"}},
		{[]string{"BLMOVE", "q", "dst", "LEFT", "RIGHT", "0"}, []string{"RPUSH", "q", "a"}, "$1\r\na\r\n", []string{"new q", "rpush q", "new dst", "rpush dst", "lpop q", "del q"}},
		{[]string{"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "5"}, []string{"RPUSH", "q", "a", "b"}, "*2\r\n$1\r\nq\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", []string{"new q", "rpush q", "lpop q", "del q"}},
		{[]string{"BZPOPMIN", "z", "0"}, []string{"ZADD", "z", "1", "a"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", []string{"new z", "zadd z", "zpopmin z", "del z"}},
		{[]string{"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"}, []string{"ZADD", "z", "1", "a", "2", "b"}, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", []string{"new z", "zadd z", "zpopmax z", "del z"}},
	} {
		b := dialRaw(t, s.Addr())
		b.send(respCommand(tc.block))
		waitBlockedClients(t, rdb, 1)
		c.send(respCommand(tc.push))
		readReply(t, c)
		served := readReply(t, b)
		c.send(respCommand([]string{"PUBLISH", notifyFence, strconv.Itoa(i)}))
		readReply(t, c)
		events := readEvents(t, sub, strconv.Itoa(i))
		if os.Getenv("NADB_NOTIFY_RECORD") != "" {
			t.Logf("%q, %#v", served, events)
			continue
		}
		require.Equal(t, tc.served, served, "%v", tc.block)
		require.Equal(t, tc.events, events, "%v", tc.block)
		waitBlockedClients(t, rdb, 0)
	}
}

// TestOwnMessagesInOrder: a RESP3 client subscribed to the events of a key
// it writes, or to a channel it publishes to, reads each message where
// redis-server 7.0 puts it: before the reply of the command that sent it,
// after the replies of the commands before it in the same pipeline; a
// script's before the script's reply. (Inside EXEC, Redis 7.0 puts them
// inside EXEC's reply array; nadb-server after it, see
// TestOwnMessagesAfterExec.)
func TestOwnMessagesInOrder(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KA"}, "+OK\r\n"},
		{[]string{"SUBSCRIBE", "__keyspace@0__:k", "ch"}, ">3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:2\r\n"},
	})
	event := func(e string) string { return ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n" + bulk(e) }
	msg := func(m string) string { return ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n" + bulk(m) }
	var pipeline strings.Builder
	for _, cmd := range [][]string{
		{"GET", "x"}, {"SET", "k", "v"}, {"GET", "y"}, {"SET", "k", "w", "EX", "100"}, {"PUBLISH", "ch", "a"},
		{"EVAL", "redis.call('del', 'k'); redis.call('publish', 'ch', 'b'); return 5", "0"}, {"PING"},
	} {
		pipeline.WriteString(respCommand(cmd))
	}
	c.send(pipeline.String())
	want := "_\r\n" + event("set") + "+OK\r\n" + "_\r\n" + event("set") + event("expire") + "+OK\r\n" +
		msg("a") + ":1\r\n" + event("del") + msg("b") + ":5\r\n" + "+PONG\r\n"
	got := make([]byte, len(want))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := io.ReadFull(c.r, got)
	require.NoError(t, err, "read %q", got)
	require.Equal(t, want, string(got))
	// Under CLIENT REPLY OFF the replies go, the messages still come.
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "REPLY", "OFF"}, ""},
		{[]string{"SET", "k", "x"}, event("set")},
		{[]string{"PUBLISH", "ch", "c"}, msg("c")},
		{[]string{"CLIENT", "REPLY", "ON"}, "+OK\r\n"},
	})
}

// TestOwnMessagesAfterExec: the messages a transaction's commands send to
// their own RESP3 client come after EXEC's reply, in order, never inside
// its array (where Redis 7.0 writes them).
func TestOwnMessagesAfterExec(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	s := startServer(t)
	c := dialRESP3(t, s)
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KA"}, "+OK\r\n"},
		{[]string{"SUBSCRIBE", "__keyspace@0__:k", "ch"}, ">3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:2\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+QUEUED\r\n"},
		{[]string{"PUBLISH", "ch", "x"}, "+QUEUED\r\n"},
		{[]string{"EVAL", "redis.call('del', 'k'); return 1", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*3\r\n+OK\r\n:1\r\n:1\r\n" +
			">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n" +
			">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n" +
			">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\ndel\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
}

// TestKeyspaceEventsReads: which reads tell "keymiss" (and "expired"),
// and which changes tell nothing because nothing changed; byte for byte
// as redis-server 7.0, with the active expiry cycle off so that the
// commands, not it, find the expired keys.
func TestKeyspaceEventsReads(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEAnm")
	runNotifySteps(t, c, sub, []notifyStep{
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "0"}, "+OK\r\n", nil},
		{[]string{"ZMPOP", "1", "nokey", "MIN"}, "*-1\r\n", nil},
		{[]string{"BZPOPMIN", "nokey", "0.01"}, "*-1\r\n", nil},
		{[]string{"COPY", "nokey", "k2"}, ":0\r\n", []string{"keymiss nokey"}},
		{[]string{"GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "10", "km"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"GEORADIUS", "nokey", "0", "0", "10", "km"}, "*0\r\n", []string{"keymiss nokey"}},
		{[]string{"SET", "dst", "v"}, "+OK\r\n", []string{"new dst", "set dst"}},
		{[]string{"GEOSEARCHSTORE", "dst", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "10", "km"}, ":0\r\n", []string{"keymiss nokey", "del dst"}},
		{[]string{"BITFIELD", "bf", "SET", "u8", "0", "0"}, "*1\r\n:0\r\n", []string{"new bf", "setbit bf"}},
		{[]string{"BITFIELD", "bf", "SET", "u8", "0", "0"}, "*1\r\n:0\r\n", nil},
		{[]string{"BITFIELD", "bf", "INCRBY", "u8", "0", "0"}, "*1\r\n:0\r\n", nil},
		{[]string{"BITFIELD", "bf", "INCRBY", "u8", "0", "256"}, "*1\r\n:0\r\n", nil},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5"}, "*1\r\n$-1\r\n", nil},
		{[]string{"BITFIELD", "bf", "SET", "u8", "8", "0"}, "*1\r\n:0\r\n", []string{"setbit bf"}},
		{[]string{"BITFIELD", "bf", "SET", "u8", "0", "7"}, "*1\r\n:0\r\n", []string{"setbit bf"}},
		{[]string{"BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5"}, "*1\r\n$-1\r\n", []string{"new bf2"}},
		{[]string{"EXISTS", "bf2"}, ":1\r\n", nil},
		{[]string{"SET", "a1", "v", "PX", "1"}, "+OK\r\n", []string{"new a1", "set a1", "expire a1"}},
		{[]string{"SET", "b1", "v", "PX", "1"}, "+OK\r\n", []string{"new b1", "set b1", "expire b1"}},
		{[]string{"SET", "a2", "v", "PX", "1"}, "+OK\r\n", []string{"new a2", "set a2", "expire a2"}},
		{[]string{"HSET", "a3", "f", "v"}, ":1\r\n", []string{"new a3", "hset a3"}},
		{[]string{"PEXPIRE", "a3", "1"}, ":1\r\n", []string{"expire a3"}},
		{[]string{"SET", "m", "v", "PX", "1"}, "+OK\r\n", []string{"new m", "set m", "expire m"}},
		{[]string{"SET", "z1", "v", "PX", "1"}, "+OK\r\n", []string{"new z1", "set z1", "expire z1"}},
		{[]string{"DEBUG", "SLEEP", "0.01"}, "+OK\r\n", nil},
		{[]string{"SCAN", "0", "MATCH", "a1*", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*0\r\n", []string{"expired a1"}},
		{[]string{"SCAN", "0", "MATCH", "a3", "TYPE", "string", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*0\r\n", []string{"expired a3", "keymiss a3"}},
		{[]string{"SCAN", "0", "MATCH", "a2", "TYPE", "hash", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*0\r\n", []string{"expired a2", "keymiss a2"}},
		{[]string{"SCAN", "0", "MATCH", "b1", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*0\r\n", []string{"expired b1"}},
		{[]string{"MEMORY", "USAGE", "m"}, anyReply, nil},
		{[]string{"ZMPOP", "1", "z1", "MIN"}, "*-1\r\n", []string{"expired z1"}},
		{[]string{"DEBUG", "SET-ACTIVE-EXPIRE", "1"}, "+OK\r\n", nil},
	})
}
