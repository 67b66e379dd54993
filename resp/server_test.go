package resp

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

func TestPipelinedRepliesInOrder(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)

	var req strings.Builder
	var want []string
	for i := range 200 {
		n := strconv.Itoa(i)
		switch i % 5 {
		case 0:
			req.WriteString(mb("SET", "k"+n, "v"+n))
			want = append(want, "+OK\r\n")
		case 1:
			req.WriteString(mb("GET", "k"+strconv.Itoa(i-1)))
			want = append(want, "$"+strconv.Itoa(len("v"+strconv.Itoa(i-1)))+"\r\nv"+strconv.Itoa(i-1)+"\r\n")
		case 2:
			req.WriteString(mb("INCR", "counter"))
			want = append(want, ":"+strconv.Itoa(i/5+1)+"\r\n")
		case 3:
			req.WriteString("ECHO e" + n + "\r\n") // inline, mixed in
			want = append(want, "$"+strconv.Itoa(len(n)+1)+"\r\ne"+n+"\r\n")
		case 4:
			req.WriteString(mb("NOSUCHCMD", n))
			want = append(want, "-ERR unknown command 'NOSUCHCMD', with args beginning with: '"+n+"' \r\n")
		}
	}
	// One write for the whole pipeline, then the same pipeline split at
	// awkward places.
	c.send(req.String())
	for i, w := range want {
		require.Equal(t, w, c.reply(), "reply %d", i)
	}
	_ = c.do("DEL", "counter")
	s := req.String()
	for i := 0; i < len(s); i += 13 {
		c.send(s[i:min(i+13, len(s))])
	}
	for i, w := range want {
		require.Equal(t, w, c.reply(), "reply %d (split writes)", i)
	}
	c.requireOpen()
}

func TestQuitSkipsThePipelinedRest(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	c.send(mb("SET", "q", "before") + mb("QUIT") + mb("SET", "q", "after") + mb("SET", "other", "x") + "PING\r\n")
	require.Equal(t, "+OK\r\n", c.reply())
	require.Equal(t, "+OK\r\n", c.reply())
	c.requireEOF(5 * time.Second)

	d := dialRaw(t, ts.addr)
	require.Equal(t, "$6\r\nbefore\r\n", d.do("GET", "q"), "the command after QUIT ran")
	require.Equal(t, ":0\r\n", d.do("EXISTS", "other"))

	// QUIT with arguments and inline QUIT behave the same.
	e := dialRaw(t, ts.addr)
	e.send("quit now please\r\nSET other y\r\n")
	require.Equal(t, "+OK\r\n", e.reply())
	e.requireEOF(5 * time.Second)
	require.Equal(t, ":0\r\n", d.do("EXISTS", "other"))
}

func clientID(t *testing.T, c *rawConn) string {
	t.Helper()
	r := c.do("CLIENT", "ID")
	require.True(t, strings.HasPrefix(r, ":"), "CLIENT ID: %q", r)
	return strings.TrimSuffix(r[1:], "\r\n")
}

func TestClientKill(t *testing.T) {
	ts := startServer(t, Options{})

	t.Run("self with SKIPME no", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		id := clientID(t, c)
		c.send(mb("CLIENT", "KILL", "ID", id, "SKIPME", "no") + mb("SET", "killed-ran", "1"))
		require.Equal(t, ":1\r\n", c.reply())
		c.requireEOF(5 * time.Second)
		d := dialRaw(t, ts.addr)
		require.Equal(t, ":0\r\n", d.do("EXISTS", "killed-ran"), "a command pipelined after the kill ran")
	})

	t.Run("self by id skips me by default", func(t *testing.T) {
		// Redis's SKIPME defaults to yes, also with an ID filter: :0 and
		// the connection stays up.
		c := dialRaw(t, ts.addr)
		id := clientID(t, c)
		require.Equal(t, ":0\r\n", c.do("CLIENT", "KILL", "ID", id))
		c.requireOpen()
	})

	t.Run("self by old address form", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send(mb("CLIENT", "KILL", c.c.LocalAddr().String()) + mb("PING"))
		require.Equal(t, "+OK\r\n", c.reply())
		c.requireEOF(5 * time.Second)
	})

	t.Run("another client", func(t *testing.T) {
		victim := dialRaw(t, ts.addr)
		id := clientID(t, victim)
		killer := dialRaw(t, ts.addr)
		require.Equal(t, ":1\r\n", killer.do("CLIENT", "KILL", "ID", id))
		victim.requireEOF(5 * time.Second)
		require.Equal(t, ":0\r\n", killer.do("CLIENT", "KILL", "ID", id), "already gone")
		require.Equal(t, "-ERR No such client\r\n", killer.do("CLIENT", "KILL", "127.0.0.1:1"))
		killer.requireOpen()
	})
}

func TestProtocolErrorClosesOnlyThatClient(t *testing.T) {
	ts := startServer(t, Options{})
	bystander := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", bystander.do("SET", "alive", "1"))

	for _, tc := range []struct{ in, want string }{
		{"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$3\r\nfooXY", "-ERR Protocol error: invalid bulk length\r\n"},
		{"SET \"a\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{strings.Repeat("x", 70000), "-ERR Protocol error: too big inline request\r\n"},
	} {
		t.Run(fmt.Sprintf("%.20q", tc.in), func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.requireOpen()
			c.send(tc.in)
			require.Equal(t, tc.want, c.reply())
			c.requireEOF(5 * time.Second)
			require.Equal(t, "$1\r\n1\r\n", bystander.do("GET", "alive"))
		})
	}
}

func TestBulkLengthLimit(t *testing.T) {
	ts := startServer(t, Options{ProtoMaxBulkLen: 1024, QueryBufLimit: 4096})

	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("SET", "k", strings.Repeat("v", 1024)), "at the limit")

	c.send(mb("SET", "k", strings.Repeat("v", 1025)))
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", c.reply())
	c.requireEOF(5 * time.Second)

	// Without sending the body: the header alone is refused.
	d := dialRaw(t, ts.addr)
	d.send("*2\r\n$4\r\nECHO\r\n$600000000\r\n")
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", d.reply())
	d.requireEOF(5 * time.Second)

	// Raised at run time, for connections that are already open.
	e := dialRaw(t, ts.addr)
	ts.srv.SetLimits(2048, 0)
	require.Equal(t, "+OK\r\n", e.do("SET", "k", strings.Repeat("v", 2000)))
}

func TestQueryBufferLimitClosesWithoutReply(t *testing.T) {
	ts := startServer(t, Options{ProtoMaxBulkLen: 3000, QueryBufLimit: 4096})
	c := dialRaw(t, ts.addr)
	one := mb("SET", "k", strings.Repeat("v", 3000))
	// Two commands of 3 KB pipelined are fine: the limit is per command.
	c.send(one + one)
	require.Equal(t, "+OK\r\n", c.reply())
	require.Equal(t, "+OK\r\n", c.reply())

	c.send(mb("MSET", "a", strings.Repeat("v", 2500), "b", strings.Repeat("v", 2500)))
	c.requireEOF(5 * time.Second)
}

// A length with a '+' sign is refused by Redis. redcon's strconv.Atoi
// accepts it, and the guard switches itself off for the rest of the
// connection, so a client can then announce and send arguments of any size:
// proto-max-bulk-len and client-query-buffer-limit are bypassed.
func TestPlusSignLengthIsRefused(t *testing.T) {
	ts := startServer(t, Options{ProtoMaxBulkLen: 1024, QueryBufLimit: 4096})

	t.Run("plus in a bulk length", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("*1\r\n$+4\r\nPING\r\n")
		require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", c.reply())
		c.requireEOF(5 * time.Second)
	})
	t.Run("plus in a count", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("*+1\r\n$4\r\nPING\r\n")
		require.Equal(t, "-ERR Protocol error: invalid multibulk length\r\n", c.reply())
		c.requireEOF(5 * time.Second)
	})
	t.Run("limit bypassed", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("*2\r\n$+4\r\nECHO\r\n$+5000\r\n" + strings.Repeat("x", 5000) + "\r\n")
		got := c.reply()
		require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", got[:min(len(got), 60)],
			"a 5000-byte argument passed a 1024-byte proto-max-bulk-len")
	})
	t.Run("limit bypassed for the next commands", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("*1\r\n$+4\r\nPING\r\n" + mb("ECHO", strings.Repeat("x", 5000)))
		got := c.reply()
		if got == "+PONG\r\n" {
			got = c.reply()
		}
		require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", got[:min(len(got), 60)],
			"after one '+' length, a 5000-byte argument passed a 1024-byte proto-max-bulk-len")
	})
}

// A bulk length above math.MaxInt64 overflows the guard's accumulator and
// makes inputGuard.feed panic in the connection goroutine, which kills the
// server process. Redis answers "invalid bulk length".
func TestBulkLengthOverflowDoesNotCrashServer(t *testing.T) {
	inSubprocess(t, func(t *testing.T) {
		ts := startServer(t, Options{})
		c := dialRaw(t, ts.addr)
		c.send("*1\r\n$9223372036854775808\r\nx\r\n")
		require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", c.reply())
		d := dialRaw(t, ts.addr)
		d.requireOpen()
	})
}

// SETRANGE with an offset near math.MaxInt64 overflows offset+len(value) in
// engine.SetRange, which passes the size check and then slices out of range:
// a panic in the connection goroutine kills the server. Redis answers
// "string exceeds maximum allowed size".
func TestSetRangeHugeOffsetDoesNotCrashServer(t *testing.T) {
	inSubprocess(t, func(t *testing.T) {
		ts := startServer(t, Options{})
		c := dialRaw(t, ts.addr)
		for _, off := range []string{"536870912", "9223372036854775000", "9223372036854775807"} {
			require.Equal(t, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
				c.do("SETRANGE", "k", off, "x"), "offset %s", off)
		}
		require.Equal(t, ":0\r\n", c.do("EXISTS", "k"))
		d := dialRaw(t, ts.addr)
		d.requireOpen()
	})
}

// A request starting with a lone '\r' desynchronises the guard from redcon
// (see TestInputGuardLoneCarriageReturnKeepsFraming): the guard reads
// "\r*1\r\n$19\r\n" as a multibulk whose 21-byte argument hides the real
// header "*2\r\n$4\r\nECHO\r\n$5000\r\n", which redcon parses and buffers.
// Any size passes this way, as long as the hidden body has a '\n' every
// 64 KiB.
func TestCarriageReturnDesyncBypassesLimits(t *testing.T) {
	ts := startServer(t, Options{ProtoMaxBulkLen: 1024, QueryBufLimit: 1 << 20})
	c := dialRaw(t, ts.addr)
	hidden := "*2\r\n$4\r\nECHO\r\n$5000\r\n"
	c.send("\r*1\r\n$" + strconv.Itoa(len(hidden)-2) + "\r\n" + hidden + strings.Repeat("x", 5000) + "\r\n")
	var replies []string
	for {
		r := c.reply()
		replies = append(replies, r[:min(len(r), 60)])
		if strings.Contains(r, "Protocol error") || strings.HasPrefix(r, "$") {
			break
		}
	}
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", replies[len(replies)-1],
		"a 5000-byte argument passed proto-max-bulk-len = 1024; replies: %q", replies)
}

// redcon's multibulk parser loops once per announced argument on every
// read, even when the bytes are not there yet: "*2147483647\r\n" would
// cost about a second of CPU per read. The guard caps the count at 2^20,
// so such a request is refused at once and costs nothing.
func TestHugeMultibulkCountIsCheap(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	before := cpuTime()
	c.send("*2147483647\r\n")
	require.Equal(t, "-ERR Protocol error: invalid multibulk length\r\n", c.reply())
	require.Less(t, cpuTime()-before, 500*time.Millisecond, "CPU time spent refusing the request")
	c2 := dialRaw(t, ts.addr)
	require.Equal(t, "+PONG\r\n", c2.do("PING"))
}

// redcon's inline parser allocated a buffer the size of the rest of the
// line for every token, so a 64 KiB inline request of 32000 one-byte
// arguments would have allocated about 1 GB; parseInline's cost is linear,
// and an inline request takes as many arguments as fit in 64 KiB, as in
// Redis.
func TestInlineRequestCostIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocation")
	}
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+PONG\r\n", c.do("PING"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c.send("DEL" + strings.Repeat(" a", 1000) + "\r\n")
	require.Equal(t, ":0\r\n", c.reply())
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(16<<20), "bytes allocated for a 1000-argument inline request")
	runtime.ReadMemStats(&before)
	c.send("DEL" + strings.Repeat(" a", 32000) + "\r\n")
	require.Equal(t, ":0\r\n", c.reply())
	runtime.ReadMemStats(&after)
	allocated = after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(16<<20), "bytes allocated for a 32000-argument inline request")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCloseDisconnectsClients(t *testing.T) {
	checkGoroutines(t)
	s := New(Options{Engine: engine.New(engine.Options{}), DebugCommand: AllowLocal})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	idle := dialRaw(t, ln.Addr().String())
	idle.requireOpen()
	busy := dialRaw(t, ln.Addr().String())
	busy.send(mb("DEBUG", "SLEEP", "0.2"))
	require.Eventually(t, func() bool { // the sleep has started
		for _, cl := range s.clientList() {
			if p := cl.lastCmd.Load(); p != nil && *p == "debug" {
				return true
			}
		}
		return false
	}, 10*time.Second, time.Millisecond)

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("Close did not return\n%s", allStacks())
	}
	select {
	case err := <-served:
		require.ErrorIs(t, err, ErrServerClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	idle.requireEOF(5 * time.Second)
	// The sleeping command finished before Close returned; its reply may or
	// may not have made it out, but the connection is closed.
	_ = busy.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for {
		if _, err := busy.c.Read(buf); err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "busy client not disconnected")
			break
		}
	}

	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	require.Error(t, err, "the listener still accepts")
	require.NoError(t, s.Close(), "second Close")

	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln2.Close()
	require.ErrorIs(t, s.Serve(ln2), ErrServerClosed, "Serve after Close")
}

func TestMaxClients(t *testing.T) {
	ts := startServer(t, Options{MaxClients: 1})
	first := dialRaw(t, ts.addr)
	first.requireOpen()

	second := dialRaw(t, ts.addr)
	require.Equal(t, "-ERR max number of clients reached\r\n", second.reply())
	second.requireEOF(5 * time.Second)

	first.requireOpen()
	require.Contains(t, first.do("INFO", "stats"), "rejected_connections:1\r\n")
	_ = first.c.Close()

	// The slot is free again once the server has seen the first go.
	require.Eventually(t, func() bool {
		third := dialRaw(t, ts.addr)
		defer third.c.Close()
		third.send(mb("PING"))
		r, err := third.readReply()
		return err == nil && r == "+PONG\r\n"
	}, 5*time.Second, 20*time.Millisecond, "a new client is still refused")
}

// Many clients at once, with the race detector: commands, CLIENT LIST and
// INFO (which walk every client) and clients coming and going.
func TestConcurrentClients(t *testing.T) {
	ts := startServer(t, Options{})
	const clients, rounds = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", ts.addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			rc := &rawConn{tb: t, c: c, r: bufio.NewReader(c)}
			for j := range rounds {
				var cmd string
				switch j % 4 {
				case 0:
					cmd = mb("INCR", "shared")
				case 1:
					cmd = mb("CLIENT", "LIST")
				case 2:
					cmd = mb("INFO")
				case 3:
					cmd = mb("CLIENT", "SETNAME", "c"+strconv.Itoa(i))
				}
				if _, err := c.Write([]byte(cmd)); err != nil {
					errs <- err
					return
				}
				r, err := rc.readReply()
				if err != nil || strings.HasPrefix(r, "-") {
					errs <- fmt.Errorf("client %d round %d: %q %v", i, j, r, err)
					return
				}
			}
			// Some leave by QUIT, some by closing.
			if i%2 == 0 {
				_, _ = c.Write([]byte(mb("QUIT")))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c := dialRaw(t, ts.addr)
	require.Equal(t, ":"+strconv.Itoa(clients*rounds/4)+"\r\n", c.do("INCRBY", "shared", "0"))
}

// While loading, commands without the loading flag get -LOADING, the
// others run, and INFO says how far loading is; SetLoaded ends it.
func TestLoadingState(t *testing.T) {
	ts := startServer(t, Options{Loading: true})
	c := dialRaw(t, ts.addr)
	// As in Redis, PING is refused too: a client that PINGs until it gets
	// PONG then finds the data loaded.
	require.Equal(t, "-LOADING Redis is loading the dataset in memory\r\n", c.do("PING"))
	require.Equal(t, "-LOADING Redis is loading the dataset in memory\r\n", c.do("GET", "k"))
	require.Equal(t, "+OK\r\n", c.do("SELECT", "1"))
	require.Equal(t, "-LOADING Redis is loading the dataset in memory\r\n", c.do("SET", "k", "v"))
	ts.srv.SetLoadProgress(0.5)
	info := c.do("INFO", "persistence")
	require.Contains(t, info, "loading:1\r\n")
	require.Contains(t, info, "loading_loaded_perc:50.00\r\n")
	ts.srv.SetLoaded(nil, nil)
	require.Equal(t, "+OK\r\n", c.do("SET", "k", "v"))
	require.Contains(t, c.do("INFO", "persistence"), "loading:0\r\n")
}

// TestLookupForRemembersByBytes: the per-client memory of the last name
// finds what the table finds, in any letter case, and follows a change of
// command.
func TestLookupForRemembersByBytes(t *testing.T) {
	s := New(Options{Engine: engine.New(engine.Options{})})
	c := &client{}
	for _, name := range []string{"SET", "SET", "set", "GET", "Get", "get", "nosuchcmd", "GET", "SET", "config", "averyveryverylongnamethatisnocommand", "set"} {
		got, want := s.lookupFor(c, []byte(name)), s.lookup([]byte(name))
		require.Same(t, want, got, name)
		if want != nil {
			require.Equal(t, strings.ToLower(name), want.name)
		}
	}
	require.Nil(t, s.lookupFor(c, []byte("SE")), "a prefix of the remembered name")
	require.Nil(t, s.lookupFor(c, []byte("SETX")), "the remembered name and more")
}
