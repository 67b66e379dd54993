package node

import (
	"errors"
	"os"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
)

// Errors of SAVE, BGSAVE and BGREWRITEAOF.
var (
	// ErrSaveInProgress: a snapshot asked for by SAVE or BGSAVE is being
	// written.
	ErrSaveInProgress error = inProgressError{rewrite: false}
	// ErrRewriteInProgress: a snapshot asked for by BGREWRITEAOF (or the
	// automatic rewrite) is being written.
	ErrRewriteInProgress error = inProgressError{rewrite: true}
	// ErrNoDataDir: the node was built without a data directory.
	ErrNoDataDir = errors.New("no data directory")
)

// inProgressError tells the front end, through SaveInProgress and
// RewriteInProgress, which kind of snapshot is being written, so it can
// answer as Redis does for an RDB save or an AOF rewrite in progress.
type inProgressError struct{ rewrite bool }

func (e inProgressError) Error() string {
	if e.rewrite {
		return "append-only file rewrite already in progress"
	}
	return "snapshot already in progress"
}
func (e inProgressError) SaveInProgress() bool    { return !e.rewrite }
func (e inProgressError) RewriteInProgress() bool { return e.rewrite }

// errSnapshotStale: the log was reset (a full resync) after the snapshot
// was captured.
var errSnapshotStale = errors.New("the dataset was replaced while the snapshot was taken")

// saveKind is what asked for a snapshot: all kinds write the same files,
// but Redis answers and counts RDB saves and AOF rewrites apart.
type saveKind uint8

const (
	kindSave    saveKind = iota + 1 // SAVE, BGSAVE
	kindRewrite                     // BGREWRITEAOF, automatic rewrite
)

// PersistOptions configures snapshots and compaction.
type PersistOptions struct {
	// Dir is the data directory; empty disables snapshots.
	Dir string
	// AutoRewritePercentage and AutoRewriteMinSize trigger a snapshot when
	// the data on disk has grown by that percentage since the last one and
	// is at least that many bytes, as Redis's auto-aof-rewrite-* do. A
	// percentage of 0 disables it.
	AutoRewritePercentage int
	AutoRewriteMinSize    int64
	// LastSave is when the loaded snapshot was written (zero: none), and
	// SnapshotBytes its size.
	LastSave      time.Time
	SnapshotBytes int64
}

// saveState is the node's snapshot bookkeeping, for INFO persistence.
type saveState struct {
	mu           sync.Mutex
	running      bool
	kind         saveKind      // of the running snapshot
	ended        chan struct{} // closed when the running snapshot ends
	schedSave    bool          // BGSAVE SCHEDULE during a rewrite
	schedRewrite bool          // BGREWRITEAOF during a save
	saves        int64         // snapshots by kind, for rdb_saves and aof_rewrites
	rewrites     int64
	started      time.Time
	lastSave     time.Time
	lastOK       [3]bool          // by saveKind: the last snapshot of that kind succeeded
	lastTook     [3]time.Duration // by saveKind
	savedSeq     uint64           // sequence of the last snapshot (changes since count from it)
	baseBytes    int64            // data on disk right after the last snapshot
	autoPct      int
	autoMin      int64
	gen          uint64 // the log's generation when the running snapshot was captured
	wg           sync.WaitGroup
}

// SetAutoRewrite changes auto-aof-rewrite-percentage and
// auto-aof-rewrite-min-size.
func (n *Node) SetAutoRewrite(pct int, minSize int64) {
	n.save.mu.Lock()
	n.save.autoPct, n.save.autoMin = pct, minSize
	n.save.mu.Unlock()
}

// initPersist sets up snapshots and starts the automatic rewrite check.
func (n *Node) initPersist() {
	o := n.opts.Persist
	n.save.lastOK = [3]bool{true, true, true}
	n.save.autoPct, n.save.autoMin = o.AutoRewritePercentage, o.AutoRewriteMinSize
	n.save.lastSave = o.LastSave
	if n.save.lastSave.IsZero() {
		n.save.lastSave = time.Now()
	}
	n.save.savedSeq = n.Sequence()
	n.save.baseBytes = o.SnapshotBytes
	if a := n.opts.AOF; a != nil {
		n.save.baseBytes += a.LogBytes()
	}
	if o.Dir == "" || n.opts.AOF == nil {
		return
	}
	n.save.wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-n.done:
				return
			case <-t.C:
				n.maybeAutoRewrite()
			}
		}
	})
}

// maybeAutoRewrite starts a snapshot when the log has grown enough.
func (n *Node) maybeAutoRewrite() {
	n.save.mu.Lock()
	base, running, pct, minSize := n.save.baseBytes, n.save.running, n.save.autoPct, n.save.autoMin
	n.save.mu.Unlock()
	if running || pct <= 0 || n.opts.AOF.WriteError() != nil {
		return // no copy of the dataset every second while the log fails
	}
	total := n.opts.AOF.LogBytes() + n.snapshotBytes()
	if total < minSize || (total-base)*100 < int64(pct)*base {
		return
	}
	n.opts.Logger.Info("starting an automatic rewrite", "bytes_on_disk", total, "after_last_rewrite", base,
		"growth_percent", (total-base)*100/max(base, 1))
	_, _ = n.Rewrite()
}

// snapshotBytes returns the size of the newest snapshot on disk.
func (n *Node) snapshotBytes() int64 {
	files, err := aof.ListDir(n.opts.Persist.Dir)
	if err != nil || len(files.Snapshots) == 0 {
		return 0
	}
	st, err := os.Stat(aof.SnapshotPath(n.opts.Persist.Dir, files.Snapshots[0]))
	if err != nil {
		return 0
	}
	return st.Size()
}

// Save writes a snapshot of the dataset to the data directory, then
// deletes the log segments and older snapshots it covers. Writes go on
// meanwhile: the snapshot is taken at one sequence, and the log from there
// on goes to a new segment. With background (BGSAVE), Save returns once
// the snapshot is started; without (SAVE) it returns when it is written,
// after waiting for a rewrite in progress.
func (n *Node) Save(background bool) error {
	for {
		_, err := n.startSave(kindSave, background, 0)
		if background || !errors.Is(err, ErrRewriteInProgress) {
			return err
		}
		if !n.waitSaveEnded() {
			return aof.ErrAOFClosed
		}
	}
}

// ScheduleSave is BGSAVE SCHEDULE: a background save now, or right after
// the rewrite in progress, which it reports.
func (n *Node) ScheduleSave() (scheduled bool, err error) {
	return n.startSave(kindSave, true, kindRewrite)
}

// Rewrite is BGREWRITEAOF: the same snapshot, in the background, now or
// right after the save in progress, which it reports.
func (n *Node) Rewrite() (scheduled bool, err error) {
	return n.startSave(kindRewrite, true, kindSave)
}

// startSave starts a snapshot of the given kind unless one is running.
// When the running one is of kind behind, it schedules this one to follow
// it instead (in the same critical section that sees it running, so the
// request cannot fall between its end and the scheduling).
func (n *Node) startSave(kind saveKind, background bool, behind saveKind) (scheduled bool, err error) {
	if n.opts.Persist.Dir == "" {
		return false, ErrNoDataDir
	}
	n.save.mu.Lock()
	if n.save.running {
		running := n.save.kind
		if behind != 0 && running == behind {
			if kind == kindRewrite {
				n.save.schedRewrite = true
			} else {
				n.save.schedSave = true
			}
			n.save.mu.Unlock()
			return true, nil
		}
		n.save.mu.Unlock()
		if running == kindRewrite {
			return false, ErrRewriteInProgress
		}
		return false, ErrSaveInProgress
	}
	n.save.running, n.save.kind = true, kind
	n.save.ended = make(chan struct{})
	n.save.started = time.Now()
	n.save.mu.Unlock()

	h, items, release, cut := n.capture()
	if !background {
		defer release()
		return false, n.finishSave(h, items, cut)
	}
	n.save.wg.Go(func() {
		defer release()
		_ = n.finishSave(h, items, cut)
	})
	return false, nil
}

// waitSaveEnded waits until the running snapshot ends; false means the
// node closed first.
func (n *Node) waitSaveEnded() bool {
	n.save.mu.Lock()
	ch := n.save.ended
	n.save.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-n.done:
		return false
	}
}

// capture takes the snapshot's items at one sequence and, when the node
// persists its log, cuts a new segment there. The items and the sequence
// are taken under the engine lock; a primary's cut only noted there
// (MemLog.CutAfter), so nothing is encoded under that lock: the entries
// still waiting are encoded by the Publish that follows, with the cut
// between the ones up to seq and the later ones.
func (n *Node) capture() (h aof.SnapshotHeader, items engine.Items, release func(), cut bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, s := n.prim, n.sec
	var replID string
	var seq uint64
	snap := n.eng.Capture(func(d engine.Digest) {
		h.Dataset = d
		switch {
		case p == nil:
			replID, seq = s.history()
			cut = n.cutLog(seq, replID, aof.RoleReplica)
		case n.opts.AOF == nil:
			replID, seq = p.replID, p.log.Last()
		default:
			replID = p.replID
			seq = p.log.CutAfter(func(last uint64) { cut = n.cutLog(last, replID, aof.RolePrimary) })
		}
	})
	if p != nil {
		p.log.Publish() // returns once the cut has run
	}
	// The digest of the operation at seq goes into the snapshot's header
	// (outside the engine lock: it may read the log on disk).
	var digest []byte
	if p != nil {
		digest, _ = p.digestAt(seq)
	} else {
		digest = s.lastApplied().digestFor(seq)
	}
	h.ReplID, h.Seq, h.LastDigest = replID, seq, digest
	return h, snap, snap.Release, cut
}

// cutLog makes what the log on disk (if any) gets after last go to a new
// segment of history replID written as role, and notes the log's
// generation for the save. It reports whether the log continues at last.
func (n *Node) cutLog(last uint64, replID, role string) bool {
	a := n.opts.AOF
	if a == nil {
		return false
	}
	cut := a.Continue(last, replID, role)
	if cut {
		a.Cut(last, replID, role)
	}
	gen := a.Generation()
	n.save.mu.Lock()
	n.save.gen = gen
	n.save.mu.Unlock()
	return cut
}

// finishSave writes the captured snapshot and drops what it covers.
func (n *Node) finishSave(h aof.SnapshotHeader, items engine.Items, cut bool) error {
	seq := h.Seq
	dir := n.opts.Persist.Dir
	start := time.Now()
	var size int64
	write := func() error {
		a := n.opts.AOF
		n.save.mu.Lock()
		gen := n.save.gen
		n.save.mu.Unlock()
		if a != nil && a.Generation() != gen {
			// A full resync replaced the dataset and the files since the
			// capture: this snapshot is of data the node no longer holds.
			return errSnapshotStale
		}
		if a != nil && cut {
			// The segment after the snapshot exists before the snapshot
			// does, so a start that finds the snapshot finds what
			// follows it. A Reset since the capture (a full resync on a
			// secondary) makes this fail: the capture is stale.
			if err := a.WaitSegment(seq); err != nil {
				return err
			}
		}
		var err error
		if size, err = aof.WriteItems(dir, h, items, n.done); err != nil {
			return err
		}
		switch {
		case a != nil && cut:
			if _, err := a.DropBefore(seq); err != nil {
				return err
			}
		case a == nil:
			// Without a log, segments left from an earlier run are
			// older than this snapshot: they would only mislead a start.
			if files, lerr := aof.ListDir(dir); lerr == nil {
				for _, b := range files.Segments {
					_ = os.Remove(aof.SegmentPath(dir, b))
				}
			}
		}
		// Every other snapshot is older, whatever its sequence (a full
		// resync can move a node's sequence back).
		aof.RemoveOtherSnapshots(dir, seq)
		return nil
	}
	var err error
	if a := n.opts.AOF; a != nil {
		// No Reset rewrites the directory while the snapshot goes in.
		err = a.Exclusive(write)
	} else {
		err = write()
	}
	took := time.Since(start)
	n.save.mu.Lock()
	kind := n.save.kind
	n.save.running = false
	if n.save.ended != nil {
		close(n.save.ended)
		n.save.ended = nil
	}
	n.save.lastTook[kind] = took
	n.save.lastOK[kind] = err == nil
	var again saveKind
	switch {
	case n.save.schedRewrite:
		again = kindRewrite
	case n.save.schedSave:
		again = kindSave
	}
	n.save.schedRewrite, n.save.schedSave = false, false
	if err == nil {
		n.save.lastSave = time.Now()
		n.save.savedSeq = seq
		if kind == kindRewrite {
			n.save.rewrites++
		} else {
			n.save.saves++
		}
		n.save.baseBytes = size
		if a := n.opts.AOF; a != nil {
			n.save.baseBytes += a.LogBytes()
		}
	}
	n.save.mu.Unlock()
	if err != nil {
		if !errors.Is(err, aof.ErrSnapshotAborted) {
			n.opts.Logger.Error("snapshot failed", "dir", dir, "err", err)
		}
		return err
	}
	n.opts.Logger.Info("snapshot written", "sequence", seq, "keys", items.Len(), "bytes", size, "took", took)
	if again != 0 {
		select {
		case <-n.done:
		default:
			_, _ = n.startSave(again, true, 0)
		}
	}
	return nil
}

// LastSave returns when the last snapshot was written (or the start).
func (n *Node) LastSave() time.Time {
	n.save.mu.Lock()
	defer n.save.mu.Unlock()
	return n.save.lastSave
}

// PersistenceStatus is what INFO persistence reports about snapshots and
// the log on disk, as typed values.
type PersistenceStatus struct {
	ChangesSinceSave  uint64 // operations logged since the last snapshot
	SaveInProgress    bool   // a SAVE/BGSAVE snapshot is being written
	RewriteInProgress bool   // a BGREWRITEAOF (or automatic) snapshot is being written
	RewriteScheduled  bool
	Running           time.Duration // how long the running snapshot has taken (0: none)
	LastSave          time.Time
	LastSaveOK        bool
	LastRewriteOK     bool
	Saves, Rewrites   int64
	// LastSaveTook and LastRewriteTook are the last snapshot of each
	// kind's duration (meaningful when Saves, Rewrites > 0).
	LastSaveTook, LastRewriteTook time.Duration
	AOFEnabled                    bool
	WriteOK                       bool  // the log can be written (aof_last_write_status)
	LogBytes                      int64 // log and snapshot bytes on disk
	BaseBytes                     int64 // their size after the last snapshot
	Segments                      int
}

// Persistence returns the state of snapshots and of the log on disk.
func (n *Node) Persistence() PersistenceStatus {
	n.save.mu.Lock()
	st := PersistenceStatus{
		SaveInProgress:    n.save.running && n.save.kind == kindSave,
		RewriteInProgress: n.save.running && n.save.kind == kindRewrite,
		RewriteScheduled:  n.save.schedRewrite,
		LastSave:          n.save.lastSave,
		LastSaveOK:        n.save.lastOK[kindSave],
		LastRewriteOK:     n.save.lastOK[kindRewrite],
		Saves:             n.save.saves,
		Rewrites:          n.save.rewrites,
		LastSaveTook:      n.save.lastTook[kindSave],
		LastRewriteTook:   n.save.lastTook[kindRewrite],
		BaseBytes:         n.save.baseBytes,
	}
	if n.save.running {
		st.Running = time.Since(n.save.started)
	}
	savedSeq := n.save.savedSeq
	n.save.mu.Unlock()
	seq := n.Sequence()
	st.ChangesSinceSave = seq - min(savedSeq, seq)
	a := n.opts.AOF
	st.AOFEnabled = a != nil
	st.WriteOK = a == nil || a.WriteError() == nil
	if a != nil {
		st.LogBytes = a.LogBytes() + n.snapshotBytes()
		st.Segments = len(a.Segments())
	}
	return st
}
