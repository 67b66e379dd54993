package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestFailoverCommandRefusals holds for redis-server too: FAILOVER's
// argument errors, and its refusals on a primary without replicas.
func TestFailoverCommandRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FAILOVER", "ABORT"}, "-ERR No failover in progress.\r\n"},
		{[]string{"FAILOVER", "TIMEOUT", "0"}, "-ERR FAILOVER timeout must be greater than 0\r\n"},
		{[]string{"FAILOVER", "TIMEOUT", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"FAILOVER", "TO", "127.0.0.1", "x"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"FAILOVER", "TO", "127.0.0.1"}, "-ERR syntax error\r\n"},
		{[]string{"FAILOVER", "FORCE", "FORCE"}, "-ERR syntax error\r\n"},
		{[]string{"FAILOVER", "ABORT", "TIMEOUT", "10"}, "-ERR syntax error\r\n"},
		{[]string{"FAILOVER"}, "-ERR FAILOVER requires connected replicas.\r\n"},
		{[]string{"FAILOVER", "TO", "127.0.0.1", "1", "FORCE"}, "-ERR FAILOVER requires connected replicas.\r\n"},
	})
}

// TestFailoverRefusalsWithReplica: FAILOVER on a secondary, FORCE without
// a timeout, and a target that is not one of the primary's secondaries are
// refused in Redis's words; a primary left alone shows no failover.
func TestFailoverRefusalsWithReplica(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p, s := startLinkedPair(t)
	port := strconv.Itoa(s.Port)
	requireExactReplies(t, dialRaw(t, p.Addr()), []exactStep{
		{[]string{"FAILOVER", "TO", "127.0.0.1", port, "FORCE"}, "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"},
		{[]string{"FAILOVER", "TIMEOUT", "100", "FORCE"}, "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"},
		{[]string{"FAILOVER", "TO", "127.0.0.1", strconv.Itoa(p.Port)}, "-ERR FAILOVER target HOST and PORT is not a replica.\r\n"},
		{[]string{"FAILOVER", "TO", "localhost", port}, "-ERR FAILOVER target HOST and PORT is not a replica.\r\n"},
	})
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FAILOVER"}, "-ERR FAILOVER is not valid when server is a replica.\r\n"},
	})
	require.Equal(t, "no-failover", p.requireInfo("replication")["master_failover_state"])
}

// TestFailoverLosesNothing: FAILOVER TO a secondary under a live writer.
// The writes are held while the target catches up; the target becomes the
// primary, the old primary and the other secondary follow it (with a
// partial resync each), the held write gets READONLY, and every increment
// the writer saw acknowledged is on the new primary, and no other.
func TestFailoverLosesNothing(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)
	s1.waitInfo("replication", "master_link_status", "up")
	s2.waitInfo("replication", "master_link_status", "up")

	acked, werr := startIncrWriter(t, p, 200)

	admin := p.Server.Client()
	defer admin.Close()
	// The second secondary: TO must pick it, not the first one listed.
	s1, s2 = s2, s1
	require.NoError(t, admin.Do(ctx, "FAILOVER", "TO", "127.0.0.1", strconv.Itoa(s1.Port), "TIMEOUT", "60000").Err())
	requireHeldWriteReadOnly(t, werr)
	s1.waitInfo("replication", "role", "master")
	p.waitInfo("replication", "master_port", strconv.Itoa(s1.Port))
	s2.waitInfo("replication", "master_port", strconv.Itoa(s1.Port))
	p.waitInfo("replication", "master_link_status", "up")
	s2.waitInfo("replication", "master_link_status", "up")
	require.Equal(t, "no-failover", p.requireInfo("replication")["master_failover_state"])

	n, err := s1.rdb.Get(ctx, "n").Int64()
	require.NoError(t, err)
	require.Equal(t, acked.Load(), n, "every acknowledged increment, and no other, is on the new primary")
	stats := s1.requireInfo("stats")
	require.Equal(t, "0", stats["sync_full"], "the old primary and the other secondary continue with a partial resync")
	require.Equal(t, "2", stats["sync_partial_ok"])
	require.NoError(t, s1.rdb.Set(ctx, "after", "1", 0).Err())
	requireConverged(t, s1, p, s2)
}

// TestFailoverAbortAndTimeout: a failover waits while its target lags
// (here: a secondary stopped with SIGSTOP, connected but silent), holding
// writes; FAILOVER ABORT ends it, and TIMEOUT ends one by itself; either
// way the node stays the primary and the held write then runs. Once the
// secondary catches up, FAILOVER without a target picks it.
func TestFailoverAbortAndTimeout(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p, s := startLinkedPair(t)
	s.Signal(syscall.SIGSTOP)
	waitStopped(t, s.Server)
	resumed := false
	defer func() {
		if !resumed {
			s.Signal(syscall.SIGCONT)
		}
	}()
	require.NoError(t, p.rdb.Set(ctx, "k", "1", 0).Err())
	admin := p.Server.Client()
	defer admin.Close()

	heldWrite := func() chan error {
		done := make(chan error, 1)
		go func() { done <- p.rdb.Set(ctx, "k", "2", 0).Err() }()
		waitBlockedClients(t, admin, 1)
		return done
	}
	requireReleased := func(done chan error) {
		select {
		case err := <-done:
			require.NoError(t, err, "the held write runs on the node, still the primary")
		case <-time.After(convergeTimeout):
			t.Fatal("the held write never finished")
		}
	}

	require.NoError(t, admin.Do(ctx, "FAILOVER").Err())
	require.Equal(t, "waiting-for-sync", p.requireInfo("replication")["master_failover_state"])
	requireRedisErr(t, admin.Do(ctx, "FAILOVER").Err(), "ERR FAILOVER already in progress.")
	requireRedisErr(t, admin.Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err(), "ERR REPLICAOF not allowed while failing over.")
	done := heldWrite()
	require.NoError(t, admin.Do(ctx, "FAILOVER", "ABORT").Err())
	requireReleased(done)
	p.waitInfo("replication", "master_failover_state", "no-failover")
	require.Equal(t, "master", p.requireInfo("replication")["role"])

	require.NoError(t, admin.Do(ctx, "FAILOVER", "TO", "127.0.0.1", strconv.Itoa(s.Port), "TIMEOUT", "300").Err())
	done = heldWrite()
	requireReleased(done)
	p.waitInfo("replication", "master_failover_state", "no-failover")
	require.Equal(t, "master", p.requireInfo("replication")["role"])
	p.requireLogged(t, "Replica never caught up before timeout")

	s.Signal(syscall.SIGCONT)
	resumed = true
	require.NoError(t, admin.Do(ctx, "FAILOVER").Err())
	s.waitInfo("replication", "role", "master")
	p.waitInfo("replication", "master_port", strconv.Itoa(s.Port))
	p.waitInfo("replication", "master_link_status", "up")
	require.Equal(t, "2", s.rdb.Get(ctx, "k").Val())
}

// waitStopped waits until the process of s is stopped (state T in
// /proc), so that a SIGSTOPped secondary acknowledges nothing more.
func waitStopped(t *testing.T, s *Server) {
	t.Helper()
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(stat)
		if err != nil {
			return false
		}
		_, rest, ok := strings.Cut(string(b), ") ")
		return ok && strings.HasPrefix(rest, "T")
	}, convergeTimeout, time.Millisecond, "the process did not stop")
}

// TestFailoverInsideMulti: a FAILOVER queued in a transaction starts once
// the transaction's writes after it are applied, so none of them is lost
// (they were acknowledged by EXEC), as in Redis.
func TestFailoverInsideMulti(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p, s := startLinkedPair(t)
	c := p.Server.Conn(t)
	cmds, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Do(ctx, "FAILOVER", "TO", "127.0.0.1", strconv.Itoa(s.Port))
		// Time for the secondary to acknowledge what was written before.
		pipe.Do(ctx, "DEBUG", "SLEEP", "0.05")
		for range 300 {
			pipe.Incr(ctx, "n")
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, int64(300), cmds[len(cmds)-1].(*redis.IntCmd).Val())
	s.waitInfo("replication", "role", "master")
	p.waitInfo("replication", "master_link_status", "up")
	require.Equal(t, "300", s.rdb.Get(ctx, "n").Val())
	requireConverged(t, s, p)
}
