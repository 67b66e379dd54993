package aof

import (
	"fmt"
	"log/slog"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// OpenOptions configures Open.
type OpenOptions struct {
	Dir          string
	Engine       *engine.Engine // receives the loaded dataset
	AppendOnly   bool           // load the segments and open the log for appending
	Policy       FsyncPolicy
	SegmentLimit int64
	// Follows says the node starts as a secondary: a history it copied as
	// one may then be continued.
	Follows  bool
	Logger   *slog.Logger
	Progress func(read, total int64) // now and then while loading; may be nil
	// Lock is Dir's lock when the caller took it already (LockDir), to
	// refuse early; nil: Open takes it.
	Lock *DirLock
	// KeepOps, when positive, applies the log's operations to Engine as
	// they are read, and keeps in History.Groups only the newest whole
	// groups that hold at least KeepOps operations (what the in-memory log
	// can hold); History.Skipped counts the others. A start then holds one
	// group at a time instead of the whole log. 0 keeps every group.
	KeepOps int
}

// Opened is what Open found and opened.
type Opened struct {
	// History is what the node resumes: its replication ID and role, and
	// the operations after the snapshot (already applied to the engine),
	// which refill the in-memory log (the newest of them, with KeepOps).
	// Never nil.
	History *History
	// Log is the log open for appending; nil without AppendOnly.
	Log *AOF
	// Recovered says what was loaded (snapshot, segments).
	Recovered *Recovered
	// Lock is the directory's lock (the caller's, or the one Open took).
	// The caller releases it once nothing writes the directory any more.
	Lock *DirLock
}

// Open locks a data directory (an error wrapping ErrDirLocked when another
// holder has it), loads it into o.Engine (the newest valid snapshot,
// then, with AppendOnly, the segments after it; see Recover), decides which
// history the node continues, and opens the log for appending. The rules:
//
//   - an empty directory starts a new history;
//   - a snapshot without a log starts a new history: operations after it
//     may have reached secondaries and be lost here;
//   - a node whose files were written as a secondary and that starts as a
//     primary starts a new history: the one it copied is not its own to
//     continue;
//   - otherwise the node continues its history (same ID and sequence), and
//     its secondaries resume with a partial resync.
func Open(o OpenOptions) (*Opened, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	lock := o.Lock
	if lock == nil {
		var err error
		if lock, err = LockDir(o.Dir); err != nil {
			return nil, err
		}
	}
	out, err := open(o)
	if err != nil {
		if o.Lock == nil {
			lock.Unlock()
		}
		return nil, err
	}
	out.Lock = lock
	return out, nil
}

// open is Open once the directory is locked.
func open(o OpenOptions) (*Opened, error) {
	// The snapshot's keys go straight into the keyspace being built as
	// the file is read and verified.
	var tail groupTail
	var each groupFunc
	if o.KeepOps > 0 {
		each = func(g []engine.Effect, before, last uint64) {
			o.Engine.Apply(g, nil)
			tail.add(g, before, last, o.KeepOps)
		}
	}
	rec, err := recoverDir(o.Dir, o.Engine.Databases(), o.AppendOnly, o.Logger, o.Progress, false, o.Engine.NewLoader, each)
	if err != nil {
		return nil, err
	}
	h := rec.History
	if h != nil {
		if h.Loaded != nil {
			h.Loaded.Commit(nil)
			h.Loaded = nil
		}
		if each == nil {
			for _, g := range h.Groups {
				o.Engine.Apply(g, nil)
			}
		} else {
			var before uint64
			h.Groups, before = tail.kept()
			h.Skipped = h.Last - h.Base // none kept
			if len(h.Groups) > 0 {
				h.Skipped = before - h.Base
			}
		}
	}
	switch {
	case h == nil:
		h = &History{ReplID: frame.NewReplID(), Role: RolePrimary, Fresh: true}
	case len(rec.Segments) == 0:
		h.ReplID, h.Fresh = frame.NewReplID(), true
	case h.Role == RoleReplica && !o.Follows:
		o.Logger.Info("this node was a secondary and starts as a primary: new history", "old_replid", h.ReplID)
		h.ReplID, h.Fresh = frame.NewReplID(), true
	}
	if !o.Follows {
		h.Role = RolePrimary
	}
	out := &Opened{History: h, Recovered: rec}
	if !o.AppendOnly {
		return out, nil
	}
	out.Log, err = OpenAOF(AOFOptions{
		Segments:     rec.Segments,
		NameFor:      func(base uint64) string { return SegmentPath(o.Dir, base) },
		ReplID:       h.ReplID,
		Role:         h.Role,
		Last:         h.Last,
		Policy:       o.Policy,
		SegmentLimit: o.SegmentLimit,
		Logger:       o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("opening the log: %w", err)
	}
	return out, nil
}

// groupTail keeps the newest groups of a log that is applied as it is
// read: whole groups, the fewest that hold at least keep operations (all
// of them when the log holds fewer).
type groupTail struct {
	gs      [][]engine.Effect
	befores []uint64 // the sequence before each group's first operation
	head    int      // gs[head:] are kept
	last    uint64   // the newest group's last sequence
}

func (t *groupTail) add(g []engine.Effect, before, last uint64, keep int) {
	t.gs = append(t.gs, g)
	t.befores = append(t.befores, before)
	t.last = last
	// Drop the oldest group while the newer ones hold enough.
	for t.head+1 < len(t.gs) && t.last-t.befores[t.head+1] >= uint64(keep) {
		t.gs[t.head] = nil
		t.head++
	}
	if t.head >= 1024 && 2*t.head >= len(t.gs) {
		n := copy(t.gs, t.gs[t.head:])
		clear(t.gs[n:])
		t.gs = t.gs[:n]
		t.befores = t.befores[:copy(t.befores, t.befores[t.head:])]
		t.head = 0
	}
}

// kept returns the groups kept and the sequence before the first one's
// first operation.
func (t *groupTail) kept() ([][]engine.Effect, uint64) {
	if t.head == len(t.gs) {
		return nil, t.last
	}
	return t.gs[t.head:], t.befores[t.head]
}
