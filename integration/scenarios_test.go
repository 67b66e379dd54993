package integration

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startFollower starts a secondary of p the way a user would on the same
// machine: its own --port and --dir and the primary's NADB endpoint,
// nothing else (no --repl-listen-port: a node that follows a primary opens
// no NADB listener until it is promoted, so secondaries do not clash on
// the default port).
func startFollower(t *testing.T, p *node, extra ...string) *node {
	t.Helper()
	return startUserNode(t, append([]string{"--primary-host", "127.0.0.1", "--primary-port", strconv.Itoa(p.ReplPort)}, extra...))
}

// startReplicaOf is startFollower with --replicaof and the primary's Redis
// port, as a Redis user writes it.
func startReplicaOf(t *testing.T, p *node) *node {
	t.Helper()
	return startUserNode(t, []string{"--replicaof", "127.0.0.1 " + strconv.Itoa(p.Port)})
}

// startUserNode starts a node with its own --port and --dir and args.
func startUserNode(t *testing.T, args []string) *node {
	t.Helper()
	port := freePorts(t, 1)[0]
	args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(), "--appendonly", "no",
		"--enable-debug-command", "local"}, args...) // DEBUG DIGEST
	n := &node{Server: launch(t, port, args...), t: t}
	n.rdb = redis.NewClient(&redis.Options{Addr: n.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = n.rdb.Close() })
	n.requireOwnProcess()
	return n
}

// TestNADBScenariosOnOneMachine runs the NADB examples' four scenarios
// (normal operation, late join, network interruption, multiple replicas)
// with several nodes on one machine and only the options a user sets.
func TestNADBScenariosOnOneMachine(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--appendonly", "yes")

	// Multiple replicas: secondaries that differ only in --port and --dir
	// run side by side, whether they name the primary's NADB endpoint or
	// (--replicaof) its Redis one.
	s1 := startFollower(t, p)
	s2 := startFollower(t, p)
	s4 := startReplicaOf(t, p)
	for _, s := range []*node{s1, s2, s4} {
		require.Equal(t, "closed", s.requireInfo("replication")["nadb_listener_status"])
	}

	// Normal operation.
	writeKeys(t, p.rdb, "normal", 1000)
	requireConverged(t, p, s1, s2, s4)
	require.Equal(t, int64(1000), s4.rdb.DBSize(context.Background()).Val())

	// Late join.
	writeKeys(t, p.rdb, "before-join", 2000)
	s3 := startFollower(t, p)
	requireConverged(t, p, s1, s2, s3, s4)
	require.Equal(t, int64(3000), s3.rdb.DBSize(context.Background()).Val())

	// Network interruption: the primary goes away and comes back on the
	// same ports and directory; the secondaries reconnect and resume.
	p.kill()
	for _, s := range []*node{s1, s2, s3, s4} {
		s.waitInfo("replication", "master_link_status", "down")
	}
	p.restart()
	writeKeys(t, p.rdb, "after-interruption", 500)
	requireConverged(t, p, s1, s2, s3, s4)
	require.Equal(t, int64(3500), s1.rdb.DBSize(context.Background()).Val())
}

// TestListenerOpensAtPromotion: a secondary opens its NADB listener when
// promoted. When the port is taken, the node still becomes a primary and
// says so in INFO; the next REPLICAOF NO ONE opens it, and a secondary can
// then follow the new primary.
func TestListenerOpensAtPromotion(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	holder, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Close() })
	taken := holder.Addr().(*net.TCPAddr).Port
	s := startFollower(t, p, "--repl-listen-port", strconv.Itoa(taken))
	writeKeys(t, p.rdb, "k", 100)
	requireConverged(t, p, s)

	ctx := context.Background()
	require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	info := s.requireInfo("replication")
	require.Equal(t, "master", info["role"], "a listener that cannot open does not undo the promotion")
	require.Equal(t, "error", info["nadb_listener_status"])
	require.Contains(t, info["nadb_listener_error"], "address already in use")
	require.Eventually(t, func() bool { return strings.Contains(s.Output(), "the NADB listener cannot open") },
		convergeTimeout, pollInterval, "the log says why")
	require.NoError(t, s.rdb.Set(ctx, "written-after-promotion", "1", 0).Err())

	require.NoError(t, holder.Close())
	// Retried: between the holder's close and the bind, another test's
	// outgoing connection may take the port as its ephemeral source port
	// for a moment.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.NoError(c, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		m, err := s.info(ctx, "replication")
		if assert.NoError(c, err) {
			assert.Equal(c, "listening", m["nadb_listener_status"])
		}
	}, convergeTimeout, pollInterval)
	s.ReplPort = taken
	follower := startFollower(t, s)
	requireConverged(t, s, follower)
}

// TestReplListenPortZero: repl-listen-port 0 means no NADB listener, as
// port 0 does for redis-server.
func TestReplListenPortZero(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	port := freePorts(t, 1)[0]
	s := launch(t, port, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(), "--appendonly", "no", "--repl-listen-port", "0")
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	info, err := rdb.Info(context.Background(), "replication").Result()
	require.NoError(t, err)
	require.Contains(t, info, "nadb_listener_status:disabled")
	require.Equal(t, map[string]string{"repl-listen-port": "0"}, rdb.ConfigGet(context.Background(), "repl-listen-port").Val())
	require.Equal(t, map[string]string{"repl-listen-host": "127.0.0.1"}, rdb.ConfigGet(context.Background(), "repl-listen-host").Val(),
		"an empty repl-listen-host reports the first bind address it stands for")
}

// TestPrimaryNeedsItsNADBListener: a node started as a primary refuses to
// start when its NADB port cannot be bound (an explicitly configured
// resource), naming the option; a secondary given the same port starts,
// since it opens the listener only when promoted.
func TestPrimaryNeedsItsNADBListener(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	holder, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = holder.Close() })
	taken := strconv.Itoa(holder.Addr().(*net.TCPAddr).Port)

	port := freePorts(t, 1)[0]
	code, out := runUntilExit(t, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(),
		"--appendonly", "no", "--repl-listen-port", taken)
	require.NotEqual(t, 0, code)
	require.Contains(t, out, "option 'repl-listen-host'/'repl-listen-port'")
	require.Contains(t, out, "127.0.0.1:"+taken+": bind: address already in use")

	p := startNode(t)
	s := startFollower(t, p, "--repl-listen-port", taken)
	require.Equal(t, "closed", s.requireInfo("replication")["nadb_listener_status"])
	writeKeys(t, p.rdb, "k", 10)
	requireConverged(t, p, s)
}
