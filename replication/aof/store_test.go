package aof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// Tests of the data directory (store.go): snapshots and Recover.

// handFrame encodes op.
func handFrame(t testing.TB, op *frame.Op) []byte {
	t.Helper()
	var enc frame.Encoder
	b, err := enc.AppendFrame(nil, op)
	require.NoError(t, err)
	return b
}

// handEffect is the effect of the SET at seq in a hand-made segment.
func handEffect(seq uint64) engine.Effect {
	return engine.Effect{Kind: engine.EffectSet, Key: fmt.Sprint("k", seq), Value: []byte(fmt.Sprint("v", seq))}
}

// handSegment returns a segment of history replID starting after base,
// holding groups of the given sizes of SETs of k<seq> to v<seq> in
// database 0, and those groups.
func handSegment(t testing.TB, base uint64, replID string, sizes ...int) ([]byte, [][]engine.Effect) {
	t.Helper()
	b := handFrame(t, &frame.Op{Type: frame.OpMetadata, Sequence: base, Timestamp: 1, ReplID: []byte(replID), Mode: RolePrimary,
		Has: frame.FieldReplID | frame.FieldMode})
	var groups [][]engine.Effect
	seq := base
	for _, n := range sizes {
		var g []engine.Effect
		for range n {
			seq++
			op := &frame.Op{Type: frame.OpSet, Sequence: seq, Timestamp: 1, Key: []byte(fmt.Sprint("k", seq)),
				Value: []byte(fmt.Sprint("v", seq)), DB: []byte("0"), Has: frame.FieldKey | frame.FieldValue | frame.FieldDB}
			if n > 1 {
				op.Group, op.Has = n, op.Has|frame.FieldGroup
			}
			b = append(b, handFrame(t, op)...)
			g = append(g, handEffect(seq))
		}
		groups = append(groups, g)
	}
	return b, groups
}

// putSegment writes a hand-made segment into dir and returns its path and
// groups.
func putSegment(t *testing.T, dir string, base uint64, replID string, sizes ...int) (string, [][]engine.Effect) {
	t.Helper()
	b, groups := handSegment(t, base, replID, sizes...)
	return writeFile(t, dir, segmentName(base), b), groups
}

// snapshotItems is a dataset with binary keys and values, expiries and
// several databases.
func snapshotItems() []engine.Item {
	later := time.Now().Add(time.Hour).UnixMilli()
	return []engine.Item{
		{DB: 0, Key: "plain", Value: []byte("value")},
		{DB: 0, Key: "ttl", Value: []byte("expires"), ExpireAt: later},
		{DB: 1, Key: "\xff\x00bin\x80key", Value: []byte{0, 1, 2, 0xfe, 0xff, '"', '\\', '\n'}},
		{DB: 1, Key: "empty", Value: []byte{}},
		{DB: 5, Key: "", Value: []byte("empty key")},
		{DB: 15, Key: "m\xc3\x28", Value: []byte("\xc3\x28"), ExpireAt: later + 1},
		{DB: 7, Key: "surrogate-like \xed\xa0\x80", Value: bytes.Repeat([]byte{0x80}, 300)},
		{DB: 3, Key: "past", Value: []byte("expired, not yet deleted"), ExpireAt: 1},
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	for name, items := range map[string][]engine.Item{
		"binary keys, expiries, several databases": snapshotItems(),
		"empty dataset": nil,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			size, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "snap-id", Seq: 77, Dataset: engine.DigestOf(items)}, items, nil)
			require.NoError(t, err)
			p := SnapshotPath(dir, 77)
			require.Equal(t, fileSize(t, p), size)
			require.NoFileExists(t, p+".tmp")
			var calls int
			snap, err := ReadSnapshot(p, aofDBs, func(int64) { calls++ })
			require.NoError(t, err)
			require.Positive(t, calls)
			require.Equal(t, "snap-id", snap.ReplID)
			require.Equal(t, uint64(77), snap.Seq)
			require.Len(t, snap.Items, len(items))
			if len(items) > 0 {
				require.Equal(t, items, snap.Items)
			}
			files, err := ListDir(dir)
			require.NoError(t, err)
			require.Equal(t, []uint64{77}, files.Snapshots)

			rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
			require.NoError(t, err)
			require.True(t, rec.HasSnapshot)
			require.Equal(t, uint64(77), rec.SnapshotSeq)
			require.Equal(t, size, rec.SnapshotBytes)
			require.Equal(t, uint64(77), rec.History.Base)
			require.Equal(t, uint64(77), rec.History.Last)
			require.Empty(t, rec.History.Groups)
			require.Empty(t, rec.Segments)
			require.Len(t, rec.History.Snapshot, len(items))
		})
	}

	t.Run("engine dataset", func(t *testing.T) {
		src, items := workloadItems(t, 5000)
		dir := t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 9, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		snap, err := ReadSnapshot(SnapshotPath(dir, 9), aofDBs, nil)
		require.NoError(t, err)
		dst := engine.New(engine.Options{Databases: aofDBs})
		dst.Replace(snap.Items, nil)
		require.Equal(t, src.Digest(), dst.Digest())
	})

	t.Run("aborted", func(t *testing.T) {
		dir := t.TempDir()
		stop := make(chan struct{})
		close(stop)
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 3, Dataset: engine.DigestOf(snapshotItems())}, snapshotItems(), stop)
		require.ErrorIs(t, err, ErrSnapshotAborted)
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Empty(t, ents, "an aborted snapshot leaves no file")
	})
}

// workloadItems returns an engine holding writeWorkload's keys of every
// type and n more strings, and a snapshot of its items, released when the
// test ends.
func workloadItems(t *testing.T, n int) (*engine.Engine, []engine.Item) {
	t.Helper()
	src := engine.New(engine.Options{Databases: aofDBs})
	writeWorkload(src)
	for i := range n {
		src.Set(i%aofDBs, fmt.Sprint("key-", i), []byte(fmt.Sprint("value-", i)), engine.SetOptions{})
	}
	items, release := src.Snapshot(nil)
	t.Cleanup(release)
	return src, items
}

// snapshotBytes returns a valid snapshot file's bytes.
func snapshotBytes(t testing.TB, seq uint64, items []engine.Item) []byte {
	t.Helper()
	dir := t.TempDir()
	_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: seq, Dataset: engine.DigestOf(items)}, items, nil)
	require.NoError(t, err)
	b, err := os.ReadFile(SnapshotPath(dir, seq))
	require.NoError(t, err)
	return b
}

func TestReadSnapshotRefusesDamage(t *testing.T) {
	// Every byte is damaged in turn: a small dataset keeps it fast.
	later := time.Now().Add(time.Hour).UnixMilli()
	good := snapshotBytes(t, 12, []engine.Item{
		{DB: 0, Key: "ttl", Value: []byte("expires"), ExpireAt: later},
		{DB: 1, Key: "\xff\x00", Value: []byte{0, 0xfe, '"'}},
		{DB: 15, Key: "e", Value: []byte{}},
	})
	dir := t.TempDir()
	p := filepath.Join(dir, "s.snap")
	refused := func(t *testing.T, b []byte, what string) {
		t.Helper()
		require.NoError(t, os.WriteFile(p, b, 0o644))
		snap, err := ReadSnapshot(p, aofDBs, nil)
		require.ErrorIs(t, err, ErrCorruptLog, what)
		require.Nil(t, snap, what)
		require.Contains(t, err.Error(), p, what)
	}
	require.NoError(t, os.WriteFile(p, good, 0o644))
	_, err := ReadSnapshot(p, aofDBs, nil)
	require.NoError(t, err)

	t.Run("truncated", func(t *testing.T) {
		for n := range len(good) {
			refused(t, good[:n], fmt.Sprintf("%d of %d bytes", n, len(good)))
		}
	})
	t.Run("bit flips", func(t *testing.T) {
		for i := range good {
			for _, mask := range []byte{0x01, 0x80} {
				c := bytes.Clone(good)
				c[i] ^= mask
				refused(t, c, fmt.Sprintf("byte %d mask %#x", i, mask))
			}
		}
	})
	t.Run("trailing data", func(t *testing.T) {
		refused(t, append(bytes.Clone(good), 0), "a zero byte after the end")
		refused(t, append(bytes.Clone(good), good[len(good)-60:]...), "a torn frame after the end")
		end := frameBounds(t, good)
		last := good[end[len(end)-2]:]
		refused(t, append(bytes.Clone(good), last...), "a second end marker")
	})

	hdr := func(seq uint64, mode string, count uint64, has frame.FieldMask) []byte {
		return handFrame(t, &frame.Op{Type: frame.OpMetadata, Sequence: seq, Timestamp: 1, ReplID: []byte("rid"), Mode: frame.SyncMode(mode),
			Count: count, Has: has})
	}
	set := func(seq uint64, key string) []byte {
		return handFrame(t, &frame.Op{Type: frame.OpSet, Sequence: seq, Timestamp: 1, Key: []byte(key), Value: []byte("v"),
			DB: []byte("0"), Has: frame.FieldKey | frame.FieldValue | frame.FieldDB})
	}
	end := func(seq, count uint64) []byte {
		return handFrame(t, &frame.Op{Type: frame.OpSnapshotEnd, Sequence: seq, Timestamp: 1, Count: count, Has: frame.FieldCount})
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	full := frame.FieldReplID | frame.FieldMode | frame.FieldCount

	t.Run("hand-made", func(t *testing.T) {
		require.NoError(t, os.WriteFile(p, cat(hdr(5, snapshotMode, 2, full), set(5, "a"), set(5, "b"), end(5, 2)), 0o644))
		snap, err := ReadSnapshot(p, aofDBs, nil)
		require.NoError(t, err, "the hand-made reference file must be valid")
		require.Len(t, snap.Items, 2)

		refused(t, nil, "empty file")
		refused(t, cat(hdr(5, snapshotMode, 2, full), set(5, "a"), set(5, "b")), "no end marker")
		refused(t, cat(hdr(5, snapshotMode, 3, full), set(5, "a"), set(5, "b"), end(5, 3)), "end count above the keys")
		refused(t, cat(hdr(5, snapshotMode, 1, full), set(5, "a"), set(5, "b"), end(5, 1)), "end count below the keys")
		refused(t, cat(hdr(5, snapshotMode, 3, full), set(5, "a"), set(5, "b"), end(5, 2)), "header count differs from the end's")
		refused(t, cat(hdr(5, snapshotMode, 2, full), set(5, "a"), set(6, "b"), end(5, 2)), "a key at another sequence")
		refused(t, cat(hdr(5, snapshotMode, 2, full), set(5, "a"), set(5, "b"), end(6, 2)), "end at another sequence")
		refused(t, cat(hdr(5, RolePrimary, 0, frame.FieldReplID|frame.FieldMode), set(6, "a")), "a log segment")
		refused(t, cat(hdr(5, snapshotMode, 0, frame.FieldMode), end(5, 0)), "header without a replication ID")
		refused(t, cat(set(5, "a"), end(5, 1)), "no header")
		refused(t, cat(hdr(5, snapshotMode, 1, full),
			handFrame(t, &frame.Op{Type: frame.OpSet, Sequence: 5, Timestamp: 1, Key: []byte("k"), Value: []byte("v"), DB: []byte("99"),
				Has: frame.FieldKey | frame.FieldValue | frame.FieldDB}), end(5, 1)), "database out of range")
		refused(t, cat(hdr(5, snapshotMode, 1, full),
			handFrame(t, &frame.Op{Type: frame.OpDelete, Sequence: 5, Timestamp: 1, Key: []byte("k"), DB: []byte("0"), Has: frame.FieldKey | frame.FieldDB}),
			end(5, 1)), "a DELETE in a snapshot")
	})

	// batch is a SNAPSHOT_BATCH frame at seq of string keys, claiming count.
	batch := func(seq, count uint64, keys ...string) []byte {
		var blob []byte
		for _, k := range keys {
			blob = frame.AppendBatchItem(blob, &engine.Item{DB: 2, Key: k, Value: []byte("bv")})
		}
		return handFrame(t, &frame.Op{Type: frame.OpSnapshotBatch, Sequence: seq, Timestamp: 1, Value: blob, ValueBase64: true, Count: count,
			Has: frame.FieldValue | frame.FieldCount})
	}
	t.Run("batches", func(t *testing.T) {
		require.NoError(t, os.WriteFile(p, cat(hdr(5, snapshotMode, 4, full), batch(5, 2, "a", "b"), set(5, "c"), batch(5, 1, "d"), end(5, 4)), 0o644))
		snap, err := ReadSnapshot(p, aofDBs, nil)
		require.NoError(t, err, "batches and frames of one key mix")
		require.Len(t, snap.Items, 4)
		require.Equal(t, engine.Item{DB: 2, Key: "d", Value: []byte("bv")}, snap.Items[3])

		refused(t, cat(hdr(5, snapshotMode, 2, full), batch(5, 3, "a", "b"), end(5, 2)), "a batch counting more keys than it holds")
		refused(t, cat(hdr(5, snapshotMode, 2, full), batch(5, 2, "a", "b"), end(5, 3)), "end count above the batch's keys")
		refused(t, cat(hdr(5, snapshotMode, 2, full), batch(6, 2, "a", "b"), end(5, 2)), "a batch at another sequence")
		refused(t, cat(hdr(5, snapshotMode, 2, full), set(5, "a"), set(5, "b"), end(5, 2), batch(5, 1, "c")), "a batch after the end marker")
		refused(t, cat(hdr(5, RolePrimary, 0, frame.FieldReplID|frame.FieldMode), batch(6, 1, "a")), "a batch in a log segment")
	})
}

// saveAt does what Node.Save does at the log's end: cut, write the
// snapshot, wait for the new segment; with drop, delete what it covers.
func (s *persistSource) saveAt(t *testing.T, replID string, drop bool) uint64 {
	t.Helper()
	var seq uint64
	var digest engine.Digest
	items, release := s.eng.Snapshot(func(d engine.Digest) {
		seq, digest = s.log.Last(), d
		require.True(t, s.aof.Continue(seq, replID, RolePrimary))
		s.aof.Cut(seq, replID, RolePrimary)
	})
	_, err := WriteSnapshot(s.dir, SnapshotHeader{ReplID: replID, Seq: seq, Dataset: digest}, items, nil)
	release()
	require.NoError(t, err)
	require.NoError(t, s.aof.WaitSegment(seq))
	if drop {
		_, err := s.aof.DropBefore(seq)
		require.NoError(t, err)
		RemoveOtherSnapshots(s.dir, seq)
	}
	return seq
}

// damage flips a byte in the middle of a file.
func damage(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	b[len(b)/2] ^= 0x04
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// recoveredDigest applies a recovered history (snapshot, then groups) to a
// fresh engine and returns its digest.
func recoveredDigest(h *History) engine.Digest {
	eng := engine.New(engine.Options{Databases: aofDBs})
	eng.Replace(h.Snapshot, nil)
	for _, g := range h.Groups {
		eng.Apply(g, nil)
	}
	return eng.Digest()
}

func TestRecoverDamagedSnapshot(t *testing.T) {
	// Two saves; the second crashed before deleting what the first one's
	// segments hold (drop false), so the log still reaches back to the
	// first snapshot.
	build := func(t *testing.T, dropSecond bool) (*persistSource, uint64, uint64) {
		dir := t.TempDir()
		src := newPersistSource(t, dir, "rid", 0)
		for i := range 5 {
			src.set(fmt.Sprint("a", i), "1")
		}
		s1 := src.saveAt(t, "rid", true)
		src.mset("m", 3)
		src.set("a1", "changed")
		src.eng.Del(0, []string{"a2"})
		s2 := src.saveAt(t, "rid", dropSecond)
		src.set("after", "both")
		src.flushed(t)
		require.NoError(t, src.aof.Close())
		return src, s1, s2
	}

	t.Run("older snapshot and the log cover it", func(t *testing.T) {
		src, s1, s2 := build(t, false)
		damage(t, SnapshotPath(src.dir, s2))
		logger, logs := captureLogger()
		rec, err := Recover(src.dir, aofDBs, true, logger, nil)
		require.NoError(t, err)
		require.Contains(t, logs.String(), "skipping a damaged snapshot")
		require.Contains(t, logs.String(), snapshotName(s2))
		require.True(t, rec.HasSnapshot)
		require.Equal(t, s1, rec.SnapshotSeq)
		require.Equal(t, s1, rec.History.Base)
		require.Equal(t, src.log.Last(), rec.History.Last)
		require.Equal(t, groupsOf(t, src.log, s1+1), rec.History.Groups)
		require.Equal(t, src.eng.Digest(), recoveredDigest(rec.History))
		require.Equal(t, []uint64{s1, s2}, segmentBases(rec.Segments))
	})

	t.Run("the log after the older snapshot is gone", func(t *testing.T) {
		src, _, s2 := build(t, true)
		require.Equal(t, []uint64{s2}, dirSegments(t, src.dir))
		// The first snapshot was deleted by the second save; put one back
		// as if the deletion had not happened.
		_, err := WriteSnapshot(src.dir, SnapshotHeader{ReplID: "rid", Seq: 2, Dataset: engine.DigestOf([]engine.Item{{Key: "old", Value: []byte("x")}})}, []engine.Item{{Key: "old", Value: []byte("x")}}, nil)
		require.NoError(t, err)
		damage(t, SnapshotPath(src.dir, s2))
		rec, err := Recover(src.dir, aofDBs, true, aofLogger(), nil)
		require.ErrorIs(t, err, ErrCorruptLog)
		require.Nil(t, rec)
		require.Contains(t, err.Error(), SegmentPath(src.dir, s2))
	})

	t.Run("the only snapshot is damaged", func(t *testing.T) {
		src, _, s2 := build(t, true)
		damage(t, SnapshotPath(src.dir, s2))
		_, err := Recover(src.dir, aofDBs, true, aofLogger(), nil)
		require.ErrorIs(t, err, ErrCorruptLog)
	})

	// Without a log (appendonly no, or its segments lost), an older
	// snapshot cannot stand in for a damaged newer one: loading it would
	// silently go back in time.
	for _, useLog := range []bool{true, false} {
		t.Run(fmt.Sprint("no log, useLog ", useLog), func(t *testing.T) {
			dir := t.TempDir()
			_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 10, Dataset: engine.DigestOf([]engine.Item{{Key: "old", Value: []byte("x")}})}, []engine.Item{{Key: "old", Value: []byte("x")}}, nil)
			require.NoError(t, err)
			_, err = WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 20, Dataset: engine.DigestOf([]engine.Item{{Key: "new", Value: []byte("y")}})}, []engine.Item{{Key: "new", Value: []byte("y")}}, nil)
			require.NoError(t, err)
			damage(t, SnapshotPath(dir, 20))
			rec, err := Recover(dir, aofDBs, useLog, aofLogger(), nil)
			require.ErrorIs(t, err, ErrCorruptLog, "the data up to 20 is lost, but the start went on from 10")
			require.Nil(t, rec)
			require.Contains(t, err.Error(), snapshotName(20))
		})
	}
}

func TestRecoverLog(t *testing.T) {
	items := []engine.Item{{DB: 1, Key: "snap", Value: []byte("shot")}}

	t.Run("log that does not continue the snapshot", func(t *testing.T) {
		// Every save cuts the log at its snapshot, so a snapshot that
		// falls inside a segment followed by others means the log is not
		// this snapshot's: refuse rather than replay it on top.
		dir := t.TempDir()
		p0, _ := putSegment(t, dir, 0, "rid", 1, 2) // 1..3: covered
		putSegment(t, dir, 3, "rid", 1, 1, 2, 1)    // 4..8: 4, 5 in the snapshot
		putSegment(t, dir, 8, "rid", 2)             // 9..10
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		gapRec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.ErrorIs(t, err, ErrCorruptLog)
		require.Nil(t, gapRec)
		require.Contains(t, err.Error(), SegmentPath(dir, 8))
		require.NoFileExists(t, p0, "a segment the snapshot covers is deleted")
	})

	t.Run("snapshot at a segment boundary", func(t *testing.T) {
		dir := t.TempDir()
		p0, _ := putSegment(t, dir, 0, "rid", 3)
		_, g3 := putSegment(t, dir, 3, "rid", 1)
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 3, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		require.Equal(t, g3, rec.History.Groups)
		require.Equal(t, uint64(4), rec.History.Last)
		require.NoFileExists(t, p0)
		require.Equal(t, []uint64{3}, segmentBases(rec.Segments))
	})

	t.Run("no snapshot", func(t *testing.T) {
		dir := t.TempDir()
		_, g0 := putSegment(t, dir, 0, "rid", 1, 3)
		_, g4 := putSegment(t, dir, 4, "rid2", 1)
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		require.False(t, rec.HasSnapshot)
		require.Nil(t, rec.History.Snapshot)
		require.Equal(t, uint64(0), rec.History.Base)
		require.Equal(t, uint64(5), rec.History.Last)
		require.Equal(t, "rid2", rec.History.ReplID, "the newest segment's history")
		require.Equal(t, append(g0, g4...), rec.History.Groups)
	})

	gap := func(t *testing.T, dir string, bad uint64, what string) {
		t.Helper()
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.ErrorIs(t, err, ErrCorruptLog, what)
		require.Nil(t, rec, what)
		require.Contains(t, err.Error(), SegmentPath(dir, bad), what)
	}
	t.Run("gaps", func(t *testing.T) {
		dir := t.TempDir()
		putSegment(t, dir, 0, "rid", 1, 1, 1)
		putSegment(t, dir, 5, "rid", 1)
		gap(t, dir, 5, "segment 5 after a segment ending at 3")

		dir = t.TempDir()
		putSegment(t, dir, 0, "rid", 1, 1, 1)
		putSegment(t, dir, 3, "rid", 2)
		putSegment(t, dir, 7, "rid", 1)
		gap(t, dir, 7, "segment 7 after a segment ending at 5")

		dir = t.TempDir()
		putSegment(t, dir, 2, "rid", 1)
		gap(t, dir, 2, "a first segment after 0 without a snapshot")

		dir = t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		putSegment(t, dir, 7, "rid", 1)
		gap(t, dir, 7, "segment 7 after a snapshot at 5")

		dir = t.TempDir()
		_, err = WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		putSegment(t, dir, 3, "rid", 1) // 4: ends before the snapshot
		putSegment(t, dir, 6, "rid", 1)
		gap(t, dir, 6, "segment 6 after a log ending at 5")

		dir = t.TempDir()
		b, _ := handSegment(t, 2, "rid", 1) // says 2, named 3
		writeFile(t, dir, segmentName(0), mustSegment(t, 0, 3))
		writeFile(t, dir, segmentName(3), b)
		gap(t, dir, 3, "a header that disagrees with the name")
	})

	t.Run("torn tail of the last segment", func(t *testing.T) {
		dir := t.TempDir()
		putSegment(t, dir, 0, "rid", 1, 1)
		b, g2 := handSegment(t, 2, "rid", 1, 2, 3)
		bounds := frameBounds(t, b)
		lastGroup := bounds[len(bounds)-4] // start of the 3-frame group
		for _, n := range []int{len(b) - 1, bounds[len(bounds)-2] + 3, bounds[len(bounds)-3], lastGroup + 1} {
			p := writeFile(t, dir, segmentName(2), b[:n])
			logger, logs := captureLogger()
			rec, err := Recover(dir, aofDBs, true, logger, nil)
			require.NoError(t, err, "length %d", n)
			require.Equal(t, uint64(5), rec.History.Last, "length %d", n)
			require.Equal(t, g2[:2], rec.History.Groups[2:], "length %d", n)
			require.Equal(t, int64(lastGroup), fileSize(t, p), "length %d: not cut back to the last whole group", n)
			require.Contains(t, logs.String(), "incomplete write", "length %d", n)
			require.Contains(t, logs.String(), fmt.Sprintf("bytes_dropped=%d", n-lastGroup), "length %d", n)
		}
	})

	t.Run("torn header of the last segment", func(t *testing.T) {
		dir := t.TempDir()
		_, g0 := putSegment(t, dir, 0, "rid", 1, 1)
		b, _ := handSegment(t, 2, "rid")
		p := writeFile(t, dir, segmentName(2), b[:len(b)-5])
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		require.Equal(t, g0, rec.History.Groups)
		require.Equal(t, uint64(2), rec.History.Last)
		require.Zero(t, fileSize(t, p))
		require.Equal(t, []Segment{
			{Base: 0, Path: SegmentPath(dir, 0), ReplID: "rid", Role: RolePrimary},
			{Base: 2, Path: p, ReplID: "rid", Role: RolePrimary},
		}, rec.Segments)
	})

	t.Run("damage in a segment that is not the last", func(t *testing.T) {
		b, _ := handSegment(t, 0, "rid", 1, 3, 1)
		bounds := frameBounds(t, b)
		for _, tc := range []struct {
			what string
			file []byte
		}{
			{"torn last frame", b[:len(b)-2]},
			{"incomplete group", b[:bounds[4]]}, // header, 1, two of three
			{"bit flip", func() []byte { c := bytes.Clone(b); c[bounds[2]+20] ^= 1; return c }()},
		} {
			dir := t.TempDir()
			p := writeFile(t, dir, segmentName(0), tc.file)
			putSegment(t, dir, 5, "rid", 1)
			rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
			require.ErrorIs(t, err, ErrCorruptLog, tc.what)
			require.Nil(t, rec, tc.what)
			require.Contains(t, err.Error(), p, tc.what)
			require.Contains(t, err.Error(), "offset", tc.what)
			got, rerr := os.ReadFile(p)
			require.NoError(t, rerr)
			require.Equal(t, tc.file, got, "%s: a refused start changed the file", tc.what)
		}
	})

	t.Run("bit flip inside the last segment", func(t *testing.T) {
		dir := t.TempDir()
		b, _ := handSegment(t, 0, "rid", 1, 1, 1)
		bounds := frameBounds(t, b)
		b[bounds[1]+10] ^= 1
		p := writeFile(t, dir, segmentName(0), b)
		_, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.ErrorIs(t, err, ErrCorruptLog)
		require.Contains(t, err.Error(), fmt.Sprintf("%s at offset %d", p, bounds[1]))
	})

	t.Run("stale segment older than the snapshot", func(t *testing.T) {
		dir := t.TempDir()
		p, _ := putSegment(t, dir, 0, "other", 1, 1, 1)
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 10, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		logger, logs := captureLogger()
		rec, err := Recover(dir, aofDBs, true, logger, nil)
		require.NoError(t, err)
		require.Contains(t, logs.String(), "older than the snapshot")
		require.Equal(t, "rid", rec.History.ReplID)
		require.Equal(t, uint64(10), rec.History.Base)
		require.Equal(t, uint64(10), rec.History.Last)
		require.Empty(t, rec.History.Groups)
		require.Empty(t, rec.Segments)
		require.Equal(t, items, rec.History.Snapshot)
		require.NoFileExists(t, p)
		require.FileExists(t, p+".stale", "set aside, not deleted")
		files, err := ListDir(dir)
		require.NoError(t, err)
		require.Empty(t, files.Segments, "a set-aside segment is no segment")
	})

	t.Run("temporary files", func(t *testing.T) {
		dir := t.TempDir()
		_, g0 := putSegment(t, dir, 0, "rid", 1)
		tmps := []string{snapshotName(9) + ".tmp", segmentName(9) + ".tmp"}
		for _, n := range tmps {
			writeFile(t, dir, n, []byte("partial"))
		}
		others := []string{"notes.txt", "nadb-12.aof", "nadb-00000000000000000001.bak", "nadb-0000000000000000000x.aof"}
		for _, n := range others {
			writeFile(t, dir, n, []byte("x"))
		}
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		require.Equal(t, g0, rec.History.Groups)
		for _, n := range tmps {
			require.NoFileExists(t, filepath.Join(dir, n))
		}
		for _, n := range others {
			require.FileExists(t, filepath.Join(dir, n), "a file that is not ours was touched")
		}
	})

	t.Run("appendonly off", func(t *testing.T) {
		dir := t.TempDir()
		p3, _ := putSegment(t, dir, 3, "rid", 1, 1, 1)
		p0, _ := putSegment(t, dir, 0, "rid", 3)
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		logger, logs := captureLogger()
		rec, err := Recover(dir, aofDBs, false, logger, nil)
		require.NoError(t, err)
		require.Contains(t, logs.String(), "appendonly is off")
		require.Equal(t, uint64(5), rec.History.Last)
		require.Empty(t, rec.History.Groups)
		require.Empty(t, rec.Segments)
		require.Equal(t, items, rec.History.Snapshot)
		require.FileExists(t, p0)
		require.FileExists(t, p3)

		dir = t.TempDir()
		putSegment(t, dir, 0, "rid", 3)
		rec, err = Recover(dir, aofDBs, false, aofLogger(), nil)
		require.NoError(t, err)
		require.Nil(t, rec.History)
	})

	t.Run("empty directory", func(t *testing.T) {
		for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
			rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
			require.NoError(t, err)
			require.Nil(t, rec.History)
			require.Empty(t, rec.Segments)
			require.False(t, rec.HasSnapshot)
		}
	})

	// A crash between creating the first segment and writing its header
	// leaves an empty file: the directory holds nothing yet.
	t.Run("only an empty segment", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, segmentName(0), nil)
		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		if rec.History != nil {
			require.NotEmpty(t, rec.History.ReplID, "a history without a replication ID")
		}
	})
}

// mustSegment returns a segment of single SETs after base up to last.
func mustSegment(t *testing.T, base, last uint64) []byte {
	t.Helper()
	sizes := make([]int, last-base)
	for i := range sizes {
		sizes[i] = 1
	}
	b, _ := handSegment(t, base, "rid", sizes...)
	return b
}

// TestRecoverAfterSaves runs the save cycle several times with size
// rotation in between and checks that every start gives back the dataset.
func TestRecoverAfterSaves(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "rid", 300)
	for round := range 4 {
		for i := range 20 {
			if i%6 == 0 {
				src.mset(fmt.Sprint("r", round, "m", i), 3)
			} else {
				src.set(fmt.Sprint("k", i), fmt.Sprint("round ", round))
			}
		}
		s := src.saveAt(t, "rid", true)
		files, err := ListDir(dir)
		require.NoError(t, err)
		require.Equal(t, []uint64{s}, files.Snapshots)
		require.Equal(t, s, files.Segments[0], "round %d: segments the snapshot covers are left", round)
		src.set("after", fmt.Sprint(round))
		src.flushed(t)

		rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
		require.NoError(t, err)
		require.Equal(t, s, rec.History.Base)
		require.Equal(t, src.log.Last(), rec.History.Last)
		require.Equal(t, src.eng.Digest(), recoveredDigest(rec.History), "round %d", round)
	}
}

func FuzzReadSnapshot(f *testing.F) {
	good := snapshotBytes(f, 31, snapshotItems())
	f.Add(good)
	f.Add(snapshotBytes(f, 0, nil))
	f.Add([]byte{})
	for _, n := range []int{4, 30, len(good) / 2, len(good) - 1} {
		f.Add(bytes.Clone(good[:n]))
	}
	for _, i := range []int{2, 40, len(good) / 2, len(good) - 10} {
		c := bytes.Clone(good)
		c[i] ^= 0x08
		f.Add(c)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.snap")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := ReadSnapshot(p, aofDBs, nil)
		if err != nil {
			if !errors.Is(err, ErrCorruptLog) {
				t.Fatalf("error not wrapping ErrCorruptLog: %v", err)
			}
			if snap != nil {
				t.Fatalf("a snapshot with an error")
			}
			return
		}
		// Read the frames independently: the header, SETs and batches of
		// keys, one end marker.
		rd := frame.NewReader(bytes.NewReader(data), frame.DefaultMaxFrame)
		var op frame.Op
		if err := rd.Next(&op); err != nil || op.Type != frame.OpMetadata || string(op.Mode) != snapshotMode {
			t.Fatalf("accepted without a snapshot header: %v", err)
		}
		if op.Sequence != snap.Seq || string(op.ReplID) != snap.ReplID {
			t.Fatalf("header %d %q, snapshot %d %q", op.Sequence, op.ReplID, snap.Seq, snap.ReplID)
		}
		hdrCount, hasCount := op.Count, op.Has&frame.FieldCount != 0
		sets := 0
		for {
			err := rd.Next(&op)
			if err != nil {
				t.Fatalf("accepted, but no end marker: %v", err)
			}
			if op.Type == frame.OpSnapshotEnd {
				break
			}
			if (op.Type != frame.OpSet && op.Type != frame.OpSnapshotBatch) || op.Sequence != snap.Seq {
				t.Fatalf("accepted with a %s at %d", op.Type, op.Sequence)
			}
			if op.Type == frame.OpSet {
				sets++
				continue
			}
			n, err := frame.EachBatchItem(op.Value, op.Count, aofDBs, func(*engine.Item) error { return nil })
			if err != nil {
				t.Fatalf("accepted with a bad batch: %v", err)
			}
			sets += n
		}
		if op.Count != uint64(len(snap.Items)) || sets != len(snap.Items) || op.Sequence != snap.Seq {
			t.Fatalf("%d items, %d keys in frames, end marker count %d at %d", len(snap.Items), sets, op.Count, op.Sequence)
		}
		if hasCount && hdrCount != op.Count {
			t.Fatalf("header count %d, end marker count %d", hdrCount, op.Count)
		}
		if err := rd.Next(&op); !errors.Is(err, io.EOF) {
			t.Fatalf("accepted with data after the end marker: %v", err)
		}
		for _, it := range snap.Items {
			if it.DB < 0 || it.DB >= aofDBs || it.Value == nil {
				t.Fatalf("bad item %+v", it)
			}
		}
	})
}

// TestReadSnapshotBatchBoundaries reads snapshots whose key count falls
// around the parallel reader's batch size, so the end marker lands first,
// last and alone in a batch; and refuses data after the end marker when it
// falls in a later batch, and a snapshot cut at a batch boundary.
func TestReadSnapshotBatchBoundaries(t *testing.T) {
	for _, n := range []int{0, 1, frameBatch - 2, frameBatch - 1, frameBatch, frameBatch + 1, 3*frameBatch - 1, 3 * frameBatch} {
		t.Run(fmt.Sprint(n, " keys"), func(t *testing.T) {
			items := make([]engine.Item, n)
			for i := range items {
				items[i] = engine.Item{DB: i % 16, Key: fmt.Sprint("k", i), Value: []byte(fmt.Sprint("v", i))}
			}
			data := snapshotBytes(t, 9, items)
			p := filepath.Join(t.TempDir(), "s.snap")
			require.NoError(t, os.WriteFile(p, data, 0o644))
			snap, err := ReadSnapshot(p, aofDBs, nil)
			require.NoError(t, err)
			require.Len(t, snap.Items, n)
			for i, it := range snap.Items {
				require.Equal(t, items[i].Key, it.Key, "key %d in file order", i)
				require.Equal(t, items[i].Value, it.Value)
				require.Equal(t, items[i].DB, it.DB)
			}

			// A whole batch of extra SET frames after the end marker.
			var enc frame.Encoder
			extra := data
			for i := range frameBatch + 3 {
				extra, err = enc.AppendFrame(extra, &frame.Op{Type: frame.OpSet, Sequence: 9, Timestamp: 1, Key: []byte(fmt.Sprint("x", i)),
					Value: []byte("v"), DB: []byte("0"), Has: frame.FieldKey | frame.FieldValue | frame.FieldDB})
				require.NoError(t, err)
			}
			require.NoError(t, os.WriteFile(p, extra, 0o644))
			_, err = ReadSnapshot(p, aofDBs, nil)
			require.ErrorIs(t, err, ErrCorruptLog)
			require.ErrorContains(t, err, "after the end marker")

			// Cut right before the end marker: no end marker.
			_, frames := splitFrames(t, data)
			require.NoError(t, os.WriteFile(p, data[:frames[len(frames)-1]], 0o644))
			_, err = ReadSnapshot(p, aofDBs, nil)
			require.ErrorIs(t, err, ErrCorruptLog)
			require.ErrorContains(t, err, "no end marker")
		})
	}
}

// splitFrames returns the start offset of every frame of data.
func splitFrames(t *testing.T, data []byte) ([]byte, []int) {
	t.Helper()
	var starts []int
	for off := 0; off < len(data); {
		require.LessOrEqual(t, off+4, len(data))
		starts = append(starts, off)
		off += 4 + int(binary.BigEndian.Uint32(data[off:]))
	}
	return data, starts
}

// TestRecoverHeaderlessSegmentAfterSnapshot: a crash between a reset's
// snapshot and its segment's header leaves an empty segment right after
// the snapshot. Whose history it continues is unknown, so the start lists
// no segment (the server then begins a new history) instead of guessing.
func TestRecoverHeaderlessSegmentAfterSnapshot(t *testing.T) {
	dir := t.TempDir()
	items := []engine.Item{{Key: "k", Value: []byte("v")}}
	_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "copied-history", Seq: 7, Dataset: engine.DigestOf(items)}, items, nil)
	require.NoError(t, err)
	writeFile(t, dir, segmentName(7), nil)
	rec, err := Recover(dir, aofDBs, true, aofLogger(), nil)
	require.NoError(t, err)
	require.Empty(t, rec.Segments)
	require.Equal(t, uint64(7), rec.History.Last)
	require.Equal(t, items, rec.History.Snapshot)
}

// rewriteHeader rewrites the METADATA header of the snapshot file at path
// with change applied, keeping every frame valid.
func rewriteHeader(t *testing.T, path string, change func(op *frame.Op)) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var op frame.Op
	rd := frame.NewReader(bytes.NewReader(b), 0)
	require.NoError(t, rd.Next(&op))
	size := len(rd.AppendLast(nil))
	change(&op)
	var enc frame.Encoder
	hdr, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(hdr, b[size:]...), 0o644))
}

// TestSnapshotDatasetDigest: a snapshot records its data's digest; a start
// whose loaded data differs from it is refused, naming the file (by Recover,
// so check-log says it too), and a snapshot of an older version, without a
// digest, still loads.
func TestSnapshotDatasetDigest(t *testing.T) {
	items := []engine.Item{{DB: 0, Key: "a", Value: []byte("1")}, {DB: 3, Key: "b", Value: []byte("2"), ExpireAt: 1_800_000_000_000}}
	want := engine.DigestOf(items)
	t.Run("recorded and checked", func(t *testing.T) {
		dir := t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: want}, items, nil)
		require.NoError(t, err)
		snap, err := ReadSnapshot(SnapshotPath(dir, 5), 16, nil)
		require.NoError(t, err)
		require.True(t, snap.HasDataset)
		require.Equal(t, want, snap.Dataset)
		rec, err := Recover(dir, 16, true, nil, nil)
		require.NoError(t, err)
		require.Equal(t, want, engine.DigestOf(rec.History.Snapshot))
	})
	t.Run("mismatch refuses", func(t *testing.T) {
		dir := t.TempDir()
		wrong := want
		wrong.Lo++
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: wrong}, items, nil)
		require.NoError(t, err)
		_, err = Recover(dir, 16, true, nil, nil)
		require.ErrorIs(t, err, ErrDigestMismatch)
		require.ErrorContains(t, err, SnapshotPath(dir, 5))
		require.ErrorContains(t, err, "the snapshot recorded "+wrong.String())
		report, ok, err := CheckDir(dir, 16, false)
		require.False(t, ok && err == nil, "check-log reports it: %v", report)
		require.FileExists(t, SnapshotPath(dir, 5), "nothing is deleted")
	})
	t.Run("older snapshot without a digest", func(t *testing.T) {
		dir := t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: want}, items, nil)
		require.NoError(t, err)
		rewriteHeader(t, SnapshotPath(dir, 5), func(op *frame.Op) { op.Has &^= frame.FieldDatasetDigest })
		snap, err := ReadSnapshot(SnapshotPath(dir, 5), 16, nil)
		require.NoError(t, err)
		require.False(t, snap.HasDataset)
		_, err = Recover(dir, 16, true, nil, nil)
		require.NoError(t, err)
	})
	t.Run("malformed digest", func(t *testing.T) {
		dir := t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 5, Dataset: want}, items, nil)
		require.NoError(t, err)
		rewriteHeader(t, SnapshotPath(dir, 5), func(op *frame.Op) { op.DatasetDigest = []byte("not hex") })
		_, err = ReadSnapshot(SnapshotPath(dir, 5), 16, nil)
		require.ErrorIs(t, err, ErrCorruptLog)
	})
}

// TestOpenLoadsSnapshot: a start puts the snapshot's keys straight into
// the engine's keyspace as it reads them (History.Loaded), with the same
// result and the same digest check as reading the items first.
func TestOpenLoadsSnapshot(t *testing.T) {
	src, items := workloadItems(t, 3000)
	open := func(t *testing.T, dir string) (*engine.Engine, error) {
		t.Helper()
		eng := engine.New(engine.Options{Databases: aofDBs})
		o, err := Open(OpenOptions{Dir: dir, Engine: eng, Policy: FsyncNo})
		if err == nil {
			t.Cleanup(o.Lock.Unlock)
		}
		return eng, err
	}

	t.Run("loaded", func(t *testing.T) {
		dir := t.TempDir()
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 9, Dataset: engine.DigestOf(items)}, items, nil)
		require.NoError(t, err)
		eng, err := open(t, dir)
		require.NoError(t, err)
		require.Equal(t, src.Digest(), eng.Digest())
		require.Equal(t, len(items), eng.Len())
	})
	t.Run("digest mismatch refuses", func(t *testing.T) {
		dir := t.TempDir()
		wrong := engine.DigestOf(items)
		wrong.Hi++
		_, err := WriteSnapshot(dir, SnapshotHeader{ReplID: "rid", Seq: 9, Dataset: wrong}, items, nil)
		require.NoError(t, err)
		eng, err := open(t, dir)
		require.ErrorIs(t, err, ErrDigestMismatch)
		require.Zero(t, eng.Len(), "nothing installed")
	})
}

// TestOpenKeepOps: a start that applies the log as it reads it loads the
// same data as one that holds the whole log first, and keeps for the
// in-memory log only the newest whole groups that hold KeepOps operations.
func TestOpenKeepOps(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "rid", 300) // several segments
	for i := range 10 {
		src.set(fmt.Sprint("a", i), "x")
	}
	src.saveAt(t, "rid", true)
	for i := range 30 {
		if i%4 == 0 {
			src.mset(fmt.Sprint("m", i), 3)
		} else {
			src.set(fmt.Sprint("k", i%7), fmt.Sprint(i))
		}
	}
	src.flushed(t)
	want := src.eng.Digest()
	require.NoError(t, src.aof.Close())
	require.Greater(t, len(dirSegments(t, dir)), 2)

	open := func(keep int) (*engine.Engine, *History) {
		t.Helper()
		eng := engine.New(engine.Options{Databases: aofDBs})
		o, err := Open(OpenOptions{Dir: dir, Engine: eng, AppendOnly: true, Policy: FsyncNo, Logger: aofLogger(), KeepOps: keep})
		require.NoError(t, err)
		require.NoError(t, o.Log.Close())
		o.Lock.Unlock()
		return eng, o.History
	}
	eng, all := open(0)
	require.Equal(t, want, eng.Digest())
	require.Zero(t, all.Skipped)
	total := int(all.Last - all.Base)
	require.Equal(t, 30+2*8, total, "8 MSETs of 3 keys")
	for _, keep := range []int{1, 2, 3, 4, 5, 17, total, total + 10} {
		eng, h := open(keep)
		require.Equal(t, want, eng.Digest(), "keep %d", keep)
		require.Equal(t, all.Base, h.Base)
		require.Equal(t, all.Last, h.Last)
		require.Equal(t, all.Groups[len(all.Groups)-len(h.Groups):], h.Groups, "keep %d: the newest groups", keep)
		ops := 0
		for _, g := range h.Groups {
			ops += len(g)
		}
		require.Equal(t, total, int(h.Skipped)+ops, "keep %d", keep)
		require.GreaterOrEqual(t, ops, min(keep, total), "keep %d: enough operations", keep)
		require.Less(t, ops-len(h.Groups[0]), keep, "keep %d: no group more than needed", keep)
	}
}

// TestOpenFreshHistory: a history is fresh only when Open made its
// replication ID: in an empty directory, or a snapshot without a log; one
// kept from the log on disk is not, even at sequence 0 (a crash lost its
// operations, which its secondaries may hold).
func TestOpenFreshHistory(t *testing.T) {
	dir := t.TempDir()
	open := func(appendOnly bool) *History {
		t.Helper()
		o, err := Open(OpenOptions{Dir: dir, Engine: engine.New(engine.Options{Databases: aofDBs}), AppendOnly: appendOnly, Policy: FsyncNo, Logger: aofLogger()})
		require.NoError(t, err)
		if o.Log != nil {
			require.NoError(t, o.Log.Close())
		}
		o.Lock.Unlock()
		return o.History
	}
	first := open(true)
	require.True(t, first.Fresh, "an empty directory")
	again := open(true)
	require.Equal(t, first.ReplID, again.ReplID)
	require.Zero(t, again.Last)
	require.False(t, again.Fresh, "the same history at sequence 0")

	snapDir := t.TempDir()
	src := newPersistSource(t, snapDir, "rid", 300)
	src.set("a", "x")
	src.saveAt(t, "rid", true)
	require.NoError(t, src.aof.Close())
	for _, f := range dirSegments(t, snapDir) {
		require.NoError(t, os.Remove(SegmentPath(snapDir, f)))
	}
	dir = snapDir
	h := open(false)
	require.True(t, h.Fresh, "a snapshot without a log starts a new history")
	require.NotEqual(t, "rid", h.ReplID)
}
