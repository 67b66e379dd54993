package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/replication/frame"
)

// startFaultSecondary starts a secondary of p from the server built with
// the test-only fault seam, with NADB_FAULTS set to faults.
func startFaultSecondary(t *testing.T, p *node, faults string, extra ...string) *node {
	t.Helper()
	bin, err := faultBinary()
	require.NoError(t, err)
	extra = append(followArgs(p.ReplPort), extra...)
	n := &node{Server: startServerWith(t, launchOpts{bin: bin, env: []string{"NADB_FAULTS=" + faults}}, extra...), t: t, extra: extra}
	n.rdb = redis.NewClient(&redis.Options{Addr: n.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = n.rdb.Close() })
	n.requireOwnProcess()
	return n
}

// writeLoad writes to rdb (SET, MSET, DEL, EXPIRE in pipelines) until stop
// is closed, then returns.
func writeLoad(t *testing.T, rdb *redis.Client, stop <-chan struct{}) {
	ctx := context.Background()
	for round := 0; ; round++ {
		select {
		case <-stop:
			return
		default:
		}
		pipe := rdb.Pipeline()
		for i := range 100 {
			k := "load:" + strconv.Itoa((round*100+i)%5000)
			switch i % 10 {
			case 0:
				pipe.MSet(ctx, k+":a", round, k+":b", i)
			case 1:
				pipe.Del(ctx, k)
			case 2:
				pipe.Expire(ctx, k, 3600e9)
			default:
				pipe.Set(ctx, k, round, 0)
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			assert.NoError(t, err)
			return
		}
	}
}

// TestCheckpointsUnderLoad: under a write load a secondary's
// nadb_checkpoints_verified keeps growing with no divergence, at rest it
// has verified its primary's last sequence, and the primary reports it.
func TestCheckpointsUnderLoad(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--repl-verify-interval", "20")
	s := startSecondary(t, p)
	s.waitInfo("replication", "master_link_status", "up")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { writeLoad(t, p.rdb, stop) })
	counted := func(c require.TestingT) int64 {
		info, err := s.info(context.Background(), "replication")
		require.NoError(c, err)
		n, err := strconv.ParseInt(info["nadb_checkpoints_verified"], 10, 64)
		require.NoError(c, err)
		return n
	}
	start := counted(t)
	var during []int64
	for range 3 {
		before := counted(t)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Greater(c, counted(c), before)
		}, convergeTimeout, pollInterval)
		during = append(during, counted(t))
	}
	close(stop)
	wg.Wait()
	st := requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		info, err := s.info(context.Background(), "replication")
		if assert.NoError(c, err) {
			assert.Equal(c, st.Offset, info["nadb_verified_seq"], "the last write is verified at rest")
		}
		pinfo, err := p.info(context.Background(), "replication")
		if assert.NoError(c, err) {
			assert.Equal(c, st.Offset, fields(pinfo["nadb_replica0"])["verified_seq"], "the primary sees it")
		}
	}, convergeTimeout, pollInterval)
	info := s.requireInfo("replication")
	require.Equal(t, "0", info["nadb_divergences_detected"])
	require.Equal(t, "0", info["nadb_diverged"])
	t.Logf("checkpoints verified: %d at the start, %v during the load, %s at rest (sequence %s)",
		start, during, info["nadb_checkpoints_verified"], st.Offset)
}

// TestInjectedDivergenceRepaired: a secondary built with the fault seam
// drops one operation of the live stream, as a bug would. The next
// checkpoint finds it, the secondary logs the sequence, counts
// nadb_divergences_detected:1, takes a full resync at once, and ends with
// its primary's exact dataset, verified.
func TestInjectedDivergenceRepaired(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--repl-verify-interval", "20")
	writeKeys(t, p.rdb, "seed", 1000)
	base := atoi(t, p.requireInfo("replication")["master_repl_offset"])
	skip := base + 700
	s := startFaultSecondary(t, p, fmt.Sprintf("skip-apply=%d", skip))
	requireConverged(t, p, s)
	writeKeys(t, p.rdb, "after", 2000)
	requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		info, err := s.info(ctx, "replication")
		if assert.NoError(c, err) {
			assert.Equal(c, "1", info["nadb_divergences_detected"])
			assert.Equal(c, "2", info["nadb_full_syncs"], "the first sync, then the repair")
			assert.Equal(c, "0", info["nadb_diverged"])
			assert.Equal(c, info["master_repl_offset"], info["nadb_verified_seq"])
		}
	}, convergeTimeout, pollInterval)
	s.requireLogged(t, "fault injected: operation dropped as if applied")
	s.requireLogged(t, "replication divergence")
	s.requireLogged(t, "sequence="+strconv.FormatInt(skip, 10))
	for i := range 2000 {
		if i%97 == 0 {
			require.Equal(t, strconv.Itoa(i), s.rdb.Get(ctx, fmt.Sprintf("after:%d", i)).Val())
		}
	}
}

// TestDebugDigest: DEBUG DIGEST is forty hex digits, zeros for an empty
// dataset as in Redis, equal on a secondary and its primary, and changes
// with the data.
func TestDebugDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := startServer(t)
	rdb := n.Client()
	defer rdb.Close()
	empty := rdb.Do(ctx, "DEBUG", "DIGEST").Val()
	require.Equal(t, "0000000000000000000000000000000000000000", empty)
	require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
	d1 := rdb.Do(ctx, "DEBUG", "DIGEST").Val().(string)
	require.Len(t, d1, 40)
	require.NotEqual(t, empty, d1)
	require.NoError(t, rdb.Set(ctx, "k", "w", 0).Err())
	require.NotEqual(t, d1, rdb.Do(ctx, "DEBUG", "DIGEST").Val())
	require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
	require.Equal(t, d1, rdb.Do(ctx, "DEBUG", "DIGEST").Val(), "the same data, the same digest")
	require.NoError(t, rdb.Del(ctx, "k").Err())
	require.Equal(t, empty, rdb.Do(ctx, "DEBUG", "DIGEST").Val())
}

// TestSnapshotDigestMismatchRefusesStart: a snapshot whose frames all
// verify but whose data does not match the digest it recorded (here its
// header is rewritten, with a valid checksum, to record another digest) is
// refused at start, naming the file, rather than loaded or skipped.
func TestSnapshotDigestMismatchRefusesStart(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	n := startAOFNode(t)
	writeKeys(t, n.rdb, "k", 300)
	require.Equal(t, "OK", n.rdb.Save(context.Background()).Val())
	seq := requireSnapshotOnly(t, n.Dir)
	n.stop()
	path := snapshotPath(n.Dir, seq)
	rewriteSnapshotDigest(t, path, "0123456789abcdef0123456789abcdef")

	ports := freePorts(t, 2)
	args := append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(n.Dir, ports[1])...)
	code, out := runUntilExit(t, append(args, aofArgs("always")...)...)
	require.NotEqual(t, 0, code)
	require.Contains(t, out, path)
	require.Contains(t, out, "the snapshot recorded 0123456789abcdef0123456789abcdef")
}

// rewriteSnapshotDigest replaces the dataset digest a snapshot's header
// records, keeping the frame valid.
func rewriteSnapshotDigest(t *testing.T, path, digest string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var op frame.Op
	rd := frame.NewReader(bytes.NewReader(b), 0)
	require.NoError(t, rd.Next(&op))
	require.NotZero(t, op.Has&frame.FieldDatasetDigest, "the header records a digest")
	size := len(rd.AppendLast(nil))
	op.DatasetDigest = []byte(digest)
	var enc frame.Encoder
	hdr, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(hdr, b[size:]...), 0o644))
}
