package integration

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncCounts are a primary's INFO stats counters of resynchronisations.
type syncCounts struct{ Full, PartialOK, PartialErr int64 }

func (n *node) syncCounts() syncCounts {
	n.t.Helper()
	m := n.requireInfo("stats")
	return syncCounts{Full: atoi(n.t, m["sync_full"]), PartialOK: atoi(n.t, m["sync_partial_ok"]), PartialErr: atoi(n.t, m["sync_partial_err"])}
}

// requireReplicaLog checks a persisting secondary's data directory: its
// newest segment is written as a replica, of the primary's history.
func requireReplicaLog(t *testing.T, s *node, replID string) {
	t.Helper()
	h := segmentHeader(t, lastSegment(t, s.Dir))
	require.Equal(t, "replica", h.Data.Mode, "the secondary's segment header")
	require.Equal(t, replID, h.Data.ReplID, "the secondary logs the primary's history")
}

// diskLast returns the last sequence the newest log segment of dir holds
// in whole frames.
func diskLast(t *testing.T, dir string) uint64 {
	t.Helper()
	seq, err := loggedSequence(dir)
	require.NoError(t, err)
	return seq
}

// loggedSequence is diskLast for polling functions, which must not fail
// the test themselves: the file may be being appended to, so only whole
// frames count.
func loggedSequence(dir string) (uint64, error) {
	files, err := scanData(dir)
	if err != nil {
		return 0, err
	}
	if len(files.Segments) == 0 {
		return 0, fmt.Errorf("no log segment in %s", dir)
	}
	data, err := os.ReadFile(segmentPath(dir, files.Segments[len(files.Segments)-1]))
	if err != nil {
		return 0, err
	}
	var last []byte
	for off := 0; off+4 <= len(data); {
		end := off + 4 + int(binary.BigEndian.Uint32(data[off:]))
		if end > len(data) {
			break
		}
		last, off = data[off+4:end], end
	}
	if last == nil {
		return 0, fmt.Errorf("the newest segment of %s has no header yet", dir)
	}
	var f frameJSON
	if err := json.Unmarshal(last, &f); err != nil {
		return 0, err
	}
	if f.Type == "OP_BATCH" && f.Data.Count > 0 {
		return f.Sequence + f.Data.Count - 1, nil // its last operation's
	}
	return f.Sequence, nil
}

// waitLogged waits until a secondary's log on disk holds sequence seq. A
// secondary writes its log in the background (see
// TestReplicaPersistAckedWritesLogged): a test that kills it and expects a
// particular position on disk waits for this first.
func waitLogged(t *testing.T, s *node, seq uint64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := loggedSequence(s.Dir)
		if assert.NoError(c, err) {
			assert.GreaterOrEqual(c, got, seq, "sequence in the secondary's log on disk")
		}
	}, convergeTimeout, pollInterval)
}

// startPersistingSecondary starts a secondary of p with appendonly yes
// and appendfsync always.
func startPersistingSecondary(t *testing.T, p *node) *node {
	t.Helper()
	return startSecondary(t, p, aofArgs("always")...)
}

// backgroundWriter writes unique keys to a node until stopped, so that a
// restart happens while the stream is flowing.
type backgroundWriter struct {
	stop   atomic.Bool
	failed atomic.Bool // the writer stopped on an error
	count  atomic.Int64
	wg     sync.WaitGroup
	err    error // the writer's error; read once wg is done
}

func startWriter(t *testing.T, rdb *redis.Client, prefix string) *backgroundWriter {
	t.Helper()
	w := &backgroundWriter{}
	w.wg.Go(func() {
		for i := 0; !w.stop.Load(); i++ {
			if err := rdb.Set(context.Background(), fmt.Sprintf("%s:%d", prefix, i), i, 0).Err(); err != nil {
				w.err = err
				w.failed.Store(true)
				return
			}
			w.count.Add(1)
		}
	})
	t.Cleanup(w.halt)
	return w
}

// waitFor waits until n more writes were acknowledged (or the writer
// stopped).
func (w *backgroundWriter) waitFor(t *testing.T, n int64) {
	t.Helper()
	target := w.count.Load() + n
	require.Eventually(t, func() bool { return w.count.Load() >= target || w.stop.Load() || w.failed.Load() },
		convergeTimeout, time.Millisecond)
	if w.failed.Load() {
		w.wg.Wait()
		require.NoError(t, w.err, "the background writer failed")
	}
}

// halt stops the writer and waits for it.
func (w *backgroundWriter) halt() {
	w.stop.Store(true)
	w.wg.Wait()
}

// TestReplicaPersistRestart restarts a secondary that persists its data
// (kill -9 while the primary writes, and SIGTERM): it reloads its own
// files and resumes with a partial resynchronisation.
func TestReplicaPersistRestart(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, mode := range []string{"kill9 under load", "sigterm"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			p := startAOFNode(t)
			s := startPersistingSecondary(t, p)
			writeKeys(t, p.rdb, "a", 300)
			requireConverged(t, p, s)
			replID := p.requireInfo("replication")["master_replid"]
			requireReplicaLog(t, s, replID)
			waitLogged(t, s, 300)
			before := p.syncCounts()
			require.Equal(t, int64(1), before.Full, "the first sync")

			w := startWriter(t, p.rdb, "load")
			w.waitFor(t, 50)
			if mode == "sigterm" {
				w.halt()
				requireConverged(t, p, s)
				s.stop()
			} else {
				s.kill()
			}
			w.waitFor(t, 50)
			writeKeys(t, p.rdb, "b", 200)
			s.restart()
			w.waitFor(t, 50)
			w.halt()
			require.NoError(t, w.err)

			final := requireConverged(t, p, s)
			after := p.syncCounts()
			require.Equal(t, before.Full, after.Full, "sync_full: the restarted secondary needed no full sync")
			require.Equal(t, before.PartialOK+1, after.PartialOK, "sync_partial_ok")
			require.Equal(t, before.PartialErr, after.PartialErr, "sync_partial_err")
			sRepl := s.requireInfo("replication")
			require.Equal(t, "0", sRepl["nadb_full_syncs"], "secondary full syncs since its restart")
			require.Equal(t, "1", sRepl["nadb_partial_syncs"], "secondary partial syncs since its restart")
			require.Equal(t, replID, sRepl["master_replid"])
			require.Equal(t, 500+w.count.Load(), s.rdb.DBSize(ctx).Val())
			require.Equal(t, final.Offset, sRepl["master_repl_offset"])
			requireReplicaLog(t, s, replID)
		})
	}
}

// TestReplicaPersistAfterFullSync attaches a persisting secondary to a
// primary that already has data: the full sync is written to the
// secondary's disk as a snapshot, so a restart resumes with a partial
// resync. Restarted without a primary, the node keeps the data but starts
// a history of its own.
func TestReplicaPersistAfterFullSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startAOFNode(t)
	writeKeys(t, p.rdb, "a", 500)
	s := startPersistingSecondary(t, p)
	requireConverged(t, p, s)
	replID := p.requireInfo("replication")["master_replid"]
	require.Equal(t, int64(1), p.syncCounts().Full)

	// The full sync leaves a snapshot at its sequence and the segment after
	// it (written once the dataset is loaded; the snapshot comes first).
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		files, err := scanData(s.Dir)
		if assert.NoError(c, err) {
			assert.Equal(c, []uint64{500}, files.Snapshots, "the secondary's snapshot of the full sync")
			assert.Equal(c, []uint64{500}, files.Segments, "the secondary's segment after the full sync")
		}
	}, convergeTimeout, pollInterval)
	snapData, frames := readAOFFrames(t, snapshotPath(s.Dir, 500))
	h := decodeFrame(t, snapData, frames[0])
	require.Equal(t, replID, h.Data.ReplID)
	require.Equal(t, uint64(500), h.Data.Count)
	requireReplicaLog(t, s, replID)

	writeKeys(t, p.rdb, "b", 100)
	requireConverged(t, p, s)
	waitLogged(t, s, 600)
	before := p.syncCounts()
	s.kill()
	writeKeys(t, p.rdb, "c", 100)
	s.restart()
	requireConverged(t, p, s)
	after := p.syncCounts()
	require.Equal(t, before.Full, after.Full, "sync_full")
	require.Equal(t, before.PartialOK+1, after.PartialOK, "sync_partial_ok")
	require.Equal(t, "0", s.requireInfo("replication")["nadb_full_syncs"])
	require.Equal(t, int64(700), s.rdb.DBSize(ctx).Val())
	s.requireLogged(t, "snapshot=true snapshot_sequence=500 operations=100 sequence=600")

	// Without a primary configured, the node starts as a primary: same
	// data, but a new history, since it must not continue the primary's.
	want := s.digest()
	s.stop()
	s.extra = aofArgs("always")
	s.restart()
	sRepl := s.requireInfo("replication")
	require.Equal(t, "master", sRepl["role"])
	require.NotEqual(t, replID, sRepl["master_replid"], "a former secondary's history is not its own")
	require.Equal(t, "700", sRepl["master_repl_offset"])
	require.Equal(t, want, s.digest())
	s.requireLogged(t, "this node was a secondary and starts as a primary: new history")
	require.NoError(t, s.rdb.Set(ctx, "own", "1", 0).Err())
	h = segmentHeader(t, lastSegment(t, s.Dir))
	require.Equal(t, "primary", h.Data.Mode)
	require.Equal(t, sRepl["master_replid"], h.Data.ReplID)
	// And it keeps that history across its own restarts.
	mine := s.digest()
	s.restart()
	require.Equal(t, mine, s.digest())
	require.Equal(t, sRepl["master_replid"], s.requireInfo("replication")["master_replid"])
}

// TestReplicaPersistInfoDuringFullSync reads INFO persistence on a
// persisting secondary while a full sync of about 24 MB is loaded and
// written to its disk, as monitoring does: the secondary must still
// persist the sync (its snapshot, then its log). (INFO persistence used to
// delete the snapshot's temporary file, leaving the secondary's log
// failed until a restart.)
func TestReplicaPersistInfoDuringFullSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startAOFNode(t)
	writeBig(t, p.rdb, "big", 3000, 8<<10)
	s := startPersistingSecondary(t, p)
	var (
		stop  atomic.Bool
		polls atomic.Int64
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for !stop.Load() {
			if s.rdb.Info(ctx, "persistence").Err() == nil {
				polls.Add(1)
			}
		}
	})
	requireConverged(t, p, s)
	require.Eventually(t, func() bool {
		files, err := scanData(s.Dir)
		return (err == nil && len(files.Snapshots) > 0) || strings.Contains(s.Output(), "level=ERROR")
	}, convergeTimeout, pollInterval)
	stop.Store(true)
	wg.Wait()
	require.Positive(t, polls.Load())
	require.NotContains(t, s.Output(), "level=ERROR")
	require.Equal(t, []uint64{3000}, listData(t, s.Dir).Snapshots, "the secondary's snapshot of the full sync")
	require.Equal(t, "ok", s.requireInfo("persistence")["aof_last_write_status"])
	writeKeys(t, p.rdb, "after", 10)
	requireConverged(t, p, s)
	waitLogged(t, s, 3010)
}

// TestReplicaPersistAckedWritesLogged checks that what a persisting
// secondary acknowledges (what WAIT counts) is in its log on disk, as with
// a Redis replica under appendfsync always, whose ACK leaves after the AOF
// write: otherwise a write confirmed by WAIT is lost if the secondary
// crashes and then the primary's data is lost too.
func TestReplicaPersistAckedWritesLogged(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startAOFNode(t)
	writeKeys(t, p.rdb, "a", 10)
	s := startPersistingSecondary(t, p)
	requireConverged(t, p, s)
	waitLogged(t, s, 10)
	writeKeys(t, p.rdb, "b", 100)
	require.Equal(t, int64(1), p.rdb.Wait(ctx, 1, 10*time.Second).Val(), "WAIT: the secondary acknowledged every write")
	s.kill()
	require.Equal(t, uint64(110), diskLast(t, s.Dir),
		"sequence in the killed secondary's log on disk after it acknowledged 110 (appendfsync always)")
}

// TestReplicaPersistResumeFromSequenceZero restarts a persisting secondary
// whose data directory holds the primary's history at sequence 0 (it
// synced with a primary that had written nothing yet): it is a position
// like any other, and the restart resumes it with a partial resync.
func TestReplicaPersistResumeFromSequenceZero(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startAOFNode(t)
	s := startPersistingSecondary(t, p)
	s.waitInfo("replication", "master_link_status", "up")
	replID := p.requireInfo("replication")["master_replid"]
	requireReplicaLog(t, s, replID)
	require.Equal(t, uint64(0), diskLast(t, s.Dir))
	before := p.syncCounts()
	require.Equal(t, int64(1), before.Full)
	s.stop()
	writeKeys(t, p.rdb, "a", 10)
	s.restart()
	s.requireLogged(t, "sequence=0 replid="+replID, "the secondary loaded the primary's history at 0")
	requireConverged(t, p, s)
	after := p.syncCounts()
	require.Equal(t, before.Full, after.Full, "sync_full: the secondary had the primary's history at sequence 0")
	require.Equal(t, before.PartialOK+1, after.PartialOK, "sync_partial_ok")
}

// TestReplicaPersistServedFromDisk keeps only ten operations in the
// primary's memory: a secondary that comes back thousands of operations
// behind is served from the primary's log segments with a partial resync.
// Once a snapshot has removed the segments it needs, it gets a full sync.
func TestReplicaPersistServedFromDisk(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, compacted := range []bool{false, true} {
		t.Run(fmt.Sprintf("compacted=%v", compacted), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			p := startAOFNode(t, "--max-operation-log", "10", "--aof-segment-size", "8kb")
			s := startPersistingSecondary(t, p)
			writeKeys(t, p.rdb, "a", 100)
			requireConverged(t, p, s)
			waitLogged(t, s, 100)
			before := p.syncCounts()
			s.kill()
			writeKeysBy(t, p.rdb, "b", 2000, 50) // batches of 50 on disk, about 2 KB each
			require.Greater(t, len(listData(t, p.Dir).Segments), 5, "the 2000 writes span several segments")
			if compacted {
				require.Equal(t, "OK", p.rdb.Save(ctx).Val())
				require.Len(t, listData(t, p.Dir).Segments, 1)
				writeKeys(t, p.rdb, "c", 100)
			}
			s.restart()
			final := requireConverged(t, p, s)
			after := p.syncCounts()
			want := int64(2100)
			if compacted {
				want = 2200
				require.Equal(t, before.Full+1, after.Full, "sync_full: the secondary's position is covered by a snapshot only")
				require.Equal(t, before.PartialOK, after.PartialOK, "sync_partial_ok")
			} else {
				require.Equal(t, before.Full, after.Full, "sync_full")
				require.Equal(t, before.PartialOK+1, after.PartialOK, "sync_partial_ok")
				p.requireLogged(t, "serving a replica from the log on disk")
			}
			require.Equal(t, want, s.rdb.DBSize(ctx).Val())
			require.Equal(t, fmt.Sprint(want), final.Offset)

			// The stream goes on from memory afterwards.
			writeKeys(t, p.rdb, "d", 50)
			requireConverged(t, p, s)
			require.Equal(t, after, p.syncCounts(), "no further resync")
		})
	}
}

// TestReplicaPersistPrimaryKill9UnderLoad kills a primary with appendfsync
// everysec while clients write and a secondary streams: a primary sends
// only what its file holds, so after the restart it is never behind its
// secondary, which resumes with a partial resync, and nothing diverges.
func TestReplicaPersistPrimaryKill9UnderLoad(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	const writers = 3
	cycles := soakCycles(t, 5)
	if testing.Short() {
		cycles = 2
	}
	p := startNode(t, aofArgs("everysec")...)
	s := startSecondary(t, p)
	acked := map[string]string{}
	replID := p.requireInfo("replication")["master_replid"]
	for cycle := range cycles {
		requireConverged(t, p, s)
		killAfter := int64(50 + rand.IntN(500))
		maps.Copy(acked, killUnderLoad(t, p, writers, killAfter, fmt.Sprint(cycle)))
		s.waitInfo("replication", "master_link_status", "down")
		p.restart()
		where := fmt.Sprintf("cycle %d (killed after %d acknowledged writes)", cycle, killAfter)
		requireKeys(t, p.rdb, acked, where+", primary")
		s.waitInfo("replication", "master_link_status", "up")
		writeKeys(t, p.rdb, fmt.Sprintf("after%d", cycle), 10)
		requireConverged(t, p, s)
		requireKeys(t, s.rdb, acked, where+", secondary")
		stats := p.syncCounts() // since the restart
		require.Equal(t, int64(0), stats.Full, "%s: sync_full", where)
		require.Equal(t, int64(1), stats.PartialOK, "%s: sync_partial_ok", where)
		sRepl := s.requireInfo("replication")
		require.Equal(t, "1", sRepl["nadb_full_syncs"], "%s: only the first sync was full", where)
		require.Equal(t, replID, sRepl["master_replid"], where)
		require.Equal(t, replID, p.requireInfo("replication")["master_replid"], where)
	}
	t.Logf("%d cycles, %d acknowledged keys", cycles, len(acked))
}

// TestReplicaPersistPrimaryLostWrites simulates a machine crash of a
// primary with appendfsync everysec: kill -9, then its last segment loses
// its newest operations, as the page cache would. The restarted primary
// writes past its secondary's position under the same history; when the
// secondary reconnects, its last operation's digest differs from the
// primary's at that sequence, so it gets a full resync and ends with the
// primary's data, not a mix.
func TestReplicaPersistPrimaryLostWrites(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, aofArgs("everysec")...)
	// The secondary persists too, so it can stay down while the primary
	// restarts and writes, and then come back at its old position.
	s := startSecondary(t, p, aofArgs("everysec")...)
	writeKeysBy(t, p.rdb, "before", 50, 1) // a frame each on disk: the test cuts the last 10
	requireConverged(t, p, s)
	require.Eventually(t, func() bool {
		seq, err := loggedSequence(s.Dir)
		return err == nil && seq == 50
	}, convergeTimeout, pollInterval, "the secondary's log holds all 50 operations")
	s.kill()
	p.kill()

	seg := lastSegment(t, p.Dir)
	_, frames := readAOFFrames(t, seg)
	require.Greater(t, len(frames), 11)
	require.NoError(t, os.Truncate(seg, int64(frames[len(frames)-10].Start)), "the last 10 operations never reached the disk")

	p.restart()
	for i := range 30 {
		require.NoError(t, p.rdb.Set(ctx, fmt.Sprint("after:", i), "written after the crash", 0).Err())
	}
	s.restart()
	requireConverged(t, p, s)
	stats := p.syncCounts()
	require.Equal(t, int64(1), stats.Full, "the secondary's lost operations are replaced by a full resync")
	require.Equal(t, int64(0), stats.PartialOK)
	p.requireLogged(t, "differs from this primary's at the same sequence")
	require.Equal(t, int64(0), s.rdb.Exists(ctx, "before:49").Val(), "an operation the primary lost is gone from the secondary too")
}
