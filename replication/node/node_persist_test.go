package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startPersistentNode starts a node on data directory dir as the server
// does: Recover, load the engine, open the log, then the node. follows
// says the node will be made a secondary (it keeps a replica's history).
func startPersistentNode(t *testing.T, dir string, follows bool, tweak func(*NodeOptions)) *tnode {
	t.Helper()
	rec, err := aof.Recover(dir, 16, true, testLogger(), nil)
	require.NoError(t, err)
	h := rec.History
	var items []engine.Item
	if h != nil {
		items = h.Snapshot
		h.Snapshot = nil
	} else {
		h = &aof.History{ReplID: frame.NewReplID(), Role: aof.RolePrimary}
	}
	if len(rec.Segments) == 0 || (h.Role == aof.RoleReplica && !follows) {
		h.ReplID = frame.NewReplID()
	}
	role := aof.RolePrimary
	if follows {
		role = h.Role
	}
	a, err := aof.OpenAOF(aof.AOFOptions{Segments: rec.Segments, NameFor: func(b uint64) string { return aof.SegmentPath(dir, b) },
		ReplID: h.ReplID, Role: role, Last: h.Last, Policy: aof.FsyncEverySec, Logger: testLogger()})
	require.NoError(t, err)
	return startNode(t, func(o *NodeOptions) {
		o.Engine.Replace(items, nil)
		for _, g := range h.Groups {
			o.Engine.Apply(g, nil)
		}
		o.History, o.AOF = h, a
		o.Persist = PersistOptions{Dir: dir}
		if rec.HasSnapshot {
			o.Persist.LastSave, o.Persist.SnapshotBytes = rec.SnapshotTime, rec.SnapshotBytes
		}
		if tweak != nil {
			tweak(o)
		}
	})
}

// dirFiles lists the snapshots and segments of dir by kind.
func dirFiles(t *testing.T, dir string) (snaps, segs int) {
	t.Helper()
	for _, pat := range []string{"nadb-*.snap", "nadb-*.aof"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		require.NoError(t, err)
		if pat == "nadb-*.snap" {
			snaps = len(m)
		} else {
			segs = len(m)
		}
	}
	return snaps, segs
}

func TestNodeSaveCompactsAndRestarts(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, func(o *NodeOptions) {
		o.AOF.SetSegmentLimit(2048)
	})
	for i := range 300 {
		// One client write each: a segment is cut between frames, and
		// one publish of all of them would be a single batch.
		p.eng.Set(i%3, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("v%d", i)), engine.SetOptions{})
		require.NoError(t, p.node.WriteDone(context.Background()))
	}
	p.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
	require.NoError(t, p.node.WriteDone(context.Background()))
	_, segs := dirFiles(t, dir)
	require.Greater(t, segs, 3, "the log was cut into segments by size")

	require.NoError(t, p.node.Save(false))
	snaps, segs := dirFiles(t, dir)
	require.Equal(t, [2]int{1, 1}, [2]int{snaps, segs}, "a snapshot and the segment after it; covered segments deleted")
	require.Equal(t, "1", persistValue(p.node, "rdb_saves"))
	require.Equal(t, "0", persistValue(p.node, "rdb_changes_since_last_save"))

	p.eng.Set(0, "after-save", []byte("x"), engine.SetOptions{})
	p.eng.Del(0, []string{"k0"})
	require.NoError(t, p.node.WriteDone(context.Background()))
	require.Equal(t, "2", persistValue(p.node, "rdb_changes_since_last_save"))
	digest, seq, replID := p.eng.Digest(), p.node.Sequence(), infoValue(p.node, "master_replid")
	p.close()

	r := startPersistentNode(t, dir, false, nil)
	require.Equal(t, digest, r.eng.Digest())
	require.Equal(t, seq, r.node.Sequence())
	require.Equal(t, replID, infoValue(r.node, "master_replid"), "the history goes on after a restart")
}

// TestNodeSaveUnderWrites snapshots repeatedly while writers run, then
// restarts: every write that returned is there.
func TestNodeSaveUnderWrites(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, func(o *NodeOptions) { o.AOF.SetSegmentLimit(4096) })
	var wg sync.WaitGroup
	stop := make(chan struct{})
	const writers = 4
	counts := make([]int, writers)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p.eng.Set(0, fmt.Sprintf("w%d-%d", w, i), []byte("v"), engine.SetOptions{})
				if err := p.node.WriteDone(context.Background()); err != nil {
					t.Errorf("WriteDone: %v", err)
					return
				}
				counts[w] = i + 1
			}
		})
	}
	for range 5 {
		require.NoError(t, p.node.Save(false))
	}
	close(stop)
	wg.Wait()
	p.close()

	r := startPersistentNode(t, dir, false, nil)
	for w, n := range counts {
		for i := range n {
			_, ok := r.eng.Get(0, fmt.Sprintf("w%d-%d", w, i))
			require.True(t, ok, "writer %d key %d of %d lost", w, i, n)
		}
	}
}

// TestNodeSecondaryPersists restarts a persisting secondary on its
// directory: it resumes with a partial resync.
func TestNodeSecondaryPersists(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	for i := range 50 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
	}
	dir := t.TempDir()
	s := startPersistentNode(t, dir, true, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		snaps, segs := dirFiles(t, dir)
		assert.Equal(c, [2]int{1, 1}, [2]int{snaps, segs}, "a full sync leaves a snapshot and a new segment")
	}, convergeWait, pollEvery)
	for i := range 20 {
		p.eng.Set(1, fmt.Sprintf("live%d", i), []byte("v"), engine.SetOptions{})
	}
	requireConverged(t, p, s)
	prim, _ := p.node.roles()
	require.Positive(t, prim.log.(*MemLog).Batches(), "the live writes came in batches")
	s.close()
	files, err := aof.ListDir(dir)
	require.NoError(t, err)
	seg, err := os.ReadFile(aof.SegmentPath(dir, files.Segments[len(files.Segments)-1]))
	require.NoError(t, err)
	require.Contains(t, string(seg), string(frame.OpOpBatch), "the secondary's file keeps the batches as received")

	for i := range 30 {
		p.eng.Set(2, fmt.Sprintf("away%d", i), []byte("v"), engine.SetOptions{})
	}
	full0, ok0, _ := p.node.SyncStats()
	r := startPersistentNode(t, dir, true, nil)
	follow(t, r, p.addr)
	requireConverged(t, p, r)
	full1, ok1, _ := p.node.SyncStats()
	require.Equal(t, full0, full1, "no full sync")
	require.Equal(t, ok0+1, ok1, "a partial resync")
}

// TestNodeServesFromDisk: a secondary whose position left the in-memory log
// but not the segments on disk gets a partial resync.
func TestNodeServesFromDisk(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, func(o *NodeOptions) {
		o.MaxOperationLog = 10
		o.AOF.SetSegmentLimit(4096)
	})
	s := startNode(t, nil)
	follow(t, s, p.addr)
	p.eng.Set(0, "first", []byte("v"), engine.SetOptions{})
	requireConverged(t, p, s)

	follow(t, s, parkedAddr(t))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
	}, convergeWait, pollEvery)
	for i := range 500 {
		p.eng.Set(i%4, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("v%d", i)), engine.SetOptions{})
	}
	require.NoError(t, p.node.WriteDone(context.Background()))
	prim, _ := p.node.roles()
	_, err := prim.log.Read(s.node.Sequence()+1, 1, nil)
	require.ErrorIs(t, err, aof.ErrCompacted, "the secondary's position has left the in-memory log")

	full0, ok0, _ := p.node.SyncStats()
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	full1, ok1, _ := p.node.SyncStats()
	require.Equal(t, [2]int64{full0, ok0 + 1}, [2]int64{full1, ok1}, "served from disk: partial, not full")

	// After a snapshot the covered segments are gone: the same gap now
	// needs a full sync.
	follow(t, s, parkedAddr(t))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "0", infoValue(p.node, "connected_slaves"))
	}, convergeWait, pollEvery)
	for i := range 100 {
		p.eng.Set(0, fmt.Sprintf("later%d", i), []byte("v"), engine.SetOptions{})
	}
	require.NoError(t, p.node.Save(false))
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	full2, _, _ := p.node.SyncStats()
	require.Equal(t, full1+1, full2)
}

// TestNodePromotedSecondaryPersists: a persisting secondary promoted to
// primary logs its own writes under its new history and restarts with it.
func TestNodePromotedSecondaryPersists(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "from-primary", []byte("v"), engine.SetOptions{})
	dir := t.TempDir()
	s := startPersistentNode(t, dir, true, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	_, err := s.node.ReplicaOf("", 0)
	require.NoError(t, err)
	newID := infoValue(s.node, "master_replid")
	s.eng.Set(0, "own-write", []byte("v"), engine.SetOptions{})
	require.NoError(t, s.node.WriteDone(context.Background()))
	digest, seq := s.eng.Digest(), s.node.Sequence()
	s.close()

	r := startPersistentNode(t, dir, false, nil)
	require.Equal(t, digest, r.eng.Digest())
	require.Equal(t, seq, r.node.Sequence())
	require.Equal(t, newID, infoValue(r.node, "master_replid"), "the promoted node's history goes on")
}

// TestNodeReplicaHistoryNotContinuedAsPrimary: files written as a
// secondary, started without a primary, begin a new history, so the
// node cannot pass off its own writes as the old primary's.
func TestNodeReplicaHistoryNotContinuedAsPrimary(t *testing.T) {
	leakCheck(t)
	p := startNode(t, nil)
	p.eng.Set(0, "k", []byte("v"), engine.SetOptions{})
	dir := t.TempDir()
	s := startPersistentNode(t, dir, true, nil)
	follow(t, s, p.addr)
	requireConverged(t, p, s)
	s.close()

	r := startPersistentNode(t, dir, false, nil)
	require.NotEqual(t, infoValue(p.node, "master_replid"), infoValue(r.node, "master_replid"))
	require.Equal(t, p.eng.Digest(), r.eng.Digest())
	_, err := os.Stat(dir)
	require.NoError(t, err)
}

// persistValue returns field name of n's INFO persistence, from the typed
// values the node reports ("" for a field the tests do not read).
func persistValue(n *Node, name string) string {
	st := n.Persistence()
	switch name {
	case "rdb_bgsave_in_progress":
		return map[bool]string{true: "1", false: "0"}[st.SaveInProgress]
	case "rdb_changes_since_last_save":
		return strconv.FormatUint(st.ChangesSinceSave, 10)
	case "rdb_last_bgsave_status":
		return map[bool]string{true: "ok", false: "err"}[st.LastSaveOK]
	case "rdb_saves":
		return strconv.FormatInt(st.Saves, 10)
	}
	return ""
}

// TestNodeInfoDuringSave polls INFO persistence while snapshots are
// written: looking at the directory must not disturb a snapshot in
// progress (it once deleted the snapshot's temporary file).
func TestNodeInfoDuringSave(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, nil)
	for i := range 20000 {
		p.eng.Set(0, fmt.Sprintf("k%d", i), []byte("some value to write"), engine.SetOptions{})
	}
	for round := range 5 {
		require.NoError(t, p.node.Save(true))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			p.node.Persistence() // reads the directory, as INFO does
			assert.Equal(c, "0", persistValue(p.node, "rdb_bgsave_in_progress"))
		}, convergeWait, time.Millisecond)
		require.Equal(t, "ok", persistValue(p.node, "rdb_last_bgsave_status"), "round %d", round)
		require.Equal(t, fmt.Sprint(round+1), persistValue(p.node, "rdb_saves"))
	}
}

// TestNodeSaveRemovesOtherSnapshots: a save leaves only its own snapshot,
// even when an older one has a higher sequence (a node whose sequence a
// full resync moved back), so a start never loads the older one.
func TestNodeSaveRemovesOtherSnapshots(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	_, err := aof.WriteSnapshot(dir, aof.SnapshotHeader{ReplID: "old-history", Seq: 1000, Dataset: engine.DigestOf([]engine.Item{{Key: "stale", Value: []byte("v")}})}, []engine.Item{{Key: "stale", Value: []byte("v")}}, nil)
	require.NoError(t, err)
	p := startNode(t, func(o *NodeOptions) { o.Persist = PersistOptions{Dir: dir} }) // appendonly no
	p.eng.Set(0, "fresh", []byte("v"), engine.SetOptions{})
	require.NoError(t, p.node.Save(false))
	files, err := aof.ListDir(dir)
	require.NoError(t, err)
	require.Equal(t, []uint64{p.node.Sequence()}, files.Snapshots)
	rec, err := aof.Recover(dir, 16, false, testLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, []engine.Item{{Key: "fresh", Value: []byte("v")}}, rec.History.Snapshot)
}

// TestNodeDivergedSecondaryGetsFullSync simulates a machine crash of a
// primary with appendfsync everysec: the restarted primary lost its last
// operations, which its secondary had applied, and then logged new ones
// under the same sequence numbers. The secondary's partial resync request
// carries the digest of its last operation; the primary's differs, so it
// answers with a full resync and the two converge instead of silently
// diverging.
func TestNodeDivergedSecondaryGetsFullSync(t *testing.T) {
	// The secondary's position comes from the live stream, or from a full
	// resync at that position (the primary names its operation there).
	// Or the secondary persists, got a full resync, and restarts from the
	// snapshot that recorded the primary's digest for S.
	for _, tc := range []struct{ streamed, restarted bool }{{true, false}, {false, false}, {false, true}} {
		t.Run(fmt.Sprintf("streamed=%v,restarted=%v", tc.streamed, tc.restarted), func(t *testing.T) {
			divergedSecondary(t, tc.streamed, tc.restarted)
		})
	}
}

func divergedSecondary(t *testing.T, streamed, restarted bool) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, nil)
	sdir := t.TempDir()
	var s *tnode
	if restarted {
		s = startPersistentNode(t, sdir, true, nil)
	} else {
		s = startNode(t, nil)
	}
	if streamed {
		follow(t, s, p.addr)
		requireLinkUp(t, s)
	}
	for i := range 50 {
		// One client write each: each a frame of its own in the file
		// (dropLastOps below cuts frames).
		p.eng.Set(0, fmt.Sprint("k", i), []byte("before the crash"), engine.SetOptions{})
		require.NoError(t, p.node.WriteDone(context.Background()))
	}
	if !streamed {
		follow(t, s, p.addr)
	}
	requireConverged(t, p, s)
	replID := infoValue(p.node, "master_replid")
	if restarted {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			files, err := aof.ListDir(sdir)
			assert.NoError(c, err)
			assert.Len(c, files.Snapshots, 1, "the full resync is on the secondary's disk")
		}, convergeWait, pollEvery)
		s.close()
	}
	p.close()
	if restarted {
		s = startPersistentNode(t, sdir, true, nil)
	} else {
		follow(t, s, parkedAddr(t))
	}

	// The last 10 operations never reached the disk.
	files, err := aof.ListDir(dir)
	require.NoError(t, err)
	seg := aof.SegmentPath(dir, files.Segments[len(files.Segments)-1])
	dropLastOps(t, seg, 10)

	r := startPersistentNode(t, dir, false, nil)
	require.Equal(t, replID, infoValue(r.node, "master_replid"), "the restarted primary keeps its history")
	for i := range 20 {
		r.eng.Set(1, fmt.Sprint("after", i), []byte("new operations, same sequence numbers"), engine.SetOptions{})
	}
	require.NoError(t, r.node.WriteDone(context.Background()))
	require.Greater(t, r.node.Sequence(), s.node.Sequence(), "the primary is past the secondary's position again")

	follow(t, s, r.addr)
	requireConverged(t, r, s)
	full, partialOK, _ := r.node.SyncStats()
	require.Equal(t, [2]int64{1, 0}, [2]int64{full, partialOK}, "a full resync, not a partial one onto diverged data")
}

// dropLastOps cuts the last n frames off the log segment at path.
func dropLastOps(t *testing.T, path string, n int) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var starts []int
	for off := 0; off < len(data); {
		starts = append(starts, off)
		off += 4 + int(binary.BigEndian.Uint32(data[off:]))
	}
	require.Greater(t, len(starts), n)
	require.NoError(t, os.Truncate(path, int64(starts[len(starts)-n])))
}

// TestSaveAfterReset: a secondary's background save (BGSAVE, or the
// automatic rewrite) has captured its dataset and cut the log when a full
// resynchronisation replaces the dataset and starts the log again
// (AOF.Reset, as secondary.go's full sync does it). The save then finds no
// segment after its snapshot: it must give up, neither hang nor leave a
// snapshot of the old dataset for the next start to load.
func TestSaveAfterReset(t *testing.T) {
	// The resync's sequence below the capture's, and equal to it (a new
	// primary promoted at the same sequence): the segment the save waits
	// for then exists, but belongs to the new dataset.
	for _, newSeq := range []uint64{5, 20} {
		t.Run(fmt.Sprint("resync at ", newSeq), func(t *testing.T) { saveAfterReset(t, newSeq) })
	}
}

func saveAfterReset(t *testing.T, newSeq uint64) {
	dir := t.TempDir()
	a := openDirAOF(t, dir, nil, "A", aof.RoleReplica, 0, 0)
	eng := engine.New(engine.Options{Databases: 16})
	n := NewNode(NodeOptions{Engine: eng, AOF: a, Persist: PersistOptions{Dir: dir}, Logger: testLogger()})
	defer n.Close()
	for i := range 20 {
		eng.Set(0, fmt.Sprint("old", i), []byte("old dataset"), engine.SetOptions{})
	}
	h, items, release, cut := n.capture()
	defer release()
	require.Equal(t, uint64(20), h.Seq)
	require.True(t, cut)

	// The full resync of history B lands meanwhile.
	newItems := []engine.Item{{Key: "new", Value: []byte("dataset of B")}}
	require.NoError(t, a.Reset(newSeq, "B", aof.RoleReplica, func() error {
		_, err := aof.WriteSnapshot(dir, aof.SnapshotHeader{ReplID: "B", Seq: newSeq, Dataset: engine.DigestOf(newItems)}, newItems, nil)
		return err
	}))
	done := make(chan error, 1)
	go func() { done <- n.finishSave(h, items, cut) }()
	select {
	case err := <-done:
		require.Error(t, err, "a save whose log was reset under it reported success")
	case <-time.After(5 * time.Second):
		_ = a.Close() // unblocks it
		<-done
		t.Fatal("the save did not finish")
	}

	rec, err := aof.Recover(dir, 16, true, testLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, "B", rec.History.ReplID, "the start loads the old dataset, saved after the resync replaced it")
	require.Equal(t, uint64(newSeq), rec.History.Last)
	require.Equal(t, newItems, rec.History.Snapshot)
}

// openDirAOF opens the log of dir (a node test's own, empty or not).
func openDirAOF(t *testing.T, dir string, segs []aof.Segment, replID, role string, last uint64, limit int64) *aof.AOF {
	t.Helper()
	a, err := aof.OpenAOF(aof.AOFOptions{Segments: segs, NameFor: func(b uint64) string { return aof.SegmentPath(dir, b) },
		ReplID: replID, Role: role, Last: last, Policy: aof.FsyncEverySec, SegmentLimit: limit, Logger: testLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// startOpenedNode starts a node on dir as the server does since starts
// stream the log: aof.Open applies the log as it reads it and keeps its
// newest keep operations, which refill the in-memory log of that size.
func startOpenedNode(t *testing.T, dir string, keep int) *tnode {
	t.Helper()
	return startNode(t, func(o *NodeOptions) {
		opened, err := aof.Open(aof.OpenOptions{Dir: dir, Engine: o.Engine, AppendOnly: true, Policy: aof.FsyncEverySec,
			Logger: testLogger(), KeepOps: keep})
		require.NoError(t, err)
		opened.Lock.Unlock() // nothing else in the test opens dir
		o.History, o.AOF = opened.History, opened.Log
		o.Persist = PersistOptions{Dir: dir}
		o.MaxOperationLog = keep
	})
}

// TestNodeRestartKeepsLogTail: after a start that kept only the newest
// operations of its log in memory, the node resumes the same history at
// the same sequence, and a secondary whose position is older than what
// the in-memory log holds still resumes with a partial sync, from disk.
func TestNodeRestartKeepsLogTail(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	p := startPersistentNode(t, dir, false, func(o *NodeOptions) { o.AOF.SetSegmentLimit(4096) })
	s := startNode(t, nil)
	follow(t, s, p.addr)
	p.eng.Set(0, "first", []byte("v"), engine.SetOptions{})
	requireConverged(t, p, s)
	follow(t, s, parkedAddr(t))
	for i := range 300 {
		p.eng.Set(i%4, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("v%d", i)), engine.SetOptions{})
	}
	p.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
	require.NoError(t, p.node.WriteDone(context.Background()))
	digest, seq, replID := p.eng.Digest(), p.node.Sequence(), infoValue(p.node, "master_replid")
	p.close()

	r := startOpenedNode(t, dir, 10)
	require.Equal(t, digest, r.eng.Digest())
	require.Equal(t, seq, r.node.Sequence())
	require.Equal(t, replID, infoValue(r.node, "master_replid"))
	prim, _ := r.node.roles()
	_, err := prim.log.Read(seq-9, 1, nil)
	require.NoError(t, err, "the newest operations refilled the in-memory log")
	_, err = prim.log.Read(s.node.Sequence()+1, 1, nil)
	require.ErrorIs(t, err, aof.ErrCompacted, "the secondary's position is not in memory")

	follow(t, s, r.addr)
	requireConverged(t, r, s)
	full, ok, _ := r.node.SyncStats()
	require.Equal(t, [2]int64{0, 1}, [2]int64{full, ok}, "served from disk: partial, not full")
	r.eng.Set(0, "after", []byte("x"), engine.SetOptions{})
	requireConverged(t, r, s)
}

// forkEndingAlike makes the fork of TestNodeForkEndingAlikeIsVerified: a
// primary (in dir) that lost its last 10 operations, which its secondary
// s (parked) applied, and logged 10 others under their numbers, the last
// equal to the last one lost.
func forkEndingAlike(t *testing.T, dir string) (r, s *tnode) {
	t.Helper()
	r, s = crashAfter(t, dir, nil, 50, 10)
	for i := range 9 {
		r.eng.Set(1, fmt.Sprint("after", i), []byte("new operations, same sequence numbers"), engine.SetOptions{})
	}
	r.eng.Set(0, "k49", []byte("before the crash"), engine.SetOptions{}) // as the lost 50th
	require.NoError(t, r.node.WriteDone(context.Background()))
	return r, s
}

// crashAfter runs a primary (in dir, with opt) and a secondary s through
// writes client writes, k0 to k<writes-1>, then stops the primary, parks
// s, cuts the last lost operations off the primary's file, as a crash
// before they reached the disk does, and restarts the primary as r.
func crashAfter(t *testing.T, dir string, opt func(*NodeOptions), writes, lost int) (r, s *tnode) {
	t.Helper()
	p := startPersistentNode(t, dir, false, opt)
	s = startNode(t, opt)
	follow(t, s, p.addr)
	requireLinkUp(t, s)
	for i := range writes {
		// One client write each: each a frame of its own in the file
		// (dropLastOps below cuts frames).
		p.eng.Set(0, fmt.Sprint("k", i), []byte("before the crash"), engine.SetOptions{})
		require.NoError(t, p.node.WriteDone(context.Background()))
	}
	requireConverged(t, p, s)
	p.close()
	follow(t, s, parkedAddr(t))

	files, err := aof.ListDir(dir)
	require.NoError(t, err)
	dropLastOps(t, aof.SegmentPath(dir, files.Segments[len(files.Segments)-1]), lost)
	return startPersistentNode(t, dir, false, opt), s
}

// requireForkFound: s, parked at r's position with other data, follows r
// and is found diverged by the partial resync's first checkpoint, then
// repaired by one full resync.
func requireForkFound(t *testing.T, r, s *tnode) {
	t.Helper()
	require.Equal(t, r.node.Sequence(), s.node.Sequence(), "the primary is back at the secondary's position")
	require.NotEqual(t, r.eng.Digest(), s.eng.Digest())

	follow(t, s, r.addr)
	requireConverged(t, r, s)
	full, partialOK, _ := r.node.SyncStats()
	require.Equal(t, [2]int64{1, 1}, [2]int64{full, partialOK}, "the partial resync the handshake allowed, then the full one the checkpoint asked for")
	require.Equal(t, int64(1), s.node.Status().Secondary.Divergences, "one checkpoint found the fork")
}

// TestNodeForkEndingAlikeIsVerified: as divergedSecondary, but the
// restarted primary's new operations end with the very operation the lost
// ones ended with, at the same sequence, so the handshake (which compares
// the secondary's last operation) accepts a partial resync onto data that
// differs. The first checkpoint, sent at once for the secondary's
// position even though nothing else is written, finds it, and a full
// resync repairs it.
func TestNodeForkEndingAlikeIsVerified(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	r, s := forkEndingAlike(t, dir)
	requireForkFound(t, r, s)
}

// TestNodeForkAtSnapshotIsVerified: as TestNodeForkEndingAlikeIsVerified,
// but the primary takes a snapshot at the secondary's position and starts
// again from it, with no operation after it: its log holds nothing the
// start checkpoint could take a digest from. The digest it started from
// (MemLog.Start) still makes the partial resync's first checkpoint, which
// finds the fork at once, with nothing more written.
func TestNodeForkAtSnapshotIsVerified(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	r, s := forkEndingAlike(t, dir)
	require.NoError(t, r.node.Save(false)) // a snapshot at the last sequence
	r.close()
	r = startPersistentNode(t, dir, false, nil) // from the snapshot alone
	requireForkFound(t, r, s)
}
