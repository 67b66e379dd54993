package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// replyTimeout bounds every read of a reply in these tests.
const replyTimeout = 10 * time.Second

// testServer is an in-process server listening on 127.0.0.1.
type testServer struct {
	srv  *Server
	eng  *engine.Engine
	addr string
	done chan error // receives Serve's result
}

// startServer starts a server with o (a fresh engine when o.Engine is nil)
// on a loopback port. Cleanup closes it, checks that Serve returned
// ErrServerClosed and that no goroutine started by the test is left.
func startServer(tb testing.TB, o Options) *testServer {
	tb.Helper()
	return startServerWith(tb, o, func(ln net.Listener) net.Listener { return ln })
}

// startServerWith is startServer serving on wrap(a loopback listener).
func startServerWith(tb testing.TB, o Options, wrap func(net.Listener) net.Listener) *testServer {
	tb.Helper()
	// Registered first, so it runs last: after the server and every
	// connection opened later by the test were closed.
	checkGoroutines(tb)
	if o.Engine == nil {
		o.Engine = engine.New(engine.Options{})
	}
	if o.DebugCommand == AllowNone {
		o.DebugCommand = AllowLocal // the tests' own DEBUG DIGEST, SLEEP...
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	ln := wrap(tcp)
	ts := &testServer{srv: New(o), eng: o.Engine, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { ts.done <- ts.srv.Serve(ln) }()
	tb.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- ts.srv.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				tb.Errorf("Close: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("Close did not return within 10s\n%s", allStacks())
			return
		}
		select {
		case err := <-ts.done:
			if !errors.Is(err, ErrServerClosed) {
				tb.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(10 * time.Second):
			tb.Errorf("Serve did not return within 10s of Close")
		}
	})
	return ts
}

// checkGoroutines is a small goleak: it notes the goroutines running now
// and, at cleanup, waits up to 5 seconds for every goroutine started since
// then that runs code of this module or of redcon to finish. Goroutines of
// the testing framework (the fuzzing coordinator's signal handler, say)
// are not the server's business and are ignored.
func checkGoroutines(tb testing.TB) {
	tb.Helper()
	before := goroutines()
	tb.Cleanup(func() {
		var leaked []string
		gone := func() bool {
			leaked = leaked[:0]
			for id, stack := range goroutines() {
				if _, old := before[id]; !old && ours(stack) {
					leaked = append(leaked, stack)
				}
			}
			return len(leaked) == 0
		}
		// Polled here rather than with assert.Eventually, whose own
		// goroutine would count as one of ours.
		deadline := time.After(5 * time.Second)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for !gone() {
			select {
			case <-deadline:
				tb.Errorf("%d goroutines left behind:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			case <-tick.C:
			}
		}
	})
}

// goroutines returns the stack of every goroutine but the caller's, by id.
func goroutines() map[string]string {
	out := map[string]string{}
	blocks := strings.Split(allStacks(), "\n\n")
	for _, b := range blocks[1:] { // the first is the calling goroutine
		id, _, _ := strings.Cut(strings.TrimPrefix(b, "goroutine "), " ")
		out[id] = b
	}
	return out
}

func ours(stack string) bool {
	return strings.Contains(stack, "github.com/tidwall/redcon") ||
		strings.Contains(stack, "github.com/nadb-server/nadb-server/")
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// mb encodes a command as a RESP multibulk request.
func mb(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

// rawConn is a client speaking raw RESP.
type rawConn struct {
	tb testing.TB
	c  net.Conn
	r  *bufio.Reader
}

func dialRaw(tb testing.TB, addr string) *rawConn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return &rawConn{tb: tb, c: c, r: bufio.NewReader(c)}
}

func (c *rawConn) send(s string) {
	c.tb.Helper()
	_ = c.c.SetWriteDeadline(time.Now().Add(replyTimeout))
	if _, err := io.WriteString(c.c, s); err != nil {
		c.tb.Fatalf("write: %v", err)
	}
}

// reply reads one complete reply and returns its raw bytes.
func (c *rawConn) reply() string {
	c.tb.Helper()
	r, err := c.readReply()
	if err != nil {
		c.tb.Fatalf("reading reply: %v", err)
	}
	return r
}

// do sends a command and returns its reply.
func (c *rawConn) do(args ...string) string {
	c.tb.Helper()
	c.send(mb(args...))
	return c.reply()
}

func (c *rawConn) readReply() (string, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(replyTimeout))
	var b strings.Builder
	err := readRESP(c.r, &b, 0)
	return b.String(), err
}

// readRESP copies one RESP2 or RESP3 value from r to b.
func readRESP(r *bufio.Reader, b *strings.Builder, depth int) error {
	if depth > 64 {
		return errors.New("reply nested too deeply")
	}
	line, err := r.ReadString('\n')
	b.WriteString(line)
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-':
		if strings.ContainsAny(body, "\r\n") {
			return fmt.Errorf("CR or LF inside a status line %q", line)
		}
		return nil
	case ':':
		if _, err := strconv.ParseInt(body, 10, 64); err != nil {
			return fmt.Errorf("bad integer reply %q", line)
		}
		return nil
	case '_':
		if body != "" {
			return fmt.Errorf("bad null %q", line)
		}
		return nil
	case '#':
		if body != "t" && body != "f" {
			return fmt.Errorf("bad boolean %q", line)
		}
		return nil
	case ',':
		if _, err := strconv.ParseFloat(body, 64); err != nil {
			return fmt.Errorf("bad double %q", line)
		}
		return nil
	case '=':
		n, err := strconv.Atoi(body)
		if err != nil || n < 4 {
			return fmt.Errorf("bad verbatim header %q", line)
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return err
		}
		b.Write(data)
		if data[3] != ':' || string(data[n:]) != "\r\n" {
			return fmt.Errorf("malformed verbatim string %q", data)
		}
		return nil
	case '%', '~', '>':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return fmt.Errorf("bad aggregate header %q", line)
		}
		if line[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readRESP(r, b, depth+1); err != nil {
				return err
			}
		}
		return nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return fmt.Errorf("bad bulk header %q", line)
		}
		if n == -1 {
			return nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return err
		}
		b.Write(data)
		if string(data[n:]) != "\r\n" {
			return fmt.Errorf("bulk of %d bytes not followed by CRLF", n)
		}
		return nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return fmt.Errorf("bad array header %q", line)
		}
		for i := 0; i < n; i++ {
			if err := readRESP(r, b, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line)
}

// requireEOF fails unless the server closes the connection within timeout
// without sending anything more.
func (c *rawConn) requireEOF(timeout time.Duration) {
	c.tb.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	rest, err := io.ReadAll(c.r)
	if err != nil {
		c.tb.Fatalf("want EOF, got %v after %q", err, rest)
	}
	if len(rest) > 0 {
		c.tb.Fatalf("want EOF, got more data: %q", rest)
	}
}

// requireOpen fails unless the connection still answers PING, which also
// proves that nothing else was pending in front of it.
func (c *rawConn) requireOpen() {
	c.tb.Helper()
	if got := c.do("PING"); got != "+PONG\r\n" {
		c.tb.Fatalf("PING after the case: got %q, want +PONG", got)
	}
}

// startRealRedis runs a redis-server on a free loopback port for the test
// and returns its address. Without redis-server the test is skipped, or
// fails under CI=true.
func startRealRedis(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("redis-server is required under CI=true: %v", err)
		}
		tb.Skipf("redis-server not installed: %v", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("free port: %v", err)
		}
		cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = waitForPong(addr, exited); lastErr == nil {
			tb.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		_ = cmd.Process.Kill()
		<-exited
	}
	tb.Fatalf("redis-server did not start: %v", lastErr)
	return ""
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitForPong(addr string, exited <-chan error) error {
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited: %v", err)
		case <-deadline:
			return errors.New("no PONG within 10s")
		case <-tick.C:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			_ = c.Close()
			if line == "+PONG\r\n" {
				return nil
			}
		}
	}
}

// subprocessEnv names the test that a child test binary should run for
// real; see inSubprocess.
const subprocessEnv = "NADB_RESP_SUBPROCESS"

// inSubprocess runs body in a child test binary and reports whether this
// process is the child. A panic in a server goroutine kills the whole
// process, so tests that would crash the server run their body in a child:
// the parent fails cleanly, with the child's output, instead of taking
// every other test down with it.
func inSubprocess(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(subprocessEnv) == t.Name() {
		body(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+strings.ReplaceAll(t.Name(), "/", "$/^")+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), subprocessEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child test process failed (%v):\n%s", err, tail(string(out), 4000))
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child test process did not pass:\n%s", tail(string(out), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
