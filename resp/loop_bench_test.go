package resp

import (
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// The command path benchmarks drive a whole connection (read buffer,
// parser, command table, engine, reply buffer, the one write per pipeline)
// through an in-memory net.Conn, so that what they measure is the server's
// own cost, not the kernel's: pipelines of benchPipeline commands, as
// redis-benchmark -P 16 sends them, 100-byte values, 16-byte keys.
// b.ReportAllocs counts every allocation of the process, the connection
// goroutine's included.
//
//	go test -run '^$' -bench CommandPath -benchmem ./resp/
const benchPipeline = 16

func BenchmarkCommandPathGET(b *testing.B) {
	value := strings.Repeat("v", 100)
	benchCommandPath(b, false, smallKeyspace, func(eng *engine.Engine, keys []string) {
		for _, k := range keys {
			eng.Set(0, k, []byte(value), engine.SetOptions{})
		}
	}, func(k string) string { return mb("GET", k) }, "$100\r\n"+value+"\r\n")
}

func BenchmarkCommandPathSET(b *testing.B) {
	value := strings.Repeat("v", 100)
	benchCommandPath(b, false, smallKeyspace, nil, func(k string) string { return mb("SET", k, value) }, "+OK\r\n")
}

// BenchmarkCommandPathGETMillion is GET over a million keys in random
// order: each lookup misses the processor's caches, as with
// redis-benchmark -r 1000000 (what the connection's prefetch is for).
func BenchmarkCommandPathGETMillion(b *testing.B) {
	value := strings.Repeat("v", 100)
	benchCommandPath(b, false, 1<<20, func(eng *engine.Engine, keys []string) {
		for _, k := range keys {
			eng.Set(0, k, []byte(value), engine.SetOptions{})
		}
	}, func(k string) string { return mb("GET", k) }, "$100\r\n"+value+"\r\n")
}

// BenchmarkCommandPathSETMillion is SET over a million existing keys in
// random order.
func BenchmarkCommandPathSETMillion(b *testing.B) {
	value := strings.Repeat("v", 100)
	benchCommandPath(b, false, 1<<20, func(eng *engine.Engine, keys []string) {
		for _, k := range keys {
			eng.Set(0, k, []byte(value), engine.SetOptions{})
		}
	}, func(k string) string { return mb("SET", k, value) }, "+OK\r\n")
}

// BenchmarkCommandPathGETMissRESP3 is GET of missing keys on a connection
// that opened with HELLO 3: the RESP3 null on the same path.
func BenchmarkCommandPathGETMissRESP3(b *testing.B) {
	benchCommandPath(b, true, smallKeyspace, nil, func(k string) string { return mb("GET", k) }, "_\r\n")
}

// BenchmarkCommandPathSETRESP3 is SET on a connection that opened with
// HELLO 3.
func BenchmarkCommandPathSETRESP3(b *testing.B) {
	value := strings.Repeat("v", 100)
	benchCommandPath(b, true, smallKeyspace, nil, func(k string) string { return mb("SET", k, value) }, "+OK\r\n")
}

// smallKeyspace is the keys of the benchmarks that measure the path
// itself: they stay in the processor's caches.
const smallKeyspace = 1024

// benchCommandPath runs b.N commands made by cmd on nkeys keys (in a
// shuffled order), in pipelines, through one connection, and checks that
// every reply is reply. With resp3 the connection first sends HELLO 3,
// whose reply is not counted.
func benchCommandPath(b *testing.B, resp3 bool, nkeys int, prepare func(*engine.Engine, []string), cmd func(key string) string, reply string) {
	eng := engine.New(engine.Options{})
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = "key:" + strconv.FormatInt(int64(100000000000+i), 10)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	if prepare != nil {
		prepare(eng, keys)
	}
	// A few distinct pipelines, so the keys vary without allocating.
	var pipelines [][]byte
	for p := 0; p < len(keys)/benchPipeline; p++ {
		var sb strings.Builder
		for i := range benchPipeline {
			sb.WriteString(cmd(keys[p*benchPipeline+i]))
		}
		pipelines = append(pipelines, []byte(sb.String()))
	}
	conn := newPipeConn(pipelines, len(reply)*benchPipeline)
	if resp3 {
		// Read before the first pipeline; its reply (client id 1) is
		// taken off the count of reply bytes.
		w := &replyWriter{resp3: true}
		writeAny(w, mapReply{"server", "redis", "version", redisVersion, "proto", int64(3), "id", int64(1),
			"mode", "standalone", "role", "master", "modules", []any{}})
		conn.rest = []byte(mb("HELLO", "3"))
		conn.got = -len(w.b)
	}
	srv := New(Options{Engine: eng})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(&oneConnListener{c: conn, closed: make(chan struct{})}) }()

	b.ReportAllocs()
	b.ResetTimer()
	rounds := (b.N + benchPipeline - 1) / benchPipeline
	for range rounds {
		conn.in <- struct{}{}
		<-conn.out
	}
	b.StopTimer()
	conn.last = conn.last[:0]
	conn.in <- struct{}{}
	<-conn.out
	if got := string(conn.last); got != strings.Repeat(reply, benchPipeline) {
		b.Fatalf("reply %q", got[:min(len(got), 200)])
	}
	_ = srv.Close()
	<-done
}

// pipeConn is a client connection in memory: each Read, once the
// benchmark says so (in), returns the next pipeline; once a whole
// pipeline's replies were written it tells the benchmark (out).
type pipeConn struct {
	pipelines [][]byte
	next      int
	rest      []byte // of the current pipeline, not read yet
	replyLen  int
	got       int
	last      []byte
	in, out   chan struct{}
	closeOnce sync.Once
	closed    chan struct{}
}

func newPipeConn(pipelines [][]byte, replyLen int) *pipeConn {
	return &pipeConn{pipelines: pipelines, replyLen: replyLen, last: make([]byte, 0, replyLen),
		in: make(chan struct{}), out: make(chan struct{}), closed: make(chan struct{})}
}

func (c *pipeConn) Read(p []byte) (int, error) {
	if len(c.rest) == 0 {
		select {
		case <-c.in:
		case <-c.closed:
			return 0, net.ErrClosed
		}
		c.rest = c.pipelines[c.next%len(c.pipelines)]
		c.next++
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	return n, nil
}

// Write takes replies; the benchmark reads no reply before a whole
// pipeline's are written, so they never run past one pipeline.
func (c *pipeConn) Write(p []byte) (int, error) {
	c.got += len(p)
	if len(c.last)+len(p) <= cap(c.last) {
		c.last = append(c.last, p...)
	}
	if c.got >= c.replyLen {
		c.got = 0
		select {
		case c.out <- struct{}{}:
		case <-c.closed:
		}
	}
	return len(p), nil
}

func (c *pipeConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

var benchAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

func (c *pipeConn) LocalAddr() net.Addr              { return benchAddr }
func (c *pipeConn) RemoteAddr() net.Addr             { return benchAddr }
func (c *pipeConn) SetDeadline(time.Time) error      { return nil }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }

// oneConnListener accepts c once, then blocks until closed.
type oneConnListener struct {
	c      net.Conn
	once   sync.Once
	mu     sync.Mutex
	closed chan struct{}
	done   bool
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.c })
	if c != nil {
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.done = true
		close(l.closed)
	}
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return benchAddr }

// BenchmarkTrickledMultibulk: one command of 20,001 arguments arriving in
// reads of at most 200 bytes, through the read side as the loop runs it.
// The parser looks at an unfinished command again only when the input
// guard says it may be complete (limitConn.partial): parsing it from its
// first byte on every read cost the square of its size.
func BenchmarkTrickledMultibulk(b *testing.B) {
	var data []byte
	data = append(data, "*20001\r\n$4\r\nMSET\r\n"...)
	for range 20000 {
		data = append(data, "$1\r\na\r\n"...)
	}
	l := &limits{}
	l.maxBulk.Store(512 << 20)
	l.maxQuery.Store(1 << 30)
	for b.Loop() {
		out := readAll(l, data, 1, 200)
		if len(out.cmds) != 1 || len(out.cmds[0]) != 20001 {
			b.Fatalf("read %d commands", len(out.cmds))
		}
	}
}
