package integration

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const errReadOnlyReplica = "READONLY You can't write against a read only replica."

// slaveLine is a slaveN value of INFO replication on a primary.
var slaveLine = regexp.MustCompile(`^ip=127\.0\.0\.1,port=(\d+),state=online,offset=(\d+),lag=(\d+)$`)

// writeKeys sets prefix:0 .. prefix:n-1 to their index, pipelined.
func writeKeys(t *testing.T, rdb *redis.Client, prefix string, n int) {
	t.Helper()
	writeKeysBy(t, rdb, prefix, n, 500)
}

// writeKeysBy is writeKeys in pipelines of per commands: the server logs
// a pipeline's writes together, in one batch of operations on disk.
func writeKeysBy(t *testing.T, rdb *redis.Client, prefix string, n, per int) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += per {
		pipe := rdb.Pipeline()
		for i := start; i < min(start+per, n); i++ {
			pipe.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), i, 0)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(t, err)
	}
}

// TestReplicationNormalOperation replicates a mix of writes over several
// databases and checks what INFO and ROLE say on both sides.
func TestReplicationNormalOperation(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	s := startSecondary(t, p)

	runSteps(t, p.Conn(t), []step{
		{cmd: []any{"SET", "str", "hello"}, want: "OK"},
		{cmd: []any{"APPEND", "str", " world"}, want: 11},
		{cmd: []any{"INCR", "counter"}, want: 1},
		{cmd: []any{"INCR", "counter"}, want: 2},
		{cmd: []any{"MSET", "m:1", "one", "m:2", "two", "m:3", "three"}, want: "OK"},
		{cmd: []any{"DEL", "m:3", "no-such-key"}, want: 1},
		{cmd: []any{"EXPIRE", "m:1", 1000}, want: 1},
		{cmd: []any{"RENAME", "m:2", "renamed"}, want: "OK"},
		{cmd: []any{"SET", "mover", "moved"}, want: "OK"},
		{cmd: []any{"MOVE", "mover", 1}, want: 1},
		{cmd: []any{"SELECT", 2}, want: "OK"},
		{cmd: []any{"SET", "gone:1", "x"}, want: "OK"},
		{cmd: []any{"MSET", "gone:2", "y", "gone:3", "z"}, want: "OK"},
		{cmd: []any{"FLUSHDB"}, want: "OK"},
		{cmd: []any{"SET", "kept", "here"}, want: "OK"},
		{cmd: []any{"SELECT", 1}, want: "OK"},
		{cmd: []any{"INCR", "db1:counter"}, want: 1},
	})
	st := requireConverged(t, p, s)

	runSteps(t, s.Conn(t), []step{
		{cmd: []any{"GET", "str"}, want: "hello world"},
		{cmd: []any{"GET", "counter"}, want: "2"},
		{cmd: []any{"GET", "m:1"}, want: "one"},
		{cmd: []any{"TTL", "m:1"}, want: between(900, 1000)},
		{cmd: []any{"EXISTS", "m:2", "m:3", "mover"}, want: 0},
		{cmd: []any{"GET", "renamed"}, want: "two"},
		{cmd: []any{"SELECT", 1}, want: "OK"},
		{cmd: []any{"GET", "mover"}, want: "moved"},
		{cmd: []any{"GET", "db1:counter"}, want: "1"},
		{cmd: []any{"SELECT", 2}, want: "OK"},
		{cmd: []any{"DBSIZE"}, want: 1},
		{cmd: []any{"GET", "kept"}, want: "here"},
	})

	t.Run("INFO on the primary", func(t *testing.T) {
		// slave0's offset is the acknowledged one; ACKs follow each applied
		// batch, so it catches up shortly after convergence.
		var pi map[string]string
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			m, err := p.info(context.Background(), "replication")
			if !assert.NoError(c, err) {
				return
			}
			line := slaveLine.FindStringSubmatch(m["slave0"])
			if assert.NotNil(c, line, "slave0:%s", m["slave0"]) {
				assert.Equal(c, strconv.Itoa(s.Port), line[1], "slave0 port")
				assert.Equal(c, st.Offset, line[2], "slave0 offset")
			}
			pi = m
		}, convergeTimeout, pollInterval)
		require.Regexp(t, slaveLine, pi["slave0"])
		require.Equal(t, "master", pi["role"])
		require.Equal(t, "1", pi["connected_slaves"])
		require.NotContains(t, pi, "slave1")
		require.Regexp(t, hex40, pi["master_replid"])
		require.Equal(t, st.Offset, pi["master_repl_offset"])
		require.Equal(t, st.Offset, pi["nadb_sequence"])

		r := fields(pi["nadb_replica0"])
		require.Regexp(t, `^\d+$`, r["id"])
		require.Positive(t, atoi(t, r["ops_sent"]))
		require.Positive(t, atoi(t, r["bytes_sent"]))
		require.Equal(t, st.Offset, r["acked_seq"])
		require.Equal(t, "0", r["lag_ops"])
		require.Regexp(t, `^\d+$`, r["lag_ms"])
		require.Equal(t, "0", r["legacy"])
	})

	t.Run("INFO on the secondary", func(t *testing.T) {
		si := s.requireInfo("replication")
		pi := p.requireInfo("replication")
		for field, want := range map[string]string{
			"role":                       "slave",
			"master_host":                "127.0.0.1",
			"master_port":                strconv.Itoa(p.Port),
			"master_link_status":         "up",
			"master_sync_in_progress":    "0",
			"slave_repl_offset":          st.Offset,
			"slave_priority":             "100",
			"slave_read_only":            "1",
			"master_replid":              pi["master_replid"],
			"master_repl_offset":         st.Offset,
			"nadb_full_syncs":            "1",
			"nadb_partial_syncs":         "0",
			"nadb_resyncs":               "0",
			"nadb_protocol_errors":       "0",
			"nadb_reconnections":         "0",
			"nadb_last_applied_sequence": st.Offset,
		} {
			require.Equal(t, want, si[field], "field %s", field)
		}
		require.Regexp(t, `^\d+$`, si["master_last_io_seconds_ago"])
		require.NotContains(t, si, "master_link_down_since_seconds")
		// Converged, nothing is in flight: every operation taken in was
		// applied. Frames count the handshake and the full resync too,
		// and a batch of operations as one.
		require.Positive(t, atoi(t, si["nadb_operations_applied"]))
		require.Equal(t, si["nadb_operations_applied"], si["nadb_operations_received"])
		require.Greater(t, atoi(t, si["nadb_frames_received"]), int64(2))
	})

	t.Run("ROLE", func(t *testing.T) {
		ctx := context.Background()
		offset := atoi(t, st.Offset)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			got, err := p.rdb.Do(ctx, "ROLE").Result()
			if assert.NoError(c, err) {
				assert.Equal(c, []any{"master", offset, []any{[]any{"127.0.0.1", strconv.Itoa(s.Port), st.Offset}}}, got)
			}
		}, convergeTimeout, pollInterval)
		got, err := s.rdb.Do(ctx, "ROLE").Result()
		require.NoError(t, err)
		require.Equal(t, []any{"slave", "127.0.0.1", int64(p.Port), "connected", offset}, got)
	})
}

// TestReplicationLateJoin starts a secondary after the primary's operation
// log has dropped the start of its history, which forces a full resync.
func TestReplicationLateJoin(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--max-operation-log", "100")
	writeKeys(t, p.rdb, "early", 5000)
	pi := p.requireInfo("replication")
	require.Equal(t, "5000", pi["master_repl_offset"])
	require.Less(t, atoi(t, pi["repl_backlog_histlen"]), int64(5000), "the log no longer holds sequence 1")

	s := startSecondary(t, p)
	requireConverged(t, p, s)
	require.Equal(t, int64(5000), s.rdb.DBSize(context.Background()).Val())
	// The count moves just after the loaded data becomes visible.
	s.waitInfo("replication", "nadb_full_syncs", "1")
	require.Equal(t, "0", s.requireInfo("replication")["nadb_partial_syncs"])
	require.GreaterOrEqual(t, atoi(t, p.requireInfo("stats")["sync_full"]), int64(1))
}

// TestReplicationSecondaryKilled kills a secondary, writes while it is gone
// and restarts it on the same ports.
func TestReplicationSecondaryKilled(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	s := startSecondary(t, p)
	writeKeys(t, p.rdb, "before", 100)
	requireConverged(t, p, s)

	s.kill()
	writeKeys(t, p.rdb, "while-down", 1000)
	p.waitInfo("replication", "connected_slaves", "0")
	s.restart()
	requireConverged(t, p, s)
	require.Equal(t, int64(1100), s.rdb.DBSize(context.Background()).Val())
	p.waitInfo("replication", "connected_slaves", "1")
}

// TestReplicationUnderLoad writes from several clients and redis-benchmark
// while three secondaries follow; the third joins during the load, so its
// full resync races the writes.
func TestReplicationUnderLoad(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	bench := requireTool(t, "redis-benchmark")
	p := startNode(t)
	s1, s2 := startSecondary(t, p), startSecondary(t, p)

	const writers = 4
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Second)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	defer wg.Wait() // also when the test fails early
	for w := range writers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				if err := loadOnce(ctx, p.rdb, w, i); err != nil {
					errs <- fmt.Errorf("writer %d, round %d: %w", w, i, err)
					return
				}
			}
		})
	}
	s3 := startSecondary(t, p)
	out, errOut, code := runCmd(t, 2*time.Minute, "", bench, "-p", strconv.Itoa(p.Port),
		"-t", "set,incr,mset", "-n", "5000", "-r", "5000", "-P", "8", "-q")
	require.Zero(t, code, "redis-benchmark stdout:\n%s\nstderr:\n%s", out, errOut)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	st := requireConverged(t, p, s1, s2, s3)
	t.Logf("converged at sequence %s", st.Offset)
	for _, s := range []*node{s1, s2, s3} {
		si := s.requireInfo("replication")
		require.Equal(t, "0", si["nadb_protocol_errors"], "secondary %s", s.Addr())
		require.Equal(t, "up", si["master_link_status"], "secondary %s", s.Addr())
	}
	require.Equal(t, "3", p.requireInfo("replication")["connected_slaves"])
}

// loadOnce sends one pipelined round of mixed writes for writer w.
func loadOnce(ctx context.Context, rdb *redis.Client, w, i int) error {
	k := fmt.Sprintf("load:%d:%d", w, i%200)
	pipe := rdb.Pipeline()
	pipe.Set(ctx, k, i, 0)
	pipe.Incr(ctx, fmt.Sprintf("load:%d:counter", w))
	pipe.MSet(ctx, k+":a", i, k+":b", -i)
	pipe.Append(ctx, k+":log", "x")
	if i%7 == 0 {
		pipe.Del(ctx, k+":a")
	}
	if i%11 == 0 {
		pipe.Expire(ctx, k, time.Hour)
	}
	if i%5 == 0 {
		pipe.Set(ctx, k+":short", i, 50*time.Millisecond) // expires on the primary
	}
	_, err := pipe.Exec(ctx)
	return err
}

// TestReplicationPartialResync cuts a secondary's link through a proxy
// and checks it resumes where it was, without a snapshot.
func TestReplicationPartialResync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	// Writes before any secondary: the primary keeps no backlog yet, as
	// Redis has none before its first replica.
	writeKeys(t, p.rdb, "early", 30)
	require.Equal(t, "0", p.requireInfo("replication")["repl_backlog_active"])
	proxy := startProxy(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ReplPort)))
	s := startNode(t, followArgs(proxy.Port())...)
	writeKeys(t, p.rdb, "before", 50)
	requireConverged(t, p, s)
	require.Equal(t, "1", p.requireInfo("replication")["repl_backlog_active"])
	statsBefore := p.requireInfo("stats")
	infoBefore := s.requireInfo("replication")
	require.Equal(t, "1", infoBefore["nadb_full_syncs"])
	require.Equal(t, "0", infoBefore["nadb_partial_syncs"])

	proxy.setCut(true)
	s.waitInfo("replication", "master_link_status", "down")
	p.waitInfo("replication", "connected_slaves", "0")
	writeKeys(t, p.rdb, "during-cut", 20)
	proxy.setCut(false)

	requireConverged(t, p, s)
	s.waitInfo("replication", "master_link_status", "up")
	statsAfter := p.requireInfo("stats")
	infoAfter := s.requireInfo("replication")
	require.Greater(t, atoi(t, infoAfter["nadb_partial_syncs"]), atoi(t, infoBefore["nadb_partial_syncs"]))
	require.Equal(t, infoBefore["nadb_full_syncs"], infoAfter["nadb_full_syncs"])
	require.Equal(t, infoBefore["master_replid"], infoAfter["master_replid"])
	require.Equal(t, "0", infoAfter["nadb_protocol_errors"])
	require.Greater(t, atoi(t, statsAfter["sync_partial_ok"]), atoi(t, statsBefore["sync_partial_ok"]))
	require.Equal(t, statsBefore["sync_full"], statsAfter["sync_full"])
	require.Equal(t, statsBefore["sync_partial_err"], statsAfter["sync_partial_err"])
	require.Equal(t, int64(100), s.rdb.DBSize(context.Background()).Val())
}

// TestReplicationExpiry checks that expiries travel as absolute times, that
// the primary's expiry reaches the secondary as a delete, and that
// EXPIREAT in the past and PERSIST replicate.
func TestReplicationExpiry(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s := startSecondary(t, p)

	t.Run("TTL travels", func(t *testing.T) {
		require.NoError(t, p.rdb.Set(ctx, "ttl:long", "v", time.Minute).Err())
		requireConverged(t, p, s)
		want, err := p.rdb.Do(ctx, "PEXPIRETIME", "ttl:long").Int64()
		require.NoError(t, err)
		got, err := s.rdb.Do(ctx, "PEXPIRETIME", "ttl:long").Int64()
		require.NoError(t, err)
		require.Equal(t, want, got, "the secondary keeps the primary's absolute expiry")
		ttl, err := s.rdb.PTTL(ctx, "ttl:long").Result()
		require.NoError(t, err)
		require.True(t, 0 < ttl && ttl <= time.Minute, "PTTL on the secondary: %v", ttl)
	})

	t.Run("expiry replicates a delete", func(t *testing.T) {
		before := atoi(t, requireConverged(t, p, s).Offset)
		require.NoError(t, p.rdb.Do(ctx, "SET", "ttl:short", "v", "PX", 300).Err())
		// The primary's active expiry deletes the key and logs a DELETE:
		// two operations in all. Nothing here reads the key on the primary,
		// which would expire it lazily instead.
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			pi, err := p.info(ctx, "replication")
			if assert.NoError(c, err) {
				assert.Equal(c, strconv.FormatInt(before+2, 10), pi["master_repl_offset"])
			}
		}, convergeTimeout, pollInterval)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			_, err := s.rdb.Get(ctx, "ttl:short").Result()
			assert.ErrorIs(c, err, redis.Nil, "GET ttl:short on the secondary")
		}, convergeTimeout, pollInterval)
		requireConverged(t, p, s)
		require.Equal(t, int64(0), p.rdb.Exists(ctx, "ttl:short").Val())
		require.Equal(t, int64(1), s.rdb.DBSize(ctx).Val(), "the secondary applied the DELETE")
		require.Equal(t, int64(1), p.rdb.DBSize(ctx).Val())
	})

	t.Run("EXPIREAT in the past", func(t *testing.T) {
		require.NoError(t, p.rdb.Set(ctx, "ttl:past", "v", 0).Err())
		requireConverged(t, p, s)
		require.Equal(t, "v", s.rdb.Get(ctx, "ttl:past").Val())
		n, err := p.rdb.Do(ctx, "EXPIREAT", "ttl:past", time.Now().Add(-100*time.Second).Unix()).Int64()
		require.NoError(t, err)
		require.Equal(t, int64(1), n)
		require.Equal(t, int64(0), p.rdb.Exists(ctx, "ttl:past").Val())
		requireConverged(t, p, s)
		require.Equal(t, int64(0), s.rdb.Exists(ctx, "ttl:past").Val())
	})

	t.Run("PERSIST", func(t *testing.T) {
		require.NoError(t, p.rdb.Set(ctx, "ttl:persist", "v", 100*time.Second).Err())
		requireConverged(t, p, s)
		ttl, err := s.rdb.TTL(ctx, "ttl:persist").Result()
		require.NoError(t, err)
		require.True(t, 0 < ttl && ttl <= 100*time.Second, "TTL on the secondary: %v", ttl)
		require.True(t, p.rdb.Persist(ctx, "ttl:persist").Val())
		requireConverged(t, p, s)
		n, err := s.rdb.Do(ctx, "TTL", "ttl:persist").Int64()
		require.NoError(t, err)
		require.Equal(t, int64(-1), n)
	})
}

// TestReplicationPrimaryRestarted restarts the primary without persistence:
// its new history must replace the old one on the secondary, even though
// both histories reach the same sequence numbers.
func TestReplicationPrimaryRestarted(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s := startSecondary(t, p)
	writeKeys(t, p.rdb, "old", 20)
	requireConverged(t, p, s)
	oldID := p.requireInfo("replication")["master_replid"]
	fullBefore := atoi(t, s.requireInfo("replication")["nadb_full_syncs"])

	p.restart()
	newID := p.requireInfo("replication")["master_replid"]
	require.NotEqual(t, oldID, newID)
	writeKeys(t, p.rdb, "new", 20)
	requireConverged(t, p, s)

	require.Equal(t, int64(0), s.rdb.Exists(ctx, "old:0", "old:19").Val())
	require.Equal(t, "19", s.rdb.Get(ctx, "new:19").Val())
	require.Equal(t, int64(20), s.rdb.DBSize(ctx).Val())
	si := s.requireInfo("replication")
	require.Equal(t, newID, si["master_replid"])
	require.Greater(t, atoi(t, si["nadb_full_syncs"]), fullBefore)
	require.Equal(t, "20", si["master_repl_offset"])
}

// TestReplicationReplicaOf drives the role with REPLICAOF and SLAVEOF at run
// time.
func TestReplicationReplicaOf(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	writeKeys(t, p.rdb, "src", 10)
	n := startNode(t)
	require.NoError(t, n.rdb.Set(ctx, "local", "dropped when following", 0).Err())
	primaryPort := strconv.Itoa(p.Port)

	require.Equal(t, "OK", n.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", primaryPort).Val())
	st := requireConverged(t, p, n)
	require.Equal(t, int64(0), n.rdb.Exists(ctx, "local").Val())
	ni := n.requireInfo("replication")
	require.Equal(t, "slave", ni["role"])
	require.Equal(t, "127.0.0.1", ni["master_host"])
	require.Equal(t, primaryPort, ni["master_port"])
	n.waitInfo("replication", "master_link_status", "up")
	requireRedisErr(t, n.rdb.Set(ctx, "k", "v", 0).Err(), errReadOnlyReplica)

	again, err := n.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", primaryPort).Result()
	require.NoError(t, err)
	require.Equal(t, "OK Already connected to specified master", again)

	primaryID := p.requireInfo("replication")["master_replid"]
	require.Equal(t, "OK", n.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Val())
	ni = n.requireInfo("replication")
	require.Equal(t, "master", ni["role"])
	require.Regexp(t, hex40, ni["master_replid"])
	require.NotEqual(t, primaryID, ni["master_replid"])
	require.Equal(t, st.Offset, ni["master_repl_offset"], "a promoted node continues its sequence")
	require.NoError(t, n.rdb.Set(ctx, "promoted", "writable", 0).Err())
	require.Equal(t, strconv.FormatInt(atoi(t, st.Offset)+1, 10), n.requireInfo("replication")["master_repl_offset"])
	role, err := n.rdb.Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	require.Equal(t, "master", role[0])
	p.waitInfo("replication", "connected_slaves", "0")

	require.Equal(t, "OK", n.rdb.Do(ctx, "SLAVEOF", "127.0.0.1", primaryPort).Val())
	require.NoError(t, p.rdb.Set(ctx, "after-slaveof", "x", 0).Err())
	requireConverged(t, p, n)
	require.Equal(t, int64(0), n.rdb.Exists(ctx, "promoted").Val())
	require.Equal(t, "x", n.rdb.Get(ctx, "after-slaveof").Val())
	require.Equal(t, "slave", n.requireInfo("replication")["role"])

	require.Equal(t, "OK", n.rdb.Do(ctx, "SLAVEOF", "NO", "ONE").Val())
	require.Equal(t, "master", n.requireInfo("replication")["role"])
	require.NoError(t, n.rdb.Set(ctx, "writable-again", "y", 0).Err())
}

// TestReplicationReadOnly checks that a secondary refuses writes with
// Redis's error and keeps serving reads while its primary is down.
func TestReplicationReadOnly(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s := startSecondary(t, p)
	require.NoError(t, p.rdb.Set(ctx, "ro:key", "v", 0).Err())
	st := requireConverged(t, p, s)

	writes := [][]any{
		{"SET", "ro:key", "x"},
		{"DEL", "ro:key"},
		{"INCR", "ro:counter"},
		{"FLUSHALL"},
		{"EXPIRE", "ro:key", 10},
	}
	refuseWrites := func(t *testing.T) {
		for _, cmd := range writes {
			requireRedisErr(t, s.rdb.Do(ctx, cmd...).Err(), errReadOnlyReplica)
		}
	}
	refuseWrites(t)
	runSteps(t, s.rdb, []step{
		{cmd: []any{"GET", "ro:key"}, want: "v"},
		{cmd: []any{"EXISTS", "ro:key", "ro:counter"}, want: 1},
		{cmd: []any{"TTL", "ro:key"}, want: -1},
		{cmd: []any{"DBSIZE"}, want: 1},
	})
	require.Equal(t, st, requireConverged(t, p, s), "a refused write changed something")

	p.kill()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		si, err := s.info(ctx, "replication")
		if assert.NoError(c, err) {
			assert.Equal(c, "down", si["master_link_status"])
			assert.Regexp(c, `^\d+$`, si["master_link_down_since_seconds"])
		}
	}, convergeTimeout, pollInterval)
	require.Equal(t, "v", s.rdb.Get(ctx, "ro:key").Val())
	role, err := s.rdb.Do(ctx, "ROLE").Slice()
	require.NoError(t, err)
	require.Len(t, role, 5)
	require.Equal(t, "slave", role[0])
	require.NotEqual(t, "connected", role[3])
	refuseWrites(t)
}

// TestReplicationWait checks WAIT against one secondary.
func TestReplicationWait(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s := startSecondary(t, p)
	requireConverged(t, p, s)
	c := p.Conn(t)

	require.NoError(t, c.Set(ctx, "wait:k", "v", 0).Err())
	// The timeout only bounds a failure; the ACK normally takes a few ms.
	n, err := c.Do(ctx, "WAIT", 1, 5000).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(1), n)

	require.NoError(t, c.Set(ctx, "wait:k", "v2", 0).Err())
	start := time.Now()
	n, err = c.Do(ctx, "WAIT", 2, 200).Int64()
	elapsed := time.Since(start)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	require.GreaterOrEqual(t, elapsed, 190*time.Millisecond, "WAIT 2 200 with one secondary returned early")

	err = s.rdb.Do(ctx, "WAIT", 1, 100).Err()
	require.Error(t, err)
	require.Regexp(t, `^ERR WAIT cannot be used with replica instances`, err.Error())
}

// TestReplicationBroadcastSync runs a primary with broadcast-async no, whose
// write replies wait until the frame was sent to every secondary.
func TestReplicationBroadcastSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--broadcast-async", "no")
	s := startSecondary(t, p)
	require.Equal(t, map[string]string{"broadcast-async": "no"}, p.rdb.ConfigGet(ctx, "broadcast-async").Val())
	writeKeys(t, p.rdb, "sync", 200)
	require.NoError(t, p.rdb.Incr(ctx, "sync:counter").Err())
	requireConverged(t, p, s)
	require.Equal(t, "1", s.rdb.Get(ctx, "sync:counter").Val())

	// Without secondaries, a write must not wait for anyone.
	s.kill()
	p.waitInfo("replication", "connected_slaves", "0")
	require.NoError(t, p.rdb.Set(ctx, "sync:alone", "v", 0).Err())
}

// TestReplicationEnv starts a secondary configured only through
// PRIMARY_HOST and PRIMARY_PORT. It cannot run in parallel: it sets the
// environment that the servers it starts inherit.
func TestReplicationEnv(t *testing.T) {
	nadbOnly(t)
	p := startNode(t)
	writeKeys(t, p.rdb, "env", 10)
	t.Setenv("PRIMARY_HOST", "127.0.0.1")
	t.Setenv("PRIMARY_PORT", strconv.Itoa(p.ReplPort))
	s := startNode(t)
	requireConverged(t, p, s)
	si := s.requireInfo("replication")
	require.Equal(t, "slave", si["role"])
	require.Equal(t, strconv.Itoa(p.Port), si["master_port"])
	require.Equal(t, "9", s.rdb.Get(context.Background(), "env:9").Val())
}
