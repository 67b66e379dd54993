package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// convergeTimeout bounds every wait for replication to catch up. It is
	// generous because the machines running these tests are often loaded;
	// a passing test does not wait for it.
	convergeTimeout = 30 * time.Second
	pollInterval    = 50 * time.Millisecond
	// clientTimeout is the read and write timeout of the tests' clients,
	// above go-redis's 3 s default for the same reason.
	clientTimeout = 20 * time.Second
)

// node is one server of a replication test with a client of it. It keeps
// the arguments it was started with, so that restart can bring it back on
// the same ports.
type node struct {
	*Server
	t     *testing.T
	extra []string
	rdb   *redis.Client // survives restarts: go-redis redials the same address
	held  *portHolder   // the ports while killed, nil while running
}

// startNode starts a server with extra arguments, as startServer does.
func startNode(t *testing.T, extra ...string) *node {
	t.Helper()
	n := &node{Server: startServer(t, extra...), t: t, extra: extra}
	n.rdb = redis.NewClient(&redis.Options{Addr: n.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = n.rdb.Close() })
	n.requireOwnProcess()
	return n
}

// requireOwnProcess checks that the server answering on the node's port is
// the process the node started. Ports come from freePorts and are
// rebound by restart, so another test's server could hold one; this makes
// that a clear failure rather than a confusing one.
func (n *node) requireOwnProcess() {
	n.t.Helper()
	pid := n.requireInfo("server")["process_id"]
	require.Equal(n.t, strconv.Itoa(n.cmd.Process.Pid), pid, "another process answers on %s:\n%s", n.Addr(), n.Output())
}

// followArgs are the arguments that make a server a secondary of the
// primary whose NADB endpoint is 127.0.0.1:nadbPort.
func followArgs(nadbPort int) []string {
	return []string{"--primary-host", "127.0.0.1", "--primary-port", strconv.Itoa(nadbPort)}
}

// startSecondary starts a secondary of p, configured with --primary-host
// and --primary-port.
func startSecondary(t *testing.T, p *node, extra ...string) *node {
	t.Helper()
	return startNode(t, append(followArgs(p.ReplPort), extra...)...)
}

// startLinkedPair starts a primary and a secondary of it, and waits until
// the secondary's link to it is up.
func startLinkedPair(t *testing.T) (p, s *node) {
	t.Helper()
	p = startNode(t)
	s = startSecondary(t, p)
	s.waitInfo("replication", "master_link_status", "up")
	return p, s
}

// kill kills the process by its handle (SIGKILL) and holds its ports until
// restart or the end of the test, so that no other test's server or
// outgoing connection takes them meanwhile and this node's peers do not
// reach a stranger.
func (n *node) kill() {
	n.t.Helper()
	n.Kill()
	if n.held == nil {
		n.held = holdPorts(n.t, n.Port, n.ReplPort)
	}
}

// restart kills the process if it still runs, then starts a new one with
// the same ports, directory and arguments.
func (n *node) restart() {
	n.t.Helper()
	n.kill()
	port, replPort, dir := n.Port, n.ReplPort, n.Dir
	args := append([]string{"--port", strconv.Itoa(port)}, baseArgs(dir, replPort)...)
	n.held.release()
	n.held = nil
	s := launch(n.t, port, append(args, n.extra...)...)
	s.ReplPort, s.Dir = replPort, dir
	n.Server = s
	n.requireOwnProcess()
}

// portHolder keeps ports of a stopped server bound. A connection to them
// is accepted and closed at once, so peers see the server gone.
type portHolder struct {
	lns []net.Listener
	wg  sync.WaitGroup // one accept loop per listener
}

func holdPorts(t *testing.T, ports ...int) *portHolder {
	t.Helper()
	h := &portHolder{}
	for _, port := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		require.NoError(t, err, "holding port %d of a killed server", port)
		h.lns = append(h.lns, ln)
		h.wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return // closed by release
				}
				_ = c.Close()
			}
		})
	}
	t.Cleanup(h.release)
	return h
}

// release frees the ports; it may be called more than once.
func (h *portHolder) release() {
	for _, ln := range h.lns {
		_ = ln.Close()
	}
	h.wg.Wait()
}

// info returns one INFO section as a map of its fields.
func (n *node) info(ctx context.Context, section string) (map[string]string, error) {
	text, err := n.rdb.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("INFO %s: line %q has no colon", section, line)
		}
		out[k] = v
	}
	return out, nil
}

// requireInfo is info that fails the test on error.
func (n *node) requireInfo(section string) map[string]string {
	n.t.Helper()
	m, err := n.info(context.Background(), section)
	require.NoError(n.t, err, "INFO %s on %s", section, n.Addr())
	return m
}

// waitInfo waits until INFO section on n has field equal to want.
func (n *node) waitInfo(section, field, want string) {
	n.t.Helper()
	require.EventuallyWithT(n.t, func(c *assert.CollectT) {
		m, err := n.info(context.Background(), section)
		if assert.NoError(c, err) {
			assert.Equal(c, want, m[field], "INFO %s field %s on %s", section, field, n.Addr())
		}
	}, convergeTimeout, pollInterval)
}

// replState is what a converged secondary and its primary agree on.
type replState struct {
	Offset string // master_repl_offset
	Digest string // DEBUG DIGEST
}

// state reads the node's offset and digest. It fails when the offset moved
// while the digest was read, so a state never mixes two points in time.
func (n *node) state(ctx context.Context) (replState, error) {
	offset := func() (string, error) {
		m, err := n.info(ctx, "replication")
		if err != nil {
			return "", err
		}
		o, ok := m["master_repl_offset"]
		if !ok {
			return "", errors.New("INFO replication has no master_repl_offset")
		}
		return o, nil
	}
	before, err := offset()
	if err != nil {
		return replState{}, err
	}
	digest, err := n.rdb.Do(ctx, "DEBUG", "DIGEST").Text()
	if err != nil {
		return replState{}, err
	}
	after, err := offset()
	if err != nil {
		return replState{}, err
	}
	if before != after {
		return replState{}, fmt.Errorf("offset moved from %s to %s while reading the digest", before, after)
	}
	return replState{Offset: after, Digest: digest}, nil
}

// requireConverged waits until every secondary has the primary's dataset
// digest and master_repl_offset, and returns that state.
func requireConverged(t *testing.T, primary *node, secondaries ...*node) replState {
	t.Helper()
	ctx := context.Background()
	var last replState
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		want, err := primary.state(ctx)
		if !assert.NoError(c, err, "primary %s", primary.Addr()) {
			return
		}
		for _, s := range secondaries {
			got, err := s.state(ctx)
			if assert.NoError(c, err, "secondary %s", s.Addr()) {
				assert.Equal(c, want, got, "secondary %s against primary %s", s.Addr(), primary.Addr())
			}
		}
		last = want
	}, convergeTimeout, pollInterval)
	return last
}

// fields parses INFO values of the form a=1,b=2.
func fields(v string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(kv, "=")
		out[k] = val
	}
	return out
}

// atoi parses a decimal integer that an assertion has already shown to be
// one, failing the test otherwise.
func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "%q is not an integer", s)
	return n
}

// tcpProxy forwards TCP connections from its own port to a target. While
// cut, it closes every forwarded connection and accepts new ones only to
// close them, so the peer sees its link fail and its reconnections fail.
type tcpProxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup // the accept loop and every copy goroutine

	mu     sync.Mutex // guards conns, cut and closed
	conns  map[net.Conn]struct{}
	cut    bool
	closed bool
}

// startProxy starts a proxy to target, closed when t ends.
func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.acceptLoop)
	t.Cleanup(p.close)
	return p
}

// Port is the proxy's own port.
func (p *tcpProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *tcpProxy) acceptLoop() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return // closed by close
		}
		var out net.Conn
		p.mu.Lock()
		cut := p.cut || p.closed
		p.mu.Unlock()
		if !cut {
			out, err = net.DialTimeout("tcp", p.target, 5*time.Second)
		}
		p.mu.Lock()
		if cut || err != nil || p.cut || p.closed {
			p.mu.Unlock()
			_ = in.Close()
			if out != nil {
				_ = out.Close()
			}
			continue
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() { p.pipe(out, in) })
		p.wg.Go(func() { p.pipe(in, out) })
	}
}

// pipe copies src to dst until either side fails, then closes both, which
// ends the goroutine copying the other way.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	p.mu.Lock()
	delete(p.conns, src)
	delete(p.conns, dst)
	p.mu.Unlock()
	_ = src.Close()
	_ = dst.Close()
}

// setCut cuts the link (closing every forwarded connection) or restores it.
func (p *tcpProxy) setCut(cut bool) {
	p.mu.Lock()
	p.cut = cut
	var doomed []net.Conn
	if cut {
		for c := range p.conns {
			doomed = append(doomed, c)
		}
	}
	p.mu.Unlock()
	for _, c := range doomed {
		_ = c.Close()
	}
}

// close stops the proxy and waits for its goroutines.
func (p *tcpProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.setCut(true)
	p.wg.Wait()
}

// runWorkload runs one n times on rdb, each time in a pipeline of its
// own, or one time in ten as 1 to 5 operations in a MULTI/EXEC; the
// replies are not looked at (the workloads make errors on purpose).
func runWorkload(ctx context.Context, rdb *redis.Client, rng *rand.Rand, n int, one func(redis.Cmdable)) {
	for range n {
		if rng.IntN(10) == 0 {
			_, _ = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for range 1 + rng.IntN(5) {
					one(p)
				}
				return nil
			})
			continue
		}
		p := rdb.Pipeline()
		one(p)
		_, _ = p.Exec(ctx)
	}
}
