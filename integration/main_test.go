package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const (
	targetNadb  = "nadb-server"
	targetRedis = "redis-server"

	startTimeout = 15 * time.Second // from exec to the first PONG
	exitTimeout  = 10 * time.Second // from a signal or SHUTDOWN to the process's exit
)

// target, serverBin, moduleDir and binDir are set once by TestMain and
// only read afterwards.
var (
	target    string // targetNadb or targetRedis
	serverBin string // the executable that startServer runs
	moduleDir string // the repository's root (nadb-server only)
	binDir    string // where the test binaries are built (nadb-server only)
)

// faultBinary builds, once, the server with the nadbfaults build tag: the
// test-only fault seam, switched on by the NADB_FAULTS environment
// variable, which a production build does not have.
var faultBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "nadb-server-faults")
	build := exec.Command("go", "build", "-tags", "nadbfaults", "-o", bin, "./cmd/nadb-server")
	build.Dir = moduleDir
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -tags nadbfaults ./cmd/nadb-server: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	target = os.Getenv("NADB_TEST_TARGET")
	switch target {
	case "", targetNadb:
		target = targetNadb
		root, err := moduleRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		dir, err := os.MkdirTemp("", "nadb-integration-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		moduleDir, binDir = root, dir
		serverBin = filepath.Join(dir, "nadb-server")
		build := exec.Command("go", "build", "-o", serverBin, "./cmd/nadb-server")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/nadb-server: %v\n%s", err, out)
			return 1
		}
	case targetRedis:
		path, err := exec.LookPath("redis-server")
		if err != nil {
			fmt.Fprintf(os.Stderr, "NADB_TEST_TARGET=redis-server: %v\n", err)
			return 1
		}
		serverBin = path
	default:
		fmt.Fprintf(os.Stderr, "NADB_TEST_TARGET=%q: want %s or %s\n", target, targetNadb, targetRedis)
		return 2
	}
	return m.Run()
}

// moduleRoot walks up from the package directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the integration package")
		}
		dir = parent
	}
}

// nadbOnly skips a test or subtest whose assertions are about nadb-server
// itself and do not hold for real Redis.
func nadbOnly(t *testing.T) {
	t.Helper()
	if target != targetNadb {
		t.Skipf("checks nadb-server behaviour; target is %s", target)
	}
}

// skipOrFail skips on a developer's machine and fails on CI, where every
// tool the tests use must be installed.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// requireTool returns the path of an executable, or skips (fails on CI) when
// it is not installed.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, "%s is not installed: %v", name, err)
	}
	return path
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1 a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// baseArgs are the arguments every started server gets besides its port: a
// private data directory and no persistence.
func baseArgs(dir string, replPort int) []string {
	if target == targetRedis {
		return []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--enable-debug-command", "local"}
	}
	return []string{"--bind", "127.0.0.1", "--repl-listen-port", strconv.Itoa(replPort),
		"--dir", dir, "--appendonly", "no", "--enable-debug-command", "local"}
}

// Server is one running server process owned by a test.
type Server struct {
	Port     int
	ReplPort int // NADB replication port (unused by redis-server)
	Dir      string

	t      *testing.T
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed once cmd.Wait has returned; then state is set
	state  *os.ProcessState
}

// startServer starts a server on free ports with extraArgs appended to its
// command line, waits until it answers PING, and kills it when t ends.
func startServer(t *testing.T, extraArgs ...string) *Server {
	t.Helper()
	return startServerWith(t, launchOpts{}, extraArgs...)
}

// launchOpts run another executable than serverBin, or add to the
// environment of the process.
type launchOpts struct {
	bin string   // "" runs serverBin
	env []string // added to the test's own environment
}

// startServerWith is startServer with launch options.
func startServerWith(t *testing.T, lo launchOpts, extraArgs ...string) *Server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := freePorts(t, 2)
		if slices.Contains(extraArgs, strconv.Itoa(ports[0])) || slices.Contains(extraArgs, strconv.Itoa(ports[1])) {
			// A port the caller reserved for the server (a tls-port it
			// took from freePorts earlier) was free again: pick others.
			attempt--
			continue
		}
		dir := t.TempDir()
		args := append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(dir, ports[1])...)
		s, err := tryLaunchWith(t, lo, ports[0], append(args, extraArgs...)...)
		if err == nil {
			s.ReplPort, s.Dir = ports[1], dir
			return s
		}
		// Between freePorts closing a port and the server binding it,
		// another test's server may take it: try other ports.
		if !errors.Is(err, errPortTaken) || attempt == 5 {
			t.Fatal(err)
		}
		t.Logf("attempt %d: %v; trying other ports", attempt, err)
	}
}

// errPortTaken: the server could not bind a port that freePorts found free.
var errPortTaken = errors.New("a port was taken before the server could bind it")

// launch runs serverBin with args, expecting it to serve RESP on port.
func launch(t *testing.T, port int, args ...string) *Server {
	t.Helper()
	s, err := tryLaunch(t, port, args...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tryLaunch is launch that returns an error when the server does not come
// up; errPortTaken when it could not bind its ports.
func tryLaunch(t *testing.T, port int, args ...string) (*Server, error) {
	t.Helper()
	return tryLaunchWith(t, launchOpts{}, port, args...)
}

// tryLaunchWith is tryLaunch with launch options.
func tryLaunchWith(t *testing.T, lo launchOpts, port int, args ...string) (*Server, error) {
	t.Helper()
	bin := lo.bin
	if bin == "" {
		bin = serverBin
	}
	s := &Server{Port: port, t: t, out: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	if lo.env != nil {
		s.cmd.Env = append(os.Environ(), lo.env...)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	setPdeathsig(s.cmd)
	require.NoError(t, s.cmd.Start())
	go func() {
		_ = s.cmd.Wait() // the exit status is read from state
		s.state = s.cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("%s %s\n--- output ---\n%s", bin, strings.Join(args, " "), s.Output())
		}
	})
	return s, s.waitReady()
}

// waitReady polls until the server answers PING from its own process and
// has loaded its data.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		// The PING must come from the process just started: a port freed
		// by freePorts can be taken by another test's server meanwhile.
		err := ping(s.Addr())
		if err == nil {
			err = s.checkPid()
		}
		if err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer PING within %v: %v\n%s", target, startTimeout, err, s.Output())
		}
		select {
		case <-s.exited:
			if strings.Contains(s.Output(), "address already in use") {
				return fmt.Errorf("%w: %s exited (%v):\n%s", errPortTaken, target, s.state, s.Output())
			}
			return fmt.Errorf("%s exited before answering PING (%v):\n%s", target, s.state, s.Output())
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}

// checkPid makes sure the server answering on s.Port is s's own process,
// from the process_id field of INFO server, and that it has finished
// loading its data (INFO persistence loading:0).
func (s *Server) checkPid() error {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*3\r\n$4\r\nINFO\r\n$6\r\nserver\r\n$11\r\npersistence\r\n")); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil { // the bulk length
		return err
	}
	want := "process_id:" + strconv.Itoa(s.cmd.Process.Pid)
	pidOK := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "process_id:"):
			if line != want {
				return fmt.Errorf("port %d is served by another process (%s, want %s)", s.Port, line, want)
			}
			pidOK = true
		case line == "loading:1":
			return fmt.Errorf("port %d: still loading", s.Port)
		case line == "loading:0":
			if !pidOK {
				return fmt.Errorf("port %d: INFO had no process_id", s.Port)
			}
			return nil
		}
	}
}

// ping sends one PING on a fresh connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Addr is the server's RESP address, host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Output is everything the process has written to stdout and stderr so far.
func (s *Server) Output() string { return s.out.String() }

// Client returns a go-redis client with default options (so it opens with
// HELLO 3 and speaks RESP3), closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Conn returns one dedicated connection of a fresh default client, so that
// SELECT, HELLO or RESET on it cannot leak into a pool.
func (s *Server) Conn(t *testing.T) *redis.Conn {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	conn := c.Conn()
	t.Cleanup(func() {
		_ = conn.Close()
		_ = c.Close()
	})
	require.NoError(t, conn.Ping(context.Background()).Err())
	return conn
}

// Signal sends sig to the process.
func (s *Server) Signal(sig os.Signal) {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(sig))
}

// WaitExit waits up to timeout for the process to exit and returns its exit code.
func (s *Server) WaitExit(timeout time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
		return s.state.ExitCode()
	case <-time.After(timeout):
		s.t.Fatalf("%s still running %v after being told to stop", target, timeout)
		return -1
	}
}

// Stop sends SIGTERM and returns the exit code.
func (s *Server) Stop() int {
	s.t.Helper()
	s.Signal(syscall.SIGTERM)
	return s.WaitExit(exitTimeout)
}

// Kill kills the process by its handle, if still running, and waits for it.
func (s *Server) Kill() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// lockedBuffer collects a process's output; the exec package writes to it
// from its own goroutines while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// rawConn is a plain TCP connection for speaking (or mangling) RESP by hand.
type rawConn struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, Conn: c, r: bufio.NewReader(c)}
}

// dialRawFrom is dialRaw from the local address from (127.0.0.2: a
// loopback address Redis does not count as local).
func dialRawFrom(t *testing.T, addr, from string) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, Conn: c, r: bufio.NewReader(c)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	_, err := c.Write([]byte(s))
	require.NoError(c.t, err)
}

// readLine reads one CRLF-terminated line, without the CRLF.
func (c *rawConn) readLine() string {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	line, err := c.r.ReadString('\n')
	require.NoError(c.t, err, "read so far: %q", line)
	require.True(c.t, strings.HasSuffix(line, "\r\n"), "line %q does not end in CRLF", line)
	return strings.TrimSuffix(line, "\r\n")
}

// requireEOF asserts that the server closes the connection within timeout
// without sending anything more.
func (c *rawConn) requireEOF(timeout time.Duration) {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(timeout)))
	rest, err := c.r.ReadString('\n')
	require.ErrorIs(c.t, err, io.EOF, "unexpected data %q", rest)
	require.Empty(c.t, rest)
}

// requireRedisErr asserts that err is an error reply with exactly the text want.
func requireRedisErr(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err, "want error reply %q", want)
	var rerr redis.Error
	require.True(t, errors.As(err, &rerr), "want error reply %q, got a client error: %v", want, err)
	require.Equal(t, want, err.Error())
}

// step is one command of a scripted table test and the reply it must get.
type step struct {
	cmd  []any
	want any    // string, int (compared as int64), []any, nilReply{} or a check
	err  string // the exact error reply expected instead of want
}

// nilReply stands for a nil bulk or nil array reply.
type nilReply struct{}

// check inspects a reply that cannot be known exactly in advance; where
// names the step for failure messages.
type check func(t *testing.T, where string, reply any)

type doer interface {
	Do(ctx context.Context, args ...any) *redis.Cmd
}

// runSteps runs steps in order on c, stopping at the first mismatch.
func runSteps(t *testing.T, c doer, steps []step) {
	t.Helper()
	ctx := context.Background()
	for i, st := range steps {
		got, err := c.Do(ctx, st.cmd...).Result()
		where := fmt.Sprintf("step %d: %v", i, st.cmd)
		if st.err != "" {
			require.Error(t, err, "%s answered %#v", where, got)
			var rerr redis.Error
			require.True(t, errors.As(err, &rerr), "%s: client error %v", where, err)
			require.Equal(t, st.err, err.Error(), where)
			continue
		}
		switch want := st.want.(type) {
		case nilReply:
			require.ErrorIs(t, err, redis.Nil, "%s answered %#v", where, got)
		case check:
			require.NoError(t, err, where)
			want(t, where, got)
		default:
			require.NoError(t, err, where)
			require.Equal(t, normalize(want), got, where)
		}
	}
}

// normalize turns ints into the int64s that go-redis returns.
func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

// between checks an integer reply lies in [lo, hi].
func between(lo, hi int64) check {
	return func(t *testing.T, where string, reply any) {
		n, ok := reply.(int64)
		require.True(t, ok, "%s: reply %#v is not an integer", where, reply)
		require.True(t, lo <= n && n <= hi, "%s: %d not in [%d, %d]", where, n, lo, hi)
	}
}

// scriptTest runs each script on a fresh connection after FLUSHALL, all on
// one server started for the calling test.
func scriptTest(t *testing.T, scripts map[string][]step) {
	t.Helper()
	s := startServer(t)
	for _, name := range slices.Sorted(maps.Keys(scripts)) {
		steps := scripts[name]
		t.Run(name, func(t *testing.T) {
			c := s.Conn(t)
			require.NoError(t, c.FlushAll(context.Background()).Err())
			runSteps(t, c, steps)
		})
	}
}

// requireLogged waits until the process's output holds substr. The output
// is copied in by another goroutine, so a line the server wrote before an
// observable effect may land a moment after the test sees the effect.
func (s *Server) requireLogged(t *testing.T, substr string, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for !strings.Contains(s.Output(), substr) {
		if time.Now().After(deadline) {
			require.Fail(t, fmt.Sprintf("%q never appeared in the output:\n%s", substr, s.Output()), msgAndArgs...)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-s.exited:
			require.Contains(t, s.Output(), substr, msgAndArgs...)
			return
		}
	}
}
