package resp

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// logBuffer collects a server's log; connection goroutines write to it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestIdleTimeout: a client idle for longer than timeout is closed; one
// that keeps talking is not.
func TestIdleTimeout(t *testing.T) {
	var log logBuffer
	ts := startServer(t, Options{Timeout: 300 * time.Millisecond, Logger: log.logger()})
	idle := dialRaw(t, ts.addr)
	// Measured from before the PING: the server's idle time starts when
	// it reads it, which may be well before its reply arrives here.
	start := time.Now()
	idle.requireOpen()
	idle.requireEOF(5 * time.Second)
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.Contains(t, log.String(), "closing idle client")

	// Commands more often than the timeout keep a client open for longer
	// than it in all.
	busy := dialRaw(t, ts.addr)
	start = time.Now()
	for time.Since(start) < time.Second {
		busy.requireOpen()
		time.Sleep(50 * time.Millisecond) // the client's pace, not a wait for the server
	}
	busy.requireOpen()
}

// TestTimeoutAtRunTime: a changed timeout applies to a client already
// waiting for its next command, and 0 switches it off.
func TestTimeoutAtRunTime(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	c.requireOpen()
	ts.srv.SetTimeout(200 * time.Millisecond)
	c.requireEOF(5 * time.Second)

	ts.srv.SetTimeout(time.Hour)
	d := dialRaw(t, ts.addr)
	d.requireOpen()
	ts.srv.SetTimeout(0)
	_ = d.c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err := d.r.ReadByte()
	require.True(t, isTimeout(err), "the server must not close the client: %v", err)
	d.requireOpen()
}

// requireQuiet reads from c for d and fails unless nothing came and the
// connection stayed open (the read timed out).
func requireQuiet(t *testing.T, c *rawConn, d time.Duration) {
	t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(d))
	b, err := c.r.ReadByte()
	require.True(t, isTimeout(err), "want silence on an open connection, got %q, %v", b, err)
}

// TestTimeoutSpares: as in Redis, the idle timeout closes neither a
// client in pub/sub mode (RESP2 or RESP3), nor a monitor, nor a blocked
// client, and a timeout changed while a client is blocked does not stop
// the server from noticing it leave: it must not be handed an element.
func TestTimeoutSpares(t *testing.T) {
	ts := startServer(t, Options{Timeout: 200 * time.Millisecond})
	sub := dialRaw(t, ts.addr)
	require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", sub.do("SUBSCRIBE", "ch"))
	sub3 := dialRaw(t, ts.addr)
	require.Contains(t, sub3.do("HELLO", "3"), "proto")
	require.Equal(t, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", sub3.do("SUBSCRIBE", "ch"))
	blocked := dialRaw(t, ts.addr)
	blocked.send(mb("BLPOP", "list", "0"))
	ctl := dialRaw(t, ts.addr) // closed by the timeout, as any idle client
	require.Eventually(t, func() bool {
		return strings.Contains(ctl.do("CLIENT", "LIST"), "cmd=blpop")
	}, 5*time.Second, 5*time.Millisecond, "the BLPOP blocks")
	mon := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", mon.do("MONITOR"))

	requireQuiet(t, sub, 600*time.Millisecond) // three timeouts
	requireQuiet(t, sub3, 10*time.Millisecond)
	requireQuiet(t, mon, 10*time.Millisecond)
	requireQuiet(t, blocked, 10*time.Millisecond)
	ctl.requireEOF(time.Second)
	pub := dialRaw(t, ts.addr)
	require.Equal(t, ":2\r\n", pub.do("PUBLISH", "ch", "m"))
	require.Equal(t, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", sub.reply())
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", sub3.reply())
	require.Contains(t, mon.reply(), `"PUBLISH" "ch" "m"`)

	// The timeout changes under the blocked client's watch, then the
	// client leaves: the server notices, and the element stays.
	ts.srv.SetTimeout(50 * time.Millisecond)
	requireQuiet(t, blocked, 200*time.Millisecond)
	ts.srv.SetTimeout(0)
	pub = dialRaw(t, ts.addr)
	require.NoError(t, blocked.c.Close())
	require.Eventually(t, func() bool {
		return !strings.Contains(pub.do("CLIENT", "LIST"), "cmd=blpop")
	}, 5*time.Second, 5*time.Millisecond, "the server noticed the blocked client leave")
	require.Equal(t, ":1\r\n", pub.do("LPUSH", "list", "v"))
	require.Equal(t, ":1\r\n", pub.do("LLEN", "list"))
}

// drain reads everything the server sends until it closes the connection
// or deadline passes, and returns how many bytes came and how it ended.
func drain(c *rawConn, deadline time.Duration) (int64, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(deadline))
	n, err := io.Copy(io.Discard, c.r)
	if err == nil {
		err = io.EOF
	}
	return n, err
}

// pipelineGets sends n GETs of key in one write, from a goroutine owned by
// the test (the write itself may block while the server does not read).
func pipelineGets(t *testing.T, c *rawConn, key string, n int) {
	t.Helper()
	req := strings.Repeat(mb("GET", key), n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.c.SetWriteDeadline(time.Now().Add(replyTimeout))
		_, _ = io.WriteString(c.c, req)
	}()
	t.Cleanup(func() { <-done })
}

// TestOutputLimitHard: a client that pipelines big GETs and reads nothing
// is closed once its unread replies pass the hard limit, long before they
// all are produced, and the server logs it.
func TestOutputLimitHard(t *testing.T) {
	var log logBuffer
	ts := startServer(t, Options{OutputLimit: OutputLimit{Hard: 4 << 20}, Logger: log.logger()})
	ts.eng.Set(0, "big", bytes.Repeat([]byte("v"), 1<<20), engine.SetOptions{})
	c := dialRaw(t, ts.addr)
	pipelineGets(t, c, "big", 2000) // 2 GB of replies if nothing stopped them
	n, err := drain(c, 20*time.Second)
	require.False(t, isTimeout(err), "the server never closed the client (%d bytes read)", n)
	require.Less(t, n, int64(64<<20), "the server sent far more than the limit")
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "output buffer limits") }, 5*time.Second, 10*time.Millisecond)

	// A client that reads its replies is not affected.
	ok := dialRaw(t, ts.addr)
	for range 3 {
		require.Equal(t, 1<<20+len("$1048576\r\n\r\n"), len(ok.do("GET", "big")))
	}
}

// TestOutputLimitSoft: unread replies above the soft limit for longer than
// its seconds close the client; a client that reads in time stays.
func TestOutputLimitSoft(t *testing.T) {
	var log logBuffer
	ts := startServer(t, Options{OutputLimit: OutputLimit{Soft: 1 << 20, SoftSeconds: 1}, Logger: log.logger()})
	ts.eng.Set(0, "big", bytes.Repeat([]byte("v"), 1<<20), engine.SetOptions{})

	// A client that reads each reply before asking for the next is over
	// the soft limit only briefly, and is kept.
	reader := dialRaw(t, ts.addr)
	for range 8 {
		reader.send(mb("GET", "big"))
		require.Equal(t, 1<<20+len("$1048576\r\n\r\n"), len(reader.reply()))
	}

	c := dialRaw(t, ts.addr)
	start := time.Now()
	pipelineGets(t, c, "big", 30)
	// Let the server reach its blocked flush before looking: the soft
	// limit counts from then on, whatever the client does later.
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "output buffer limits") }, 10*time.Second, 10*time.Millisecond)
	require.GreaterOrEqual(t, time.Since(start), time.Second)
	n, err := drain(c, 10*time.Second)
	require.False(t, isTimeout(err), "the server never closed the client (%d bytes read)", n)
	require.Less(t, n, int64(30<<20))
	reader.requireOpen()
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
