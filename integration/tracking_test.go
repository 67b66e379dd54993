package integration

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Client-side caching (CLIENT TRACKING): every script is byte for byte
// what redis-server 7.0 sends (NADB_TEST_TARGET=redis-server), the
// invalidations included, which are read as the pushes or messages they
// are at the point of the stream where they must arrive.

// invalidate is the RESP3 push that invalidates keys.
func invalidate(keys ...string) string {
	s := ">2\r\n$10\r\ninvalidate\r\n*" + strconv.Itoa(len(keys)) + "\r\n"
	for _, k := range keys {
		s += "$" + strconv.Itoa(len(k)) + "\r\n" + k + "\r\n"
	}
	return s
}

// invalidateAll is the RESP3 push a flush sends a RESP3 tracking client.
const invalidateAll = ">2\r\n$10\r\ninvalidate\r\n_\r\n"

// invalidateMessage is the RESP2 message of the __redis__:invalidate
// channel that invalidates keys, sent to a redirect target.
func invalidateMessage(keys ...string) string {
	s := "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*" + strconv.Itoa(len(keys)) + "\r\n"
	for _, k := range keys {
		s += "$" + strconv.Itoa(len(k)) + "\r\n" + k + "\r\n"
	}
	return s
}

// clientIDOf returns the ID of c's connection.
func clientIDOf(t *testing.T, c *rawConn) string {
	t.Helper()
	c.send(respCommand([]string{"CLIENT", "ID"}))
	line := c.readLine()
	require.True(t, strings.HasPrefix(line, ":"), "CLIENT ID answered %q", line)
	return line[1:]
}

// push reads what the server sends without a command.
func push(want string) exactStep { return exactStep{nil, want} }

// TestTrackingDefaultMode: the keys a RESP3 client reads are invalidated
// once, at their first change by anyone (itself too, after its reply),
// NOLOOP leaves out its own changes, and a flush invalidates everything.
func TestTrackingDefaultMode(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	w := dialRaw(t, s.Addr())
	write := func(cmd ...string) exactStep { return exactStep{cmd, ""} }
	run := func(steps ...exactStep) {
		t.Helper()
		for _, st := range steps {
			if st.want == "" { // a write on the other connection
				w.send(respCommand(st.cmd))
				w.readLine()
				continue
			}
			requireRESP3Replies(t, c, []exactStep{st})
		}
	}
	run(
		exactStep{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"},
		exactStep{[]string{"GET", "k"}, "_\r\n"},
		write("SET", "k", "v1"),
		push(invalidate("k")),
		// Forgotten once invalidated: a second change sends nothing
		// (the next value read is the reply, not a push).
		write("SET", "k", "v2"),
		exactStep{[]string{"GET", "k"}, "$2\r\nv2\r\n"},
		// Its own change: the invalidation follows the reply.
		exactStep{[]string{"SET", "k", "v3"}, "+OK\r\n" + invalidate("k")},
		// Several keys read at once, changed one by one.
		exactStep{[]string{"MGET", "a", "b"}, "*2\r\n_\r\n_\r\n"},
		write("SET", "b", "1"),
		push(invalidate("b")),
		write("SET", "a", "x"),
		push(invalidate("a")),
		// Both forgotten now: their deletion sends nothing.
		write("DEL", "a", "b"),
		exactStep{[]string{"PING"}, "+PONG\r\n"},
		// Reads of other types track their keys too.
		exactStep{[]string{"HGET", "h", "f"}, "_\r\n"},
		exactStep{[]string{"EXISTS", "s"}, ":0\r\n"},
		write("HSET", "h", "f", "1"),
		push(invalidate("h")),
		write("SADD", "s", "m"),
		push(invalidate("s")),
		// An expiry change is a change.
		exactStep{[]string{"GET", "k"}, "$2\r\nv3\r\n"},
		write("EXPIRE", "k", "100"),
		push(invalidate("k")),
		// A flush invalidates every key, tracked or not.
		exactStep{[]string{"GET", "k"}, "$2\r\nv3\r\n"},
		write("FLUSHALL"),
		push(invalidateAll),
		write("SET", "k", "v4"),
		exactStep{[]string{"GET", "k"}, "$2\r\nv4\r\n"},
		// NOLOOP: its own changes send it nothing, others' still do.
		exactStep{[]string{"CLIENT", "TRACKING", "on", "NOLOOP"}, "+OK\r\n"},
		exactStep{[]string{"GET", "k"}, "$2\r\nv4\r\n"},
		exactStep{[]string{"SET", "k", "v5"}, "+OK\r\n"},
		exactStep{[]string{"GET", "k"}, "$2\r\nv5\r\n"},
		write("SET", "k", "v6"),
		push(invalidate("k")),
		// Off: nothing more.
		exactStep{[]string{"GET", "k"}, "$2\r\nv6\r\n"},
		exactStep{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		write("SET", "k", "v7"),
		exactStep{[]string{"GET", "k"}, "$2\r\nv7\r\n"},
	)
}

// TestTrackingInOrder holds for redis-server too: inside a script or a
// transaction, a key read after it was changed is tracked again (the
// change is told when it is made, not when the script ends), and one read
// before a change is invalidated after the reply.
func TestTrackingInOrder(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	w := dialRaw(t, s.Addr())
	write := func(cmd ...string) {
		t.Helper()
		w.send(respCommand(cmd))
		w.readLine()
	}
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"},
		// Written, then read: tracked, nothing sent yet.
		{[]string{"EVAL", "redis.call('set','a','1') return redis.call('get','a')", "1", "a"}, "$1\r\n1\r\n"},
	})
	write("SET", "a", "2")
	requireRESP3Replies(t, c, []exactStep{
		push(invalidate("a")),
		// Read, written, read again: one invalidation after the reply,
		// and the key tracked again.
		{[]string{"EVAL", "redis.call('get','b') redis.call('set','b','1') return redis.call('get','b')", "1", "b"}, "$1\r\n1\r\n" + invalidate("b")},
	})
	write("SET", "b", "2")
	requireRESP3Replies(t, c, []exactStep{
		push(invalidate("b")),
		{[]string{"GET", "m"}, "_\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "m", "1"}, "+QUEUED\r\n"},
		{[]string{"GET", "m"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n+OK\r\n$1\r\n1\r\n" + invalidate("m")},
	})
	write("SET", "m", "2")
	requireRESP3Replies(t, c, []exactStep{push(invalidate("m"))})

	// RENAME and MOVE change both names, the source first.
	write("SET", "src", "1")
	write("SET", "dst", "2")
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"GET", "src"}, "$1\r\n1\r\n"},
		{[]string{"GET", "dst"}, "$1\r\n2\r\n"},
	})
	write("RENAME", "src", "dst")
	requireRESP3Replies(t, c, []exactStep{push(invalidate("src")), push(invalidate("dst"))})
}

// TestTrackingOptInOptOut: OPTIN tracks only the command after CLIENT
// CACHING yes (or the transaction after it), OPTOUT all but the one after
// CLIENT CACHING no.
func TestTrackingOptInOptOut(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	w := dialRaw(t, s.Addr())
	requireExactReplies(t, w, []exactStep{{[]string{"MSET", "a", "1", "b", "2", "c", "3"}, "+OK\r\n"}})
	change := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			w.send(respCommand([]string{"INCR", k}))
			w.readLine()
		}
	}
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on", "OPTIN"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$1\r\n1\r\n"},
		{[]string{"CLIENT", "CACHING", "yes"}, "+OK\r\n"},
		{[]string{"GET", "b"}, "$1\r\n2\r\n"},
		{[]string{"GET", "c"}, "$1\r\n3\r\n"},
		// Any CLIENT command between keeps the flag.
		{[]string{"CLIENT", "CACHING", "yes"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETREDIR"}, ":0\r\n"},
		{[]string{"GET", "a"}, "$1\r\n1\r\n"},
		// CACHING yes before MULTI lasts until EXEC.
		{[]string{"CLIENT", "CACHING", "yes"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "c"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n$1\r\n3\r\n"},
	})
	change("a", "b", "c")
	requireRESP3Replies(t, c, []exactStep{
		push(invalidate("a")),
		push(invalidate("b")),
		push(invalidate("c")),
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "OPTOUT"}, "+OK\r\n"},
		{[]string{"CLIENT", "CACHING", "no"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$1\r\n2\r\n"},
		{[]string{"GET", "b"}, "$1\r\n3\r\n"},
	})
	change("a", "b")
	requireRESP3Replies(t, c, []exactStep{
		push(invalidate("b")),
		{[]string{"PING"}, "+PONG\r\n"},
	})
}

// TestTrackingCommands: the options' errors, CLIENT CACHING's, GETREDIR
// and TRACKINGINFO, in Redis's words and order.
func TestTrackingCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	other := dialRaw(t, s.Addr())
	oid := clientIDOf(t, other)
	c := dialRESP3(t, s)
	off := "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKINGINFO"}, off},
		{[]string{"CLIENT", "GETREDIR"}, ":-1\r\n"},
		{[]string{"CLIENT", "CACHING", "yes"}, "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"},
		{[]string{"CLIENT", "TRACKING"}, "-ERR wrong number of arguments for 'client|tracking' command\r\n"},
		{[]string{"CLIENT", "TRACKING", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "FOO"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "PREFIX"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", "999999"}, "-ERR The client ID you want redirect to does not exist\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", oid, "REDIRECT", oid}, "-ERR A client can only redirect to a single other client\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "PREFIX", "a"}, "-ERR PREFIX option requires BCAST mode to be enabled\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "OPTIN"}, "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}, "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"}, "-ERR Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.\r\n"},
		{[]string{"CLIENT", "TRACKINGINFO"}, off},
		{[]string{"CLIENT", "TRACKING", "off", "PREFIX", "p"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETREDIR"}, ":0\r\n"},
		{[]string{"CLIENT", "CACHING", "no"}, "-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n"},
		{[]string{"CLIENT", "CACHING", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "OPTOUT"}, "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST"}, "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n"},
		{[]string{"CLIENT", "CACHING", "yes"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKINGINFO"}, "%3\r\n$5\r\nflags\r\n~4\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n"},
		{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "a", "REDIRECT", oid}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "bc"}, "-ERR Prefix 'bc' overlaps with an existing prefix 'b'. Prefixes for a single client must not overlap.\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c", "REDIRECT", oid}, "+OK\r\n"},
		{[]string{"CLIENT", "GETREDIR"}, ":" + oid + "\r\n"},
		{[]string{"CLIENT", "TRACKINGINFO"}, "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:" + oid + "\r\n$8\r\nprefixes\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKINGINFO"}, off},
	})
	// CLIENT INFO shows the mode: flags t (and B), redir.
	requireRESP3Replies(t, c, []exactStep{{[]string{"CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", oid}, "+OK\r\n"}})
	c.send(respCommand([]string{"CLIENT", "INFO"}))
	info := readVerbatim(t, c)
	require.Contains(t, info, " flags=tB ")
	require.Contains(t, info, " redir="+oid+" ")
	requireRESP3Replies(t, c, []exactStep{{[]string{"RESET"}, "+RESET\r\n"}})
	c.send(respCommand([]string{"CLIENT", "INFO"}))
	info = readVerbatim(t, c)
	require.Contains(t, info, " flags=N ")
	require.Contains(t, info, " redir=-1 ")
}

// readVerbatim reads one bulk or verbatim string reply and returns its text.
func readVerbatim(t *testing.T, c *rawConn) string {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	f, err := readFrame(c.r)
	require.NoError(t, err)
	_, body, ok := strings.Cut(f, "\r\n")
	require.True(t, ok, "reply %q", f)
	return body
}

// TestTrackingBroadcast: BCAST sends every change under the client's
// prefixes, the keys one command changed in one message per prefix,
// without the client's own with NOLOOP.
func TestTrackingBroadcast(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	w := dialRaw(t, s.Addr())
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b:", "PREFIX", "a:"}, "+OK\r\n"},
	})
	requireExactReplies(t, w, []exactStep{{[]string{"MSET", "a:2", "x", "c:1", "y", "a:1", "z", "b:1", "w"}, "+OK\r\n"}})
	requireRESP3Replies(t, c, []exactStep{
		push(invalidate("a:1", "a:2")),
		push(invalidate("b:1")),
		// Its own changes too, without NOLOOP.
		{[]string{"SET", "a:3", "v"}, "+OK\r\n" + invalidate("a:3")},
		{[]string{"CLIENT", "TRACKING", "off"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"}, "+OK\r\n"},
		{[]string{"SET", "own", "v"}, "+OK\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
	requireExactReplies(t, w, []exactStep{{[]string{"DEL", "own"}, ":1\r\n"}})
	requireRESP3Replies(t, c, []exactStep{push(invalidate("own"))})
}

// TestTrackingRedirect: a RESP2 client's invalidations go to the client
// it redirects to, as messages of __redis__:invalidate (the flush's null
// in the tracking client's protocol); once that client has gone, a RESP3
// tracking client is told so with tracking-redir-broken, and
// TRACKINGINFO shows broken_redirect.
func TestTrackingRedirect(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	sub := dialRaw(t, s.Addr())
	sid := clientIDOf(t, sub)
	requireExactReplies(t, sub, []exactStep{{[]string{"SUBSCRIBE", "__redis__:invalidate"}, "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n"}})
	c := dialRaw(t, s.Addr())
	w := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", sid}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"MGET", "k", "j"}, "*2\r\n$-1\r\n$-1\r\n"},
	})
	requireExactReplies(t, w, []exactStep{{[]string{"MSET", "k", "1", "j", "2"}, "+OK\r\n"}})
	requireRESP3Replies(t, sub, []exactStep{push(invalidateMessage("k")), push(invalidateMessage("j"))})
	requireExactReplies(t, w, []exactStep{{[]string{"FLUSHDB"}, "+OK\r\n"}})
	requireRESP3Replies(t, sub, []exactStep{push("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")})

	// The target goes: a RESP3 tracking client hears of it at the next
	// invalidation.
	r3 := dialRESP3(t, s)
	requireRESP3Replies(t, r3, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", sid}, "+OK\r\n"},
		{[]string{"GET", "k"}, "_\r\n"},
	})
	require.NoError(t, sub.Close())
	waitClients(t, w, 3)
	requireExactReplies(t, w, []exactStep{{[]string{"SET", "k", "2"}, "+OK\r\n"}})
	requireRESP3Replies(t, r3, []exactStep{
		push(">2\r\n$21\r\ntracking-redir-broken\r\n:" + sid + "\r\n"),
		{[]string{"CLIENT", "TRACKINGINFO"}, "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:" + sid + "\r\n$8\r\nprefixes\r\n*0\r\n"},
	})
}

// waitClients polls INFO clients on c until connected_clients is n.
func waitClients(t *testing.T, c *rawConn, n int) {
	t.Helper()
	want := "connected_clients:" + strconv.Itoa(n) + "\r\n"
	require.Eventually(t, func() bool {
		c.send(respCommand([]string{"INFO", "clients"}))
		return strings.Contains(readVerbatim(t, c), want)
	}, 5*time.Second, 5*time.Millisecond)
}

// TestTrackingCacheNeverStale drives a client-side cache the way a client
// library keeps one (a value read is cached, an invalidation drops it)
// while another connection keeps changing the key, and requires that the
// cache never ends holding a value the server no longer has: no
// invalidation may overtake the reply that read the value it invalidates.
func TestTrackingCacheNeverStale(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	w := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = w.Close() })
	c := dialRESP3(t, s)
	requireRESP3Replies(t, c, []exactStep{{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"}})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := w.Incr(ctx, "k").Err(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	cached, have := "", false
	// handle reads one value from c: a push drops the cache, a reply to
	// GET fills it. It returns whether that was a reply.
	handle := func(r *bufio.Reader) bool {
		f, err := readFrame(r)
		require.NoError(t, err)
		if strings.HasPrefix(f, ">") {
			have = false
			return false
		}
		if strings.HasPrefix(f, "$") {
			_, v, _ := strings.Cut(f, "\r\n")
			cached, have = strings.TrimSuffix(v, "\r\n"), true
		}
		return true
	}
	deadline := time.Now().Add(time.Second)
	for rounds := 0; time.Now().Before(deadline) || rounds < 100; rounds++ {
		if !have {
			// The read's reply waits behind a slow command of the same
			// pipeline while the writer keeps changing the key: the
			// moment an invalidation could overtake it.
			c.send(respCommand([]string{"GET", "k"}) + respCommand([]string{"DEBUG", "SLEEP", "0.001"}))
			require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
			for range 2 {
				for !handle(c.r) {
				}
			}
		}
		// Take in what was pushed meanwhile.
		c.send(respCommand([]string{"PING"}))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		for !handle(c.r) {
		}
	}
	close(stop)
	wg.Wait()
	c.send(respCommand([]string{"PING"}))
	for !handle(c.r) {
	}
	if have {
		v, err := w.Get(ctx, "k").Result()
		require.NoError(t, err)
		require.Equal(t, v, cached, "the cache kept a value the server no longer has")
	}
}

// TestTrackingOnSecondary: a client tracking keys on a secondary is sent
// their invalidations when the primary's writes change them, and a full
// resynchronisation invalidates everything.
func TestTrackingOnSecondary(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	sec := startSecondary(t, p)
	ctx := context.Background()
	pc := p.rdb
	require.NoError(t, pc.Set(ctx, "k", "1", 0).Err())
	requireConverged(t, p, sec)
	c := dialRaw(t, sec.Addr())
	c.send(respCommand([]string{"HELLO", "3"}))
	hello := readVerbatim(t, c) // a map: its role is replica
	require.Contains(t, hello, "replica")
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$1\r\n1\r\n"},
	})
	require.NoError(t, pc.Set(ctx, "k", "2", 0).Err())
	requireRESP3Replies(t, c, []exactStep{push(invalidate("k"))})
	require.NoError(t, pc.FlushAll(ctx).Err())
	// The primary's FLUSHALL arrives as one FLUSH per database, in one
	// group: one null invalidation.
	requireRESP3Replies(t, c, []exactStep{
		push(invalidateAll),
		{[]string{"PING"}, "+PONG\r\n"},
	})
}

// TestTrackingTableMaxKeys: beyond tracking-table-max-keys remembered keys
// are forgotten, their readers sent an invalidation, as Redis does.
func TestTrackingTableMaxKeys(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRESP3(t, s)
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "tracking-table-max-keys", "1"}, "+OK\r\n"},
		{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "_\r\n"},
		{[]string{"GET", "b"}, "_\r\n"},
	})
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	f, err := readFrame(c.r)
	require.NoError(t, err)
	require.Contains(t, []string{invalidate("a"), invalidate("b")}, f)
	c.send(respCommand([]string{"INFO", "stats"}))
	require.Contains(t, readVerbatim(t, c), "tracking_total_keys:1\r\n")
}

// TestTrackingPipelineOrder: a key changed while the pipeline that read it
// still runs is invalidated after the read's reply, whatever the pipeline
// switches: to RESP3 after tracking was turned on in RESP2, or a client
// that redirects to itself; and a switch to RESP2 leaves no push in the
// RESP2 stream. (Redis runs the other connection's write after the whole
// pipeline; nadb-server while it sleeps: the order asked holds for both.)
func TestTrackingPipelineOrder(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	w := dialRaw(t, s.Addr())
	requireExactReplies(t, w, []exactStep{{[]string{"SET", "k", "v0"}, "+OK\r\n"}})
	// writeDuringSleep sets k from w once c's DEBUG SLEEP runs (or, on
	// redis-server, once the server is free again).
	writeDuringSleep := func(id, value string) {
		t.Helper()
		require.Eventually(t, func() bool {
			w.send(respCommand([]string{"CLIENT", "LIST", "ID", id}))
			return strings.Contains(readVerbatim(t, w), "cmd=debug")
		}, 5*time.Second, time.Millisecond)
		w.send(respCommand([]string{"SET", "k", value}))
		w.readLine()
	}
	// readUntil reads c's values until one equals last, and returns them.
	readUntil := func(c *rawConn, last string) []string {
		t.Helper()
		var got []string
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		for len(got) == 0 || got[len(got)-1] != last {
			f, err := readFrame(c.r)
			require.NoError(t, err, "read so far %q", got)
			got = append(got, f)
		}
		return got
	}
	sleep := respCommand([]string{"DEBUG", "SLEEP", "0.2"})

	// Tracking on in RESP2, HELLO 3 in the pipeline that reads.
	c := dialRaw(t, s.Addr())
	id := clientIDOf(t, c)
	requireExactReplies(t, c, []exactStep{{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"}})
	c.send(respCommand([]string{"HELLO", "3"}) + respCommand([]string{"GET", "k"}) + sleep)
	writeDuringSleep(id, "v1")
	c.send(respCommand([]string{"PING"}))
	got := readUntil(c, "+PONG\r\n")
	if got[len(got)-2] != invalidate("k") { // Redis: the push after PONG
		got = append(got, readUntil(c, invalidate("k"))...)
	}
	require.Equal(t, "$2\r\nv0\r\n", got[1], "%q", got)
	require.Contains(t, got[2:], invalidate("k"), "%q", got)

	// Redirected to itself.
	c = dialRESP3(t, s)
	id = clientIDOf(t, c)
	requireRESP3Replies(t, c, []exactStep{{[]string{"CLIENT", "TRACKING", "on", "REDIRECT", id}, "+OK\r\n"}})
	c.send(respCommand([]string{"GET", "k"}) + sleep)
	writeDuringSleep(id, "v2")
	c.send(respCommand([]string{"PING"}))
	got = readUntil(c, "+PONG\r\n")
	if got[len(got)-2] != invalidate("k") {
		got = append(got, readUntil(c, invalidate("k"))...)
	}
	require.Equal(t, "$2\r\nv1\r\n", got[0], "%q", got)

	// HELLO 2 in the pipeline: no push in the RESP2 stream.
	c = dialRESP3(t, s)
	id = clientIDOf(t, c)
	requireRESP3Replies(t, c, []exactStep{
		{[]string{"CLIENT", "TRACKING", "on"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$2\r\nv2\r\n"},
	})
	c.send(respCommand([]string{"HELLO", "2"}) + sleep)
	writeDuringSleep(id, "v3")
	c.send(respCommand([]string{"PING"}))
	got = readUntil(c, "+PONG\r\n")
	require.Len(t, got, 3, "%q", got) // HELLO's reply, DEBUG's, PING's
	requireExactReplies(t, c, []exactStep{{[]string{"PING"}, "+PONG\r\n"}})
}
