package aof

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// FsyncPolicy is appendfsync: when appended operations reach the disk.
type FsyncPolicy int

const (
	// FsyncEverySec writes and fsyncs in the background once a second.
	FsyncEverySec FsyncPolicy = iota
	// FsyncAlways acknowledges a write only once it is fsynced; concurrent
	// writers share each fsync (group commit).
	FsyncAlways
	// FsyncNo writes in the background and leaves flushing to the OS.
	FsyncNo
)

// ParseFsyncPolicy reads an appendfsync value.
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	switch s {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("unknown appendfsync policy %q", s)
}

// ErrCorruptLog is returned when an append-only file is damaged anywhere
// but in its last frame.
var ErrCorruptLog = errors.New("append-only file is corrupt")

// ErrDigestMismatch is returned when a snapshot whose frames all verify
// loads into data whose digest is not the one it recorded.
var ErrDigestMismatch = errors.New("snapshot digest mismatch")

// History is what an append-only file holds: its replication ID, the
// sequence before its first operation, and the operations, grouped as they
// were logged.
type History struct {
	ReplID string
	Role   string // who wrote the log: RolePrimary or RoleReplica
	Base   uint64
	Last   uint64
	Groups [][]engine.Effect
	// Skipped counts the operations after Base that were applied as they
	// were read and not kept (OpenOptions.KeepOps): Groups then holds only
	// the newest ones, those after sequence Base+Skipped.
	Skipped uint64
	// Snapshot is the dataset at sequence Base that Groups continue, when
	// the history was loaded from a snapshot; nil otherwise.
	Snapshot []engine.Item
	// Loaded holds the snapshot instead, built and ready to Commit, when
	// the history was read for a start (open).
	Loaded *engine.Loader
	// SnapshotDigest is the digest of the operation at Base that the
	// snapshot recorded (see OpDigest), or nil.
	SnapshotDigest []byte
	// Fresh: ReplID was made by this Open, so no secondary holds a
	// position in the history. A history kept at sequence 0 (a crash lost
	// every operation of it) is not fresh: its secondaries are ahead.
	Fresh bool
}

// groupFunc receives each complete group of a log as it is read, in place
// of History.Groups keeping it: g holds the operations after sequence
// before, up to last.
type groupFunc func(g []engine.Effect, before, last uint64)

// aofScan is what scanAOF found in a file.
type aofScan struct {
	history *History // nil: no complete header
	size    int64    // the file's size
	good    int64    // end of the last complete group (or header): all before it is valid
	// corrupt, when not nil, wraps ErrCorruptLog: damage with a valid frame
	// after it, at corruptAt. Otherwise anything from good on is a torn tail.
	corrupt   error
	corruptAt int64
}

// scanAOF reads and verifies a whole append-only file without changing it.
// Only I/O failures are returned as errors.
//
// Groups that end at or before sequence after are verified but not kept
// (a snapshot already holds them). The others go to each, when it is not
// nil, as each is complete, or else to the history's Groups.
func scanAOF(f *os.File, path string, dbs int, after uint64, progress func(read, size int64), each groupFunc) (*aofScan, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sc := &aofScan{size: st.Size()}
	if sc.size == 0 {
		return sc, nil // created, but the header was never written
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	cr := &frame.CountingReader{R: f}
	rd := frame.NewReader(cr, frame.FileMaxFrame(sc.size))
	var (
		group []engine.Effect
		seq   uint64
		ioErr error
	)
	corrupt := func(at int64, format string, args ...any) bool {
		sc.corruptAt = at
		sc.corrupt = fmt.Errorf("%w: %s at offset %d: %s", ErrCorruptLog, path, at, fmt.Sprintf(format, args...))
		return false
	}
	// damaged handles a frame that cannot be read or decoded. A crash in
	// the middle of a write leaves a damaged tail with no valid frame
	// after it. A valid frame after the damage means the damage is inside
	// the file: refuse, never cut.
	damaged := func(start int64, err error) bool {
		torn, terr := noFrameAfter(f, start, sc.size)
		switch {
		case terr != nil:
			ioErr = terr
			return false
		case torn:
			return false
		}
		return corrupt(start, "%v", err)
	}
	parseFrames(rd, func() int64 { return cr.N - int64(rd.Buffered()) }, dbs, func(run *frameRun) bool {
		if progress != nil {
			progress(run.read, sc.size)
		}
		for i := range run.frames {
			pf := &run.frames[i]
			if pf.err != nil {
				return damaged(pf.start, pf.err)
			}
			h := sc.history
			if h == nil {
				if pf.typ != frame.OpMetadata || pf.has&frame.FieldReplID == 0 {
					return corrupt(0, "no header frame")
				}
				if pf.seq == math.MaxUint64 {
					return corrupt(0, "header sequence out of range")
				}
				role := RolePrimary
				if pf.has&frame.FieldMode != 0 && pf.mode == RoleReplica {
					role = RoleReplica
				}
				sc.history = &History{ReplID: pf.replID, Role: role, Base: pf.seq, Last: pf.seq}
				if each == nil {
					// A logged SET takes a frame of about 200 bytes or more.
					sc.history.Groups = make([][]engine.Effect, 0, min(sc.size/200, 1<<22))
				}
				seq, sc.good = pf.seq, pf.end
				continue
			}
			if pf.seq != seq+1 {
				return corrupt(pf.start, "sequence %d after %d", pf.seq, seq)
			}
			if pf.efErr != nil {
				return corrupt(pf.start, "%v", pf.efErr)
			}
			// take adds operation n (of size1's group) and reports
			// whether it completed its group.
			take := func(n uint64, size1 int, ef engine.Effect, ok bool) bool {
				seq = n
				if ok {
					group = append(group, ef)
				}
				if pending := int(seq - h.Last); pending >= size1 {
					switch {
					case seq <= after:
					case each != nil:
						each(group, h.Last, seq)
					default:
						h.Groups = append(h.Groups, group)
					}
					group, h.Last = nil, seq
					return true
				}
				return false
			}
			if pf.typ == frame.OpOpBatch {
				// Whole groups only (MemLog.encodeBatches): the file can
				// be cut after the batch without splitting one.
				done := false
				for _, it := range pf.items {
					done = take(it.seq, it.group, it.ef, true)
				}
				if !done {
					return corrupt(pf.start, "an operation batch that ends inside a group")
				}
				sc.good = pf.end
				continue
			}
			if !frame.IsData(pf.typ) || pf.typ == frame.OpMetadata || (pf.has&frame.FieldGroup != 0 && pf.group < 1) {
				return corrupt(pf.start, "%s frame with group %d in the log", pf.typ, pf.group)
			}
			size1 := 1
			if pf.has&frame.FieldGroup != 0 {
				size1 = pf.group
			}
			if take(pf.seq, size1, pf.ef, pf.efOK) {
				sc.good = pf.end
			}
		}
		if run.readErr != nil {
			return damaged(run.readErrAt, run.readErr)
		}
		return true
	})
	if ioErr != nil {
		return nil, ioErr
	}
	return sc, nil
}

// CheckAOF verifies the append-only file at path and describes what it
// found, in lines meant for a person. ok reports a file that loads without
// losing anything. With fix, a damaged file is cut at the end of its last
// intact group: a torn tail loses only the incomplete write, a corruption
// loses everything from the damaged group on. As CheckDir does, a fix
// refuses (ErrDirLocked) while a running node holds the file's directory.
func CheckAOF(path string, dbs int, fix bool) (report []string, ok bool, err error) {
	note, unlock, err := checkLock(filepath.Dir(path), fix, false)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	report, ok, _, err = checkAOF(path, dbs, fix)
	return append(note, report...), ok, err
}

// checkAOF is CheckAOF that also returns what the file holds up to its
// last intact group (nil: no header), for check-log's chain checks.
func checkAOF(path string, dbs int, fix bool) (report []string, ok bool, h *History, err error) {
	mode := os.O_RDONLY
	if fix {
		mode = os.O_RDWR
	}
	f, err := os.OpenFile(path, mode, 0)
	if err != nil {
		return nil, false, nil, err
	}
	defer f.Close()
	sc, err := scanAOF(f, path, dbs, 0, nil, nil)
	if err != nil {
		return nil, false, nil, err
	}
	if h := sc.history; h != nil {
		report = append(report, fmt.Sprintf("%s: replication ID %s, sequences %d..%d, %d operations in %d groups, %d bytes",
			path, h.ReplID, h.Base+1, h.Last, h.Last-h.Base, len(h.Groups), sc.size))
	}
	switch {
	case sc.corrupt != nil:
		report = append(report, sc.corrupt.Error(),
			fmt.Sprintf("intact up to offset %d; cutting there would drop %d bytes", sc.good, sc.size-sc.good))
	case sc.good < sc.size && sc.history == nil:
		report = append(report, fmt.Sprintf("%s: the header is torn (%d bytes): the file holds no operation", path, sc.size))
	case sc.good < sc.size:
		report = append(report, fmt.Sprintf("the last %d bytes (from offset %d) are an incomplete write; a start would cut them off", sc.size-sc.good, sc.good))
	default:
		if sc.size == 0 {
			report = append(report, path+": empty (no header yet)")
		}
		return append(report, "ok"), true, sc.history, nil
	}
	if !fix {
		return report, false, sc.history, nil
	}
	if err := f.Truncate(sc.good); err != nil {
		return report, false, sc.history, err
	}
	if err := f.Sync(); err != nil {
		return report, false, sc.history, err
	}
	return append(report, fmt.Sprintf("repaired: cut to %d bytes", sc.good)), true, sc.history, nil
}

// noFrameAfter reports whether no valid frame starts anywhere in the file
// after offset start: the damage at start is then a torn tail.
func noFrameAfter(f *os.File, start, size int64) (bool, error) {
	rest := make([]byte, size-start)
	if _, err := f.ReadAt(rest, start); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	var d frame.Decoder
	var op frame.Op
	for i := 1; i+5 <= len(rest); i++ {
		n := int(binary.BigEndian.Uint32(rest[i:]))
		if rest[i+4] != '{' || n < 2 || n > len(rest)-i-4 {
			continue
		}
		if d.DecodePayload(rest[i+4:i+4+n], &op) == nil {
			return false, nil
		}
	}
	return true, nil
}
