package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// A data directory holds snapshots and log segments, all made of NADB
// frames:
//
//   - nadb-<S>.snap: the dataset at sequence S. A METADATA header (repl_id,
//     sequence S, mode "snapshot", count), one SET frame per key at
//     sequence S, and SNAPSHOT_END {sequence S, count}. It is written to a
//     temporary file, fsynced and renamed, so it is whole or absent.
//   - nadb-<B>.aof: a log segment, the operations after sequence B. A
//     METADATA header (repl_id, sequence B, mode "primary" or "replica"),
//     then the operations as a primary sends them.
//
// A start loads the newest valid snapshot, then replays the segments that
// follow it; a snapshot covers every segment that ends at or before its
// sequence, and those are deleted once it is durable.

// snapshotMode is the mode of a snapshot's METADATA header.
const snapshotMode = "snapshot"

// DirFiles is what a data directory holds, by name.
type DirFiles struct {
	Snapshots []uint64 // sequences, newest first
	Segments  []uint64 // bases, oldest first
}

// ListDir reads dir's snapshots and segments; it changes nothing (a
// snapshot being written is a .tmp file it ignores). A missing directory
// holds nothing.
func ListDir(dir string) (DirFiles, error) {
	var out DirFiles
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "nadb-") {
			continue
		}
		num, ext, ok := strings.Cut(strings.TrimPrefix(name, "nadb-"), ".")
		if !ok || len(num) != 20 {
			continue
		}
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		switch ext {
		case "snap":
			out.Snapshots = append(out.Snapshots, n)
		case "aof":
			out.Segments = append(out.Segments, n)
		}
	}
	slices.Sort(out.Segments)
	slices.Sort(out.Snapshots)
	slices.Reverse(out.Snapshots)
	return out, nil
}

// SegmentPath and SnapshotPath name the files of dir.
func SegmentPath(dir string, base uint64) string { return filepath.Join(dir, segmentName(base)) }

// SnapshotPath is the path of the snapshot at seq in dir.
func SnapshotPath(dir string, seq uint64) string { return filepath.Join(dir, snapshotName(seq)) }

// Recovered is what a start found in the data directory.
type Recovered struct {
	// History is the dataset and operations to resume: Snapshot (when a
	// snapshot was loaded) at sequence Base, then Groups. It is nil for an
	// empty directory.
	History *History
	// Segments are the log segments kept, oldest first.
	Segments []Segment
	// SnapshotSeq and SnapshotTime describe the loaded snapshot, when
	// HasSnapshot; SnapshotBytes is its size.
	HasSnapshot   bool
	SnapshotSeq   uint64
	SnapshotTime  time.Time
	SnapshotBytes int64
}

// Recover loads dir: the newest valid snapshot, then (with useLog) the log
// segments after it. A damaged snapshot is skipped with a warning, but only
// when an older snapshot and the log reach its sequence; otherwise Recover
// fails with ErrCorruptLog rather than go back in time. A torn tail of the
// last segment is cut off with a warning; any other damage, or a gap
// between the snapshot and the segments, fails with ErrCorruptLog naming
// the file and offset. Files the
// loaded snapshot covers are deleted. progress, when not nil, is called now
// and then with the bytes read and the total.
func Recover(dir string, dbs int, useLog bool, logger *slog.Logger, progress func(read, total int64)) (*Recovered, error) {
	return recoverDir(dir, dbs, useLog, logger, progress, false, nil, nil)
}

// recoverDir is Recover; with dryRun it changes nothing on disk (no file
// deleted, set aside or cut) and only says what a start would load or why
// it would refuse. check-log uses it so that its verdict follows the
// start's rules, written once, here. With newLoader, the snapshot's keys
// go into a Loader it returns (History.Loaded), one per snapshot tried,
// instead of History.Snapshot. With each as well, that Loader is committed
// once the snapshot is chosen, and every group of the segments after it
// goes to each as it is read instead of into History.Groups: a start then
// holds one group at a time, not the whole log. A failure after the first
// group leaves the engine half loaded; the caller gives up on it.
func recoverDir(dir string, dbs int, useLog bool, logger *slog.Logger, progress func(read, total int64), dryRun bool, newLoader func() *engine.Loader, each groupFunc) (*Recovered, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if !dryRun {
		removeTemporary(dir)
	}
	files, err := ListDir(dir)
	if err != nil {
		return nil, err
	}
	if !useLog && len(files.Segments) > 0 {
		logger.Warn("appendonly is off: the log segments in the data directory are not loaded", "dir", dir, "segments", len(files.Segments))
		files.Segments = nil
	}
	var total, done int64
	sizes := map[string]int64{}
	for _, s := range files.Snapshots[:min(len(files.Snapshots), 1)] {
		p := SnapshotPath(dir, s)
		if st, err := os.Stat(p); err == nil {
			sizes[p] = st.Size()
			total += st.Size()
		}
	}
	for _, b := range files.Segments {
		p := SegmentPath(dir, b)
		if st, err := os.Stat(p); err == nil {
			sizes[p] = st.Size()
			total += st.Size()
		}
	}
	report := func(read int64) {
		if progress != nil {
			progress(done+read, max(total, 1))
		}
	}
	rec := &Recovered{}
	var h *History
	// damaged is the newest snapshot that cannot be read, when one was
	// skipped: the data reached its sequence, so what is loaded instead
	// must reach it too.
	var damaged uint64
	var damagedPath string
	for i, s := range files.Snapshots {
		p := SnapshotPath(dir, s)
		var load *engine.Loader
		if newLoader != nil {
			load = newLoader()
		}
		snap, err := readSnapshot(p, dbs, report, load)
		if err == nil && snap.Seq != s {
			err = fmt.Errorf("%w: %s: its header says sequence %d", ErrCorruptLog, p, snap.Seq)
		}
		if err != nil {
			logger.Warn("skipping a damaged snapshot", "file", p, "err", err)
			if damagedPath == "" {
				damaged, damagedPath = s, p
			}
			continue
		}
		got := engine.Digest{}
		if load != nil {
			got = load.Digest()
		} else if snap.HasDataset {
			got = engine.DigestOf(snap.Items)
		}
		if snap.HasDataset && got != snap.Dataset {
			// Every frame verified, yet the data is not what was saved:
			// a fault of this software, not of the disk. Loading it, or an
			// older snapshot instead, could serve data that silently
			// differs; the operator decides.
			return nil, fmt.Errorf("%w: %s: the loaded data has digest %s, the snapshot recorded %s: refusing to start from it",
				ErrDigestMismatch, p, got, snap.Dataset)
		}
		done += sizes[p]
		st, _ := os.Stat(p)
		rec.HasSnapshot, rec.SnapshotSeq, rec.SnapshotBytes = true, s, st.Size()
		rec.SnapshotTime = st.ModTime()
		h = &History{ReplID: snap.ReplID, Role: RolePrimary, Base: s, Last: s, Snapshot: snap.Items, Loaded: load, SnapshotDigest: snap.LastDigest}
		for _, older := range files.Snapshots[i+1:] {
			if !dryRun {
				_ = os.Remove(SnapshotPath(dir, older))
			}
		}
		break
	}
	if h == nil && len(files.Snapshots) > 0 {
		return nil, fmt.Errorf("%w: no snapshot in %s can be read", ErrCorruptLog, dir)
	}
	segs := files.Segments
	if h != nil {
		// Drop the segments the snapshot covers: each one that the next
		// segment starts at or before the snapshot's sequence.
		for len(segs) > 1 && segs[1] <= h.Base {
			if !dryRun {
				_ = os.Remove(SegmentPath(dir, segs[0]))
			}
			segs = segs[1:]
		}
		if len(segs) > 0 && segs[0] < h.Base {
			// Every snapshot is followed by a segment that starts exactly
			// at its sequence (a save cuts the log there first; a reset
			// creates it), so a log that starts before the snapshot does
			// not continue it.
			if len(segs) > 1 {
				return nil, fmt.Errorf("%w: %s starts after sequence %d, but the snapshot at %d has no segment of its own: the log does not continue it",
					ErrCorruptLog, SegmentPath(dir, segs[1]), segs[1], h.Base)
			}
			// One segment, older than the snapshot: written without
			// appendonly, or of another history. Set it aside (renamed
			// *.stale), never replay it on top of the snapshot.
			p := SegmentPath(dir, segs[0])
			logger.Warn("setting aside a log segment older than the snapshot", "file", p, "snapshot", h.Base)
			if !dryRun {
				_ = os.Rename(p, p+".stale")
			}
			segs = nil
		}
	}
	if len(segs) > 0 {
		if h == nil && segs[0] != 0 {
			return nil, fmt.Errorf("%w: %s starts after sequence %d, but no snapshot holds what comes before", ErrCorruptLog, SegmentPath(dir, segs[0]), segs[0])
		}
		if h != nil && segs[0] > h.Base {
			return nil, fmt.Errorf("%w: %s starts after sequence %d, but the snapshot stops at %d", ErrCorruptLog, SegmentPath(dir, segs[0]), segs[0], h.Base)
		}
	}
	if each != nil && h != nil && h.Loaded != nil {
		h.Loaded.Commit(nil)
		h.Loaded = nil
	}
	for i, base := range segs {
		p := SegmentPath(dir, base)
		last := i == len(segs)-1
		var after uint64
		if h != nil {
			after = h.Last
		}
		sh, err := loadSegment(p, dbs, last, after, logger, report, dryRun, each)
		if err != nil {
			return nil, err
		}
		done += sizes[p]
		if sh == nil {
			if !last {
				return nil, fmt.Errorf("%w: %s has no header", ErrCorruptLog, p)
			}
			if h == nil {
				// The only file, created but never given its header:
				// nothing was ever logged, the directory is empty.
				break
			}
			// Created, but the crash came before its header: the segment
			// holds nothing. After another segment it continues that
			// one's history, and is written again on open. Right after
			// the snapshot, whose history it was to continue is unknown
			// (a reset writes the snapshot, then this segment): start as
			// after a snapshot without a log, with a new history.
			if len(rec.Segments) == 0 {
				break
			}
			prev := rec.Segments[len(rec.Segments)-1]
			sh = &History{ReplID: prev.ReplID, Role: prev.Role, Base: base, Last: base}
		}
		if sh.Base != base {
			return nil, fmt.Errorf("%w: %s: its header says sequence %d", ErrCorruptLog, p, sh.Base)
		}
		if h == nil {
			h = &History{Base: base, Last: base}
		}
		if sh.Base > h.Last {
			return nil, fmt.Errorf("%w: %s starts after sequence %d, but the log before it stops at %d", ErrCorruptLog, p, sh.Base, h.Last)
		}
		// Only what is new was kept: a first segment may start before the
		// snapshot, which already holds its first operations.
		if h.Groups == nil {
			h.Groups = sh.Groups // the usual case: no copy
		} else {
			h.Groups = append(h.Groups, sh.Groups...)
		}
		if sh.Last > h.Last {
			h.Last = sh.Last
		}
		h.ReplID, h.Role = sh.ReplID, sh.Role
		rec.Segments = append(rec.Segments, Segment{Base: base, Path: p, ReplID: sh.ReplID, Role: sh.Role})
	}
	if damagedPath != "" && h.Last < damaged {
		return nil, fmt.Errorf("%w: %s is damaged, and neither an older snapshot nor the log holds the data up to its sequence %d (they stop at %d)",
			ErrCorruptLog, damagedPath, damaged, h.Last)
	}
	rec.History = h
	return rec, nil
}

// loadSegment reads one segment; only the last one may have a torn tail,
// which is cut off.
func loadSegment(path string, dbs int, last bool, after uint64, logger *slog.Logger, progress func(read int64), dryRun bool, each groupFunc) (*History, error) {
	mode := os.O_RDWR
	if dryRun {
		mode = os.O_RDONLY
	}
	f, err := os.OpenFile(path, mode, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc, err := scanAOF(f, path, dbs, after, func(read, _ int64) {
		if progress != nil {
			progress(read)
		}
	}, each)
	if err != nil {
		return nil, err
	}
	if sc.corrupt != nil {
		return nil, sc.corrupt
	}
	if sc.good < sc.size {
		if !last {
			return nil, fmt.Errorf("%w: %s at offset %d: incomplete write in a segment that is not the last", ErrCorruptLog, path, sc.good)
		}
		if sc.history == nil {
			logger.Warn("log segment has only a torn header; writing it again", "file", path, "bytes_dropped", sc.size)
		} else {
			logger.Warn("log segment ends with an incomplete write; cutting it off", "file", path, "bytes_dropped", sc.size-sc.good, "last_sequence", sc.history.Last)
		}
		if dryRun {
			return sc.history, nil
		}
		if err := f.Truncate(sc.good); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	return sc.history, nil
}

// Snapshot is a snapshot file's content.
type Snapshot struct {
	ReplID string
	Seq    uint64
	Items  []engine.Item
	// LastDigest is the digest of the operation at Seq (see OpDigest),
	// when the writer knew it; nil otherwise.
	LastDigest []byte
	// Dataset is the digest of Items the writer recorded (HasDataset:
	// snapshots of older versions have none).
	Dataset    engine.Digest
	HasDataset bool
}

// ReadSnapshot reads and verifies a whole snapshot file: any damage fails
// it, since a snapshot is renamed into place only once complete.
func ReadSnapshot(path string, dbs int, progress func(read int64)) (*Snapshot, error) {
	return readSnapshot(path, dbs, progress, nil)
}

// readSnapshot is ReadSnapshot; with load, the keys go into it as they are
// read (told their number up front) instead of into Items, so that building
// the keyspace overlaps reading the file and no key is held twice. A load
// that fails leaves load half built: the caller drops it.
func readSnapshot(path string, dbs int, progress func(read int64), load *engine.Loader) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	cr := &frame.CountingReader{R: f}
	rd := frame.NewReader(bufio.NewReaderSize(cr, 256<<10), frame.FileMaxFrame(st.Size()))
	var op frame.Op
	fail := func(format string, args ...any) (*Snapshot, error) {
		return nil, fmt.Errorf("%w: %s: %s", ErrCorruptLog, path, fmt.Sprintf(format, args...))
	}
	if err := rd.Next(&op); err != nil {
		return fail("header: %v", err)
	}
	if op.Type != frame.OpMetadata || op.Has&frame.FieldReplID == 0 || string(op.Mode) != snapshotMode {
		return fail("not a snapshot header")
	}
	snap := &Snapshot{ReplID: string(op.ReplID), Seq: op.Sequence}
	if op.Has&frame.FieldLastDigest != 0 {
		snap.LastDigest = bytes.Clone(op.LastDigest)
	}
	if snap.Dataset, snap.HasDataset, err = frame.DatasetDigestOf(&op); err != nil {
		return fail("header: %v", err)
	}
	count, hasCount := op.Count, op.Has&frame.FieldCount != 0
	// A count the file cannot hold reserves nothing for it: a key takes
	// more than 32 bytes in a frame of its own, at least 8 in a batch.
	keys := &SnapshotKeys{Seq: snap.Seq}
	switch {
	case load != nil:
		load.Expect(int(min(count, 1<<24, uint64(st.Size()/8))))
		keys.Put = load.Add
	case hasCount:
		keys.Items = make([]engine.Item, 0, min(count, 1<<24, uint64(st.Size()/32)))
	}
	err = readSnapshotKeys(rd, cr, keys, dbs, progress)
	if err == nil {
		err = keys.Complete(count, hasCount)
	}
	if err != nil {
		return fail("%v", err)
	}
	snap.Items = keys.Items
	return snap, nil
}

// SnapshotKeys collects a snapshot's keys from the frames that follow its
// header, wherever they come from: a snapshot file, or a primary's full
// resynchronisation. The rules are the same for both: frames of keys
// (SNAPSHOT_BATCH, or SET, HASH or OBJECT for one key) at the snapshot's
// sequence, then SNAPSHOT_END as the very last frame, whose count and the
// announced one must match the keys received.
type SnapshotKeys struct {
	Seq uint64 // the snapshot's sequence
	// Put, when set, takes each key (valid only during the call) instead
	// of Items.
	Put      func(it *engine.Item) error
	Items    []engine.Item
	N        int    // the keys received
	Ended    bool   // SNAPSHOT_END has arrived
	EndCount uint64 // its count
}

// Add takes the next frame: the key of a SET (ef, from frame.EffectOf) or
// SNAPSHOT_END (count). Any other frame, one at another sequence, or one
// after the end marker is refused.
func (k *SnapshotKeys) Add(typ frame.OpType, seq uint64, ef *engine.Effect, count uint64) error {
	switch {
	case k.Ended:
		return errors.New("data after the end marker")
	case frame.IsValueOp(typ) && seq == k.Seq:
		it := frame.ItemOf(ef)
		if k.Put != nil {
			if err := k.Put(&it); err != nil {
				return fmt.Errorf("key %q: %w", ef.Key, err)
			}
		} else {
			k.Items = append(k.Items, it)
		}
		k.N++
		return nil
	case typ == frame.OpSnapshotEnd && seq == k.Seq:
		k.Ended, k.EndCount = true, count
		return nil
	}
	return fmt.Errorf("%s at %d after %d keys of the snapshot at %d", typ, seq, k.N, k.Seq)
}

// AddBatch takes the keys of a SNAPSHOT_BATCH frame (frame.EachBatchItem
// checks and unpacks them) at sequence seq, with the same rules as Add.
// Items it keeps alias blob, which the caller must not reuse.
func (k *SnapshotKeys) AddBatch(seq uint64, blob []byte, count uint64, dbs int) error {
	switch {
	case k.Ended:
		return errors.New("data after the end marker")
	case seq != k.Seq:
		return fmt.Errorf("%s at %d after %d keys of the snapshot at %d", frame.OpSnapshotBatch, seq, k.N, k.Seq)
	}
	n, err := frame.EachBatchItem(blob, count, dbs, func(it *engine.Item) error {
		if k.Put == nil {
			k.Items = append(k.Items, *it)
		} else if err := k.Put(it); err != nil {
			return fmt.Errorf("key %q: %w", it.Key, err)
		}
		return nil
	})
	k.N += n
	return err
}

// Complete checks, once the end marker has arrived, that it counts the
// keys received and, when announced (the header's count) is known, that
// it agrees.
func (k *SnapshotKeys) Complete(announced uint64, known bool) error {
	if !k.Ended {
		return fmt.Errorf("after %d keys: no end marker", k.N)
	}
	if k.EndCount != uint64(k.N) || (known && k.EndCount != announced) {
		return fmt.Errorf("end marker counts %d keys, header %d, received %d", k.EndCount, announced, k.N)
	}
	return nil
}

// readSnapshotKeys reads the frames after a snapshot's header into keys:
// SNAPSHOT_BATCH, SET, HASH or OBJECT frames at keys.Seq, then
// SNAPSHOT_END as the very last frame. The frames are verified on every
// core (parseFrames).
func readSnapshotKeys(rd *frame.Reader, cr *frame.CountingReader, keys *SnapshotKeys, dbs int, progress func(read int64)) error {
	var err error
	parseFrames(rd, func() int64 { return cr.N - int64(rd.Buffered()) }, dbs, func(run *frameRun) bool {
		if progress != nil {
			progress(run.read)
		}
		for i := range run.frames {
			pf := &run.frames[i]
			switch {
			case pf.err != nil:
				err = fmt.Errorf("after %d keys: %w", keys.N, pf.err)
			case frame.IsValueOp(pf.typ) && pf.efErr != nil && !keys.Ended:
				err = fmt.Errorf("key %d: %w", keys.N, pf.efErr)
			case pf.typ == frame.OpSnapshotBatch:
				err = keys.AddBatch(pf.seq, pf.blob, pf.count, dbs)
			default:
				err = keys.Add(pf.typ, pf.seq, &pf.ef, pf.count)
			}
			if err != nil {
				return false
			}
		}
		switch {
		case run.readErr != nil:
			err = fmt.Errorf("after %d keys: %w", keys.N, run.readErr)
		case run.final && !keys.Ended:
			err = fmt.Errorf("after %d keys: no end marker", keys.N)
		}
		return err == nil
	})
	return err
}

// SnapshotHeader is what a snapshot's METADATA frame records besides its
// key count.
type SnapshotHeader struct {
	ReplID string // the history
	Seq    uint64 // the sequence the snapshot stands for
	// LastDigest, when not nil, is the digest of the operation at Seq
	// (frame.OpDigest): a node restarted from the snapshot alone can then
	// still name its last operation to a primary.
	LastDigest []byte
	// Dataset is the digest of the items (engine.Digest), as the engine
	// reported it when they were taken: loading checks the data against it.
	Dataset engine.Digest
}

// WriteSnapshot writes the snapshot of items at h.Seq into dir (see
// WriteItems).
func WriteSnapshot(dir string, h SnapshotHeader, items []engine.Item, stop <-chan struct{}) (int64, error) {
	return WriteItems(dir, h, engine.ItemSlice(items), stop)
}

// WriteItems writes the snapshot of items at h.Seq into dir: to a
// temporary file, fsynced, then renamed, and the directory fsynced, so it is
// whole or absent. It returns ErrSnapshotAborted when stop is closed first.
func WriteItems(dir string, h SnapshotHeader, items engine.Items, stop <-chan struct{}) (int64, error) {
	replID, seq, digest := h.ReplID, h.Seq, h.LastDigest
	final := SnapshotPath(dir, seq)
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			_ = os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	var enc frame.Encoder
	ts := frame.NowSeconds()
	hdr := frame.Op{Type: frame.OpMetadata, Sequence: seq, Timestamp: ts, ReplID: []byte(replID),
		Mode: snapshotMode, Count: uint64(items.Len()), DatasetDigest: []byte(h.Dataset.String()),
		Has: frame.FieldReplID | frame.FieldMode | frame.FieldCount | frame.FieldDatasetDigest}
	if digest != nil {
		hdr.LastDigest, hdr.Has = digest, hdr.Has|frame.FieldLastDigest
	}
	buf, err := enc.AppendFrame(nil, &hdr)
	if err != nil {
		return 0, err
	}
	var size int64
	put := func() error {
		n, err := w.Write(buf)
		size += int64(n)
		return err
	}
	if err := put(); err != nil {
		return 0, err
	}
	// The keys packed many to a frame (SNAPSHOT_BATCH), as a full
	// resynchronisation sends them.
	snapEnc := frame.SnapshotEncoder{Seq: seq, Timestamp: ts, Batches: true}
	i := 0
	items.Each(func(it *engine.Item) bool {
		if i%4096 == 0 && stop != nil {
			select {
			case <-stop:
				err = ErrSnapshotAborted
				return false
			default:
			}
		}
		i++
		if buf, err = snapEnc.Append(buf[:0], it); err != nil {
			return false
		}
		err = put()
		return err == nil
	})
	if err == nil {
		if buf, err = snapEnc.Flush(buf[:0]); err == nil {
			err = put()
		}
	}
	if err != nil {
		return 0, err
	}
	if buf, err = enc.AppendFrame(buf[:0], &frame.Op{Type: frame.OpSnapshotEnd, Sequence: seq, Timestamp: ts, Count: uint64(items.Len()), Has: frame.FieldCount}); err != nil {
		return 0, err
	}
	if err := put(); err != nil {
		return 0, err
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	ok = true
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return 0, err
	}
	return size, syncDir(dir)
}

// ErrSnapshotAborted is returned by WriteSnapshot when it was stopped.
var ErrSnapshotAborted = errors.New("snapshot aborted")

// removeTemporary deletes the temporary files that snapshots interrupted
// by a crash leave in dir. Only a start may call it: at run time a .tmp
// file is a snapshot being written.
func removeTemporary(dir string) {
	tmps, _ := filepath.Glob(filepath.Join(dir, "nadb-*.tmp"))
	for _, p := range tmps {
		_ = os.Remove(p)
	}
}

// RemoveOtherSnapshots deletes dir's snapshots but the one at keep.
func RemoveOtherSnapshots(dir string, keep uint64) {
	files, err := ListDir(dir)
	if err != nil {
		return
	}
	for _, s := range files.Snapshots {
		if s != keep {
			_ = os.Remove(SnapshotPath(dir, s))
		}
	}
}
