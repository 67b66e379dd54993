package integration

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startFollower starts a secondary of p the way a user would on the same
// machine: its own --port and --dir and the primary's NADB endpoint,
// nothing else (no --repl-listen-port: a node that follows a primary opens
// no NADB listener until it is promoted, so secondaries do not clash on
// the default port).
func startFollower(t *testing.T, p *node, extra ...string) *node {
	t.Helper()
	port := freePorts(t, 1)[0]
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", t.TempDir(), "--appendonly", "no",
		"--primary-host", "127.0.0.1", "--primary-port", strconv.Itoa(p.ReplPort)}, extra...)
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

	// Multiple replicas: two secondaries that differ only in --port and
	// --dir run side by side.
	s1 := startFollower(t, p)
	s2 := startFollower(t, p)
	for _, s := range []*node{s1, s2} {
		require.Equal(t, "closed", s.requireInfo("replication")["nadb_listener_status"])
	}

	// Normal operation.
	writeKeys(t, p.rdb, "normal", 1000)
	requireConverged(t, p, s1, s2)

	// Late join.
	writeKeys(t, p.rdb, "before-join", 2000)
	s3 := startFollower(t, p)
	requireConverged(t, p, s1, s2, s3)
	require.Equal(t, int64(3000), s3.rdb.DBSize(context.Background()).Val())

	// Network interruption: the primary goes away and comes back on the
	// same ports and directory; the secondaries reconnect and resume.
	p.kill()
	for _, s := range []*node{s1, s2, s3} {
		s.waitInfo("replication", "master_link_status", "down")
	}
	p.restart()
	writeKeys(t, p.rdb, "after-interruption", 500)
	requireConverged(t, p, s1, s2, s3)
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
	require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
	require.Equal(t, "listening", s.requireInfo("replication")["nadb_listener_status"])
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
