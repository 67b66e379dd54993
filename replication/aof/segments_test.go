package aof

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// Tests of the segmented log (aof_writer.go): rotation by size, cuts,
// Continue, Reset, DropBefore, WaitSegment and write errors around cuts.

// persistSource is a primary's write path logged to the segments of a data
// directory: an engine whose sink is a MemLog appending to an AOF.
type persistSource struct {
	dir string
	eng *engine.Engine
	log *testLog
	aof *AOF
}

// openDirAOF opens the log of dir with the given segments already on disk.
func openDirAOF(t *testing.T, dir string, segs []Segment, replID, role string, last uint64, limit int64) *AOF {
	t.Helper()
	a, err := OpenAOF(AOFOptions{Segments: segs, NameFor: func(b uint64) string { return SegmentPath(dir, b) },
		ReplID: replID, Role: role, Last: last, Policy: FsyncEverySec, SegmentLimit: limit, Logger: aofLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// newPersistSource starts an empty log of history replID in dir, with
// segments cut after limit bytes (0: never).
func newPersistSource(t *testing.T, dir, replID string, limit int64) *persistSource {
	t.Helper()
	a := openDirAOF(t, dir, nil, replID, RolePrimary, 0, limit)
	return persistOn(dir, a, 1)
}

// persistOn returns an engine logging into a from sequence next.
func persistOn(dir string, a *AOF, next uint64) *persistSource {
	l := newTestLog(aofDBs, next)
	l.SetAOF(a)
	return &persistSource{dir: dir, eng: engine.New(engine.Options{Databases: aofDBs, Sink: l}), log: l, aof: a}
}

// set writes one key and returns its sequence.
func (s *persistSource) set(key, val string) uint64 {
	s.eng.Set(0, key, []byte(val), engine.SetOptions{})
	return s.log.Last()
}

// mset writes an atomic group of n keys and returns its last sequence.
func (s *persistSource) mset(prefix string, n int) uint64 {
	var pairs [][]byte
	for i := range n {
		pairs = append(pairs, []byte(fmt.Sprint(prefix, i)), []byte(fmt.Sprint(prefix, "-value-", i)))
	}
	s.eng.MSet(0, pairs, false)
	return s.log.Last()
}

// flushed writes the buffer to the files and fails on an error.
func (s *persistSource) flushed(t *testing.T) {
	t.Helper()
	require.NoError(t, s.aof.WaitWritten(s.log.Last()))
}

// segmentBases returns the bases of segs.
func segmentBases(segs []Segment) []uint64 {
	out := []uint64{}
	for _, s := range segs {
		out = append(out, s.Base)
	}
	return out
}

// dirSegments returns the bases of the segment files in dir.
func dirSegments(t *testing.T, dir string) []uint64 {
	t.Helper()
	files, err := ListDir(dir)
	require.NoError(t, err)
	return append([]uint64{}, files.Segments...)
}

// scanFile verifies one segment without changing it.
func scanFile(t *testing.T, path string) *aofScan {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc, err := scanAOF(f, path, aofDBs, 0, nil, nil)
	require.NoError(t, err)
	return sc
}

// readHeader returns the first frame of a file.
func readHeader(t *testing.T, path string) frame.Op {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var op frame.Op
	var dec frame.Decoder
	bounds := frameBounds(t, b)
	require.GreaterOrEqual(t, len(bounds), 2, "%s holds no frame", path)
	_, err = dec.DecodeFrame(b[bounds[0]:bounds[1]], &op)
	require.NoError(t, err)
	// The decoded op aliases b; copy what the tests read.
	op.ReplID, op.Mode = bytes.Clone(op.ReplID), frame.SyncMode(string(op.Mode))
	return op
}

// logBuffer collects what a logger writes, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// captureLogger returns a logger writing text lines to the returned buffer.
func captureLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

func TestSegmentRotationBySize(t *testing.T) {
	dir := t.TempDir()
	const limit = 600
	src := newPersistSource(t, dir, "rot-id", limit)
	later := time.Now().Add(time.Hour).UnixMilli()
	for i := range 80 {
		switch {
		case i%7 == 3:
			src.mset(fmt.Sprint("m", i, "-"), 3)
		case i%17 == 5:
			src.eng.FlushAll() // one group of aofDBs frames
		case i%5 == 1:
			src.eng.Set(i%aofDBs, fmt.Sprint("ttl", i), []byte("x"), engine.SetOptions{ExpireAt: later})
		default:
			src.set(fmt.Sprint("k", i), fmt.Sprint("value-", i))
		}
	}
	last := src.log.Last()
	require.NoError(t, src.aof.Close())

	bases := dirSegments(t, dir)
	require.GreaterOrEqual(t, len(bases), 5, "a %d-byte limit must cut several segments", limit)
	require.Equal(t, bases, segmentBases(src.aof.Segments()))
	require.Equal(t, uint64(0), bases[0])

	var got [][]engine.Effect
	prevLast := uint64(0)
	for i, b := range bases {
		p := SegmentPath(dir, b)
		sc := scanFile(t, p)
		require.NoError(t, sc.corrupt, "segment %d", b)
		require.Equal(t, sc.size, sc.good, "segment %d ends inside a group: a cut split it", b)
		require.NotNil(t, sc.history, "segment %d has no header", b)
		h := sc.history
		require.Equal(t, b, h.Base, "segment %d: header sequence", b)
		require.Equal(t, prevLast, h.Base, "segment %d does not start where segment %d ends", b, bases[max(i-1, 0)])
		require.Equal(t, "rot-id", h.ReplID)
		require.Equal(t, RolePrimary, h.Role)
		hdr := readHeader(t, p)
		require.Equal(t, frame.OpMetadata, hdr.Type)
		require.Equal(t, frame.SyncMode(RolePrimary), hdr.Mode)
		if i < len(bases)-1 {
			require.GreaterOrEqual(t, sc.size, int64(limit), "segment %d was cut before reaching the limit", b)
			require.Greater(t, h.Last, h.Base, "segment %d is empty", b)
		}
		prevLast = h.Last
		got = append(got, h.Groups...)
	}
	require.Equal(t, last, prevLast)
	want := groupsOf(t, src.log, 1)
	require.Equal(t, want, got, "the segments do not hold exactly the logged groups")

	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.False(t, rec.HasSnapshot)
	require.NotNil(t, rec.History)
	require.Equal(t, uint64(0), rec.History.Base)
	require.Equal(t, last, rec.History.Last)
	require.Equal(t, "rot-id", rec.History.ReplID)
	require.Equal(t, want, rec.History.Groups)
	require.Equal(t, bases, segmentBases(rec.Segments))
	require.Equal(t, src.eng.Digest(), applyHistory(rec.History))
}

// TestSegmentLimitAtRunTime: no cut without a limit; SetSegmentLimit starts
// cutting at the next group end.
func TestSegmentLimitAtRunTime(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "rid", 0)
	for i := range 30 {
		src.set(fmt.Sprint("k", i), "some value that takes room")
	}
	src.flushed(t)
	require.Equal(t, []uint64{0}, dirSegments(t, dir))
	src.aof.SetSegmentLimit(1) // the segment is over it: cut at the next group end
	s1 := src.mset("g", 4)
	s2 := src.set("after", "cut")
	src.flushed(t)
	require.Equal(t, []uint64{0, s1, s2}, dirSegments(t, dir), "every group passes a 1-byte limit")
	require.Equal(t, []uint64{0, s1, s2}, segmentBases(src.aof.Segments()))
}

func TestAOFCutDeduplicates(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	a := src.aof
	src.set("a", "1")
	src.set("b", "2")
	s := src.set("c", "3")

	a.Cut(s, "A", RolePrimary)
	a.Cut(s, "A", RolePrimary) // queued, same history: nothing more
	a.mu.Lock()
	require.Len(t, a.cuts, 1, "two cuts at the same sequence for the same history")
	a.mu.Unlock()
	require.NoError(t, a.WaitSegment(s))
	a.Cut(s, "A", RolePrimary) // the segment exists already
	a.mu.Lock()
	require.Empty(t, a.cuts)
	a.mu.Unlock()

	a.Cut(s-1, "A", RolePrimary) // not the end of the log: ignored
	s2 := src.set("d", "4")
	src.flushed(t)
	require.Equal(t, []uint64{0, s}, dirSegments(t, dir))
	require.Equal(t, []uint64{0, s}, segmentBases(a.Segments()))
	sc := scanFile(t, SegmentPath(dir, s))
	require.Equal(t, s2, sc.history.Last)
	require.Equal(t, s, sc.history.Base)
	require.NoError(t, a.Close())

	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, groupsOf(t, src.log, 1), rec.History.Groups)
}

// TestAOFCutNewHistorySameSequence: a cut of another history where a
// segment (still empty) starts gives that segment a new header instead of
// a second segment at the same base.
func TestAOFCutNewHistorySameSequence(t *testing.T) {
	for _, flushBetween := range []bool{true, false} {
		t.Run(fmt.Sprint("flush between cuts ", flushBetween), func(t *testing.T) {
			dir := t.TempDir()
			src := newPersistSource(t, dir, "A", 0)
			a := src.aof
			src.set("a", "1")
			s := src.set("b", "2")
			a.Cut(s, "A", RolePrimary) // a snapshot at s
			if flushBetween {
				require.NoError(t, a.WaitSegment(s))
				require.Equal(t, "A", string(readHeader(t, SegmentPath(dir, s)).ReplID))
			}
			require.True(t, a.Continue(s, "B", RoleReplica)) // became a secondary of history B at s
			s2 := src.set("c", "3")
			src.flushed(t)

			require.Equal(t, []uint64{0, s}, dirSegments(t, dir))
			require.Equal(t, []Segment{
				{Base: 0, Path: SegmentPath(dir, 0), ReplID: "A", Role: RolePrimary},
				{Base: s, Path: SegmentPath(dir, s), ReplID: "B", Role: RoleReplica},
			}, a.Segments())
			hdr := readHeader(t, SegmentPath(dir, s))
			require.Equal(t, "B", string(hdr.ReplID))
			require.Equal(t, frame.SyncMode(RoleReplica), hdr.Mode)
			require.Equal(t, s, hdr.Sequence)
			require.Equal(t, fileSize(t, SegmentPath(dir, 0))+fileSize(t, SegmentPath(dir, s)), a.LogBytes())
			require.NoError(t, a.Close())

			rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
			require.NoError(t, err)
			require.Equal(t, "B", rec.History.ReplID)
			require.Equal(t, RoleReplica, rec.History.Role)
			require.Equal(t, s2, rec.History.Last)
			require.Equal(t, groupsOf(t, src.log, 1), rec.History.Groups)
			require.Equal(t, a.Segments(), rec.Segments)
		})
	}
}

func TestAOFContinue(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	a := src.aof
	src.set("a", "1")
	s := src.set("b", "2")

	require.False(t, a.Continue(s-1, "A", RolePrimary), "the log does not end at %d", s-1)
	require.False(t, a.Continue(s+1, "A", RolePrimary), "the log does not end at %d", s+1)
	require.False(t, a.Continue(s+1, "B", RolePrimary))
	require.True(t, a.Continue(s, "A", RolePrimary))
	src.flushed(t)
	require.Equal(t, []uint64{0}, dirSegments(t, dir), "continuing the same history cuts nothing")

	require.True(t, a.Continue(s, "B", RolePrimary))
	s2 := src.set("c", "3")
	src.flushed(t)
	require.Equal(t, []Segment{
		{Base: 0, Path: SegmentPath(dir, 0), ReplID: "A", Role: RolePrimary},
		{Base: s, Path: SegmentPath(dir, s), ReplID: "B", Role: RolePrimary},
	}, a.Segments())
	require.True(t, a.Continue(s2, "B", RoleReplica), "a role change cuts too")
	s3 := src.set("d", "4")
	src.flushed(t)
	require.Equal(t, []uint64{0, s, s2}, dirSegments(t, dir))
	require.Equal(t, Segment{Base: s2, Path: SegmentPath(dir, s2), ReplID: "B", Role: RoleReplica}, a.Segments()[2])
	require.NoError(t, a.Close())

	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, s3, rec.History.Last)
	require.Equal(t, RoleReplica, rec.History.Role)
	require.Equal(t, groupsOf(t, src.log, 1), rec.History.Groups)
}

func TestAOFReset(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 1) // every group its own segment
	for i := range 5 {
		src.set(fmt.Sprint("k", i), "v")
	}
	src.flushed(t)
	src.set("buffered", "dropped") // not flushed: Reset drops it
	require.Greater(t, len(dirSegments(t, dir)), 3)

	// A write error of the old files (a full disk, say) is over once the
	// log starts again.
	a0 := src.aof
	a0.mu.Lock()
	a0.err = fmt.Errorf("no space left on device")
	a0.mu.Unlock()

	const base = 100
	snapItems := []engine.Item{{DB: 2, Key: "from-primary", Value: []byte("snapshot")}}
	ran := false
	a := src.aof
	err := a.Reset(base, "C", RoleReplica, func() error {
		ran = true
		require.Empty(t, dirSegments(t, dir), "before runs once the old segments are deleted")
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "C", Seq: base, Dataset: engine.DigestOf(snapItems)}, snapItems, nil)
		return err
	})
	require.NoError(t, err)
	require.True(t, ran)
	require.Equal(t, []uint64{base}, dirSegments(t, dir))
	require.Equal(t, []Segment{{Base: base, Path: SegmentPath(dir, base), ReplID: "C", Role: RoleReplica}}, a.Segments())
	hdr := readHeader(t, SegmentPath(dir, base))
	require.Equal(t, uint64(base), hdr.Sequence)
	require.Equal(t, "C", string(hdr.ReplID))
	require.Equal(t, frame.SyncMode(RoleReplica), hdr.Mode)
	safe, _ := a.Safe()
	require.Equal(t, uint64(base), safe)
	require.NoError(t, waitWithin(t, 2*time.Second, func() error { return a.WaitDurable(base) }))
	require.NoError(t, a.WriteError())
	require.Equal(t, fileSize(t, SegmentPath(dir, base)), a.LogBytes())

	// The secondary goes on from base+1.
	src2 := persistOn(dir, a, base+1)
	src2.set("x", "1")
	src2.mset("g", 2)
	require.NoError(t, a.WaitDurable(src2.log.Last()))
	require.NoError(t, a.Close())

	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.True(t, rec.HasSnapshot)
	require.Equal(t, uint64(base), rec.SnapshotSeq)
	require.Equal(t, "C", rec.History.ReplID)
	require.Equal(t, RoleReplica, rec.History.Role)
	require.Equal(t, uint64(base), rec.History.Base)
	require.Equal(t, src2.log.Last(), rec.History.Last)
	require.Equal(t, snapItems, rec.History.Snapshot)
	require.Equal(t, groupsOf(t, src2.log, base+1), rec.History.Groups)
}

// TestAOFResetFails: when before fails, Reset reports it and refuses
// writes, and the log it leaves names the segment it created.
func TestAOFResetFails(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	src.set("a", "1")
	src.flushed(t)
	boom := fmt.Errorf("disk full")
	err := src.aof.Reset(50, "C", RoleReplica, func() error { return boom })
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, src.aof.WriteError(), boom)
	for _, s := range src.aof.Segments() {
		require.NotEmpty(t, s.Path, "a segment without a file: %+v", s)
		_, serr := os.Stat(s.Path)
		require.NoError(t, serr, "Segments() lists %+v, which is not on disk", s)
	}
	src2 := persistOn(dir, src.aof, 51)
	src2.set("b", "2")
	require.ErrorIs(t, src.aof.WaitWritten(51), boom, "writes stay refused")
}

func TestAOFDropBefore(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	a := src.aof
	var bases []uint64
	bases = append(bases, 0)
	for i := range 4 {
		src.set(fmt.Sprint("k", i), "v")
		s := src.mset(fmt.Sprint("g", i), 2)
		if i < 3 {
			a.Cut(s, "A", RolePrimary)
			bases = append(bases, s)
		}
	}
	src.flushed(t)
	require.Equal(t, bases, dirSegments(t, dir)) // 0, 3, 6, 9; 9 is current
	sizes := func() int64 {
		var n int64
		for _, b := range dirSegments(t, dir) {
			n += fileSize(t, SegmentPath(dir, b))
		}
		return n
	}
	require.Equal(t, sizes(), a.LogBytes())

	n, err := a.DropBefore(bases[1]) // segment 0 ends at bases[1]
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, bases[1:], dirSegments(t, dir))
	require.Equal(t, sizes(), a.LogBytes())

	n, err = a.DropBefore(bases[2] + 1) // inside segment bases[2]: it stays
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, bases[2:], dirSegments(t, dir))

	n, err = a.DropBefore(1 << 40) // never the current segment
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, bases[3:], dirSegments(t, dir))
	require.Equal(t, bases[3:], segmentBases(a.Segments()))
	n, err = a.DropBefore(1 << 40)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Equal(t, sizes(), a.LogBytes())

	// The current segment still takes writes.
	s := src.set("after", "drop")
	src.flushed(t)
	require.Equal(t, s, scanFile(t, SegmentPath(dir, bases[3])).history.Last)
}

// TestAOFOpenNewHistoryAtSegmentBase: a node restarted with a new history
// (a former secondary starting as a primary) whose last segment starts at
// the sequence it resumes from, with nothing after its header. OpenAOF
// rewrites that segment for the new history; it must list it once, or a
// snapshot at that sequence deletes the segment being written.
func TestAOFOpenNewHistoryAtSegmentBase(t *testing.T) {
	dir := t.TempDir()
	const base = 40
	old := openDirAOF(t, dir, nil, "primary-history", RoleReplica, base, 0)
	require.NoError(t, old.Close())
	_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "primary-history", Seq: base, Dataset: engine.DigestOf([]engine.Item{{Key: "k", Value: []byte("v")}})}, []engine.Item{{Key: "k", Value: []byte("v")}}, nil)
	require.NoError(t, err)

	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, RoleReplica, rec.History.Role)
	require.Equal(t, uint64(base), rec.History.Last)

	a := openDirAOF(t, dir, rec.Segments, "own-history", RolePrimary, base, 0)
	require.Equal(t, []Segment{{Base: base, Path: SegmentPath(dir, base), ReplID: "own-history", Role: RolePrimary}}, a.Segments())
	require.Equal(t, fileSize(t, SegmentPath(dir, base)), a.LogBytes())

	// SAVE before any write, as Node.Save does it.
	require.True(t, a.Continue(base, "own-history", RolePrimary))
	a.Cut(base, "own-history", RolePrimary)
	require.NoError(t, a.WaitSegment(base))
	n, err := a.DropBefore(base)
	require.NoError(t, err)
	require.Zero(t, n)
	require.FileExists(t, SegmentPath(dir, base), "the snapshot deleted the segment being written")

	src := persistOn(dir, a, base+1)
	src.set("x", "1")
	require.NoError(t, a.WaitDurable(src.log.Last()))
	require.NoError(t, a.Close())
	rec, err = Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, "own-history", rec.History.ReplID)
	require.Equal(t, src.log.Last(), rec.History.Last)
	require.Equal(t, groupsOf(t, src.log, base+1), rec.History.Groups)
}

// TestAOFWaitSegmentWithoutCut: waiting for a segment no cut will create
// (the cut was dropped by a Reset, or never made) returns an error instead
// of flushing forever.
func TestAOFWaitSegmentWithoutCut(t *testing.T) {
	for _, tc := range []string{"dropped by reset", "never cut"} {
		t.Run(tc, func(t *testing.T) {
			dir := t.TempDir()
			src := newPersistSource(t, dir, "A", 0)
			a := src.aof
			s := src.set("a", "1")
			if tc == "dropped by reset" {
				a.Cut(s, "A", RolePrimary)
				require.NoError(t, a.Reset(1000, "B", RoleReplica, nil))
			}
			done := make(chan error, 1)
			go func() { done <- a.WaitSegment(s) }()
			select {
			case err := <-done:
				require.Error(t, err)
			case <-time.After(3 * time.Second):
				_ = a.Close() // unblocks the waiter
				<-done
				t.Fatalf("WaitSegment(%d) without a cut to wait for still blocked after 3s", s)
			}
			require.NoError(t, a.Close())
		})
	}
}

// TestAOFCutCreateFails: the new segment of a cut cannot be created (its
// directory is missing). The old segment gets exactly what came before the
// cut; once the directory can be written, the cut is made and what follows
// goes to the new segment, nothing lost or duplicated.
func TestAOFCutCreateFails(t *testing.T) {
	dir := t.TempDir()
	var broken atomic.Bool
	a, err := OpenAOF(AOFOptions{NameFor: func(b uint64) string {
		if broken.Load() {
			return filepath.Join(dir, "missing", segmentName(b))
		}
		return SegmentPath(dir, b)
	}, ReplID: "A", Role: RolePrimary, Policy: FsyncAlways, Logger: aofLogger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	src := persistOn(dir, a, 1)
	src.set("a", "1")
	src.flushed(t)

	broken.Store(true)
	cutAt := src.set("b", "2")
	a.Cut(cutAt, "A", RolePrimary)
	src.mset("g", 3)
	err = a.WaitDurable(src.log.Last())
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorIs(t, a.WriteError(), os.ErrNotExist)
	sc := scanFile(t, SegmentPath(dir, 0))
	require.Equal(t, cutAt, sc.history.Last, "the old segment holds everything before the cut")
	src.set("while-broken", "x")
	safe, _ := a.Safe()
	require.Less(t, safe, cutAt+1, "what is not in a file is not safe to send")

	broken.Store(false)
	require.Eventually(t, func() bool {
		a.Kick()
		return a.WriteError() == nil
	}, 5*time.Second, 10*time.Millisecond, "the background writer does not retry the cut")
	require.NoError(t, a.WaitDurable(src.log.Last()))
	require.Equal(t, []uint64{0, cutAt}, dirSegments(t, dir))
	require.NoError(t, a.Close())

	require.Equal(t, cutAt, scanFile(t, SegmentPath(dir, 0)).history.Last)
	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, src.log.Last(), rec.History.Last)
	require.Equal(t, groupsOf(t, src.log, 1), rec.History.Groups)
	require.Equal(t, src.eng.Digest(), applyHistory(rec.History))
}

// TestAOFWriteErrorAcrossCut: writes fail (the file was closed under the
// log) with a cut queued; once the file can be written again, the bytes
// before the cut reach the old segment and the rest the new one, once.
func TestAOFWriteErrorAcrossCut(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	a := src.aof
	src.set("a", "1")
	src.flushed(t)

	a.mu.Lock()
	require.False(t, a.flushing)
	require.NoError(t, a.f.Close())
	a.mu.Unlock()
	src.set("b", "2")
	cutAt := src.mset("g", 2)
	a.Cut(cutAt, "A", RolePrimary)
	src.set("c", "3")
	require.ErrorIs(t, a.WaitWritten(src.log.Last()), os.ErrClosed)
	src.mset("h", 3) // added while failing
	require.Equal(t, uint64(1), scanFile(t, SegmentPath(dir, 0)).history.Last)

	// Repair: the file is open again.
	a.mu.Lock()
	for a.flushing {
		a.waitChangeLocked()
	}
	f, err := os.OpenFile(SegmentPath(dir, 0), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	a.f = f
	a.mu.Unlock()
	require.Eventually(t, func() bool {
		a.Kick()
		return a.WriteError() == nil
	}, 5*time.Second, 10*time.Millisecond, "the background writer does not retry")
	src.set("d", "4")
	src.flushed(t)
	require.NoError(t, a.Close())

	require.Equal(t, []uint64{0, cutAt}, dirSegments(t, dir))
	require.Equal(t, cutAt, scanFile(t, SegmentPath(dir, 0)).history.Last)
	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Equal(t, src.log.Last(), rec.History.Last)
	require.Equal(t, groupsOf(t, src.log, 1), rec.History.Groups)
	require.Equal(t, src.eng.Digest(), applyHistory(rec.History))
}

// TestAOFResetCrashAtEveryStep stops a Reset after each of its file
// operations, as a kill -9 would, and loads what is left: the directory
// always loads, to the old state or to the new one, never to nothing or to
// a mix. The new snapshot is at a lower sequence than the old one (a full
// resync from another history) and at a higher one.
func TestAOFResetCrashAtEveryStep(t *testing.T) {
	for _, base := range []uint64{3, 100} {
		t.Run(fmt.Sprint("new snapshot at ", base), func(t *testing.T) {
			newItems := []engine.Item{{DB: 1, Key: "from-new-primary", Value: []byte("v")}}
			newEng := engine.New(engine.Options{Databases: aofDBs})
			newEng.Replace(newItems, nil)
			// build writes the old state, a snapshot then three groups, and
			// returns its dataset's digest after each of them, by sequence.
			build := func(t *testing.T) (*persistSource, map[uint64]engine.Digest) {
				dir := t.TempDir()
				src := newPersistSource(t, dir, "A", 1) // every group its own segment
				for i := range 5 {
					src.set(fmt.Sprint("k", i), "v")
				}
				old := map[uint64]engine.Digest{src.saveAt(t, "A", true): src.eng.Digest()}
				old[src.mset("m", 3)] = src.eng.Digest()
				old[src.set("k1", "changed")] = src.eng.Digest()
				old[src.set("k9", "new")] = src.eng.Digest()
				src.flushed(t)
				return src, old
			}
			reset := func(src *persistSource) error {
				return src.aof.Reset(base, "C", RoleReplica, func() error {
					_, err := WriteSnapshot(src.dir, SnapshotHeader{ReplID: "C", Seq: base, Dataset: engine.DigestOf(newItems)}, newItems, nil)
					return err
				})
			}
			// Count the steps of a whole Reset.
			steps := 0
			src, _ := build(t)
			src.aof.afterStep = func() error { steps++; return nil }
			require.NoError(t, reset(src))
			require.Greater(t, steps, 3)

			crash := errors.New("crash")
			for stop := 0; stop <= steps; stop++ {
				src, old := build(t)
				n := 0
				src.aof.afterStep = func() error {
					if n == stop {
						return crash
					}
					n++
					return nil
				}
				err := reset(src)
				if stop < steps {
					require.ErrorIs(t, err, crash)
				}
				require.NoError(t, src.aof.Close())
				rec, err := Recover(src.dir, aofDBs, true, aofLogger(), nil)
				require.NoError(t, err, "crash after step %d of %d: the directory does not load", stop, steps)
				require.NotNil(t, rec.History, "crash after step %d: nothing loads", stop)
				got := recoveredDigest(rec.History)
				if got != newEng.Digest() {
					// The old history, whole or cut back to a group's end
					// (its newest segments were deleted first).
					require.Equal(t, "A", rec.History.ReplID, "crash after step %d of %d", stop, steps)
					require.Equal(t, old[rec.History.Last], got,
						"crash after step %d of %d: neither the new dataset nor the old one at %d", stop, steps, rec.History.Last)
				}
				if stop >= steps-1 {
					require.Equal(t, newEng.Digest(), got, "once the old snapshots are gone, the new one loads")
				}
			}
		})
	}
}
