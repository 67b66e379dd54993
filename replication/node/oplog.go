package node

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// OpLog is what a primary's senders need from the operation log.
type OpLog interface {
	// Last returns the sequence of the newest entry (0 when none ever).
	Last() uint64
	// First returns the oldest sequence still readable.
	First() uint64
	// Read appends to buf the entries from seq on, at most max of them. It
	// returns aof.ErrCompacted when seq has left the log.
	Read(seq uint64, max int, buf []frame.Entry) ([]frame.Entry, error)
	// TimeOf returns when entry seq was logged, if it is still in the log.
	TimeOf(seq uint64) (int64, bool)
	// EffectAt returns the effect of entry seq, if it is still in the
	// log, without encoding anything.
	EffectAt(seq uint64) (engine.Effect, bool)
	// Keep makes the log keep its operations from now on, if it did not
	// (see MemLog.Idle): a secondary is about to ask for them.
	Keep()
	// Keeping reports whether the log keeps operations (false while idle).
	Keeping() bool
	// Subscribe returns a channel that receives a value (coalesced) after
	// appends, and a function that unsubscribes. The value comes at the
	// next Wake or Publish, and at the latest wakeDelay after the append.
	// A subscriber that takes operation batches (batches set) reads with
	// ReadBatches.
	Subscribe(batches bool) (<-chan struct{}, func())
	// ReadBatches is Read for a subscriber that takes operation batches:
	// an entry may come without its Frame when a batch (Entry.Batch) that
	// starts at a returned entry and ends at another holds it; max may be
	// exceeded to end such a batch.
	ReadBatches(seq uint64, max int, buf []frame.Entry) ([]frame.Entry, error)
	// Wake wakes the subscribers now if anything was appended since they
	// were last woken: a client's WriteDone calls it once per pipeline, so
	// the senders read a whole event-loop turn's operations at once.
	Wake()
	// DigestAt returns the dataset digest after seq when the log knows
	// it: seq ends a group it holds with its digest, or is where the log
	// started (see MemLog.Start).
	DigestAt(seq uint64) (engine.Digest, bool)
	// Behind returns about how many bytes of logged operations come
	// after seq: what a secondary sent up to seq still waits for, as far
	// as the log holds it.
	Behind(seq uint64) int64
	// Pin keeps entries from seq on in the log, beyond its normal size,
	// until unpin is called (a full sync in progress needs them).
	Pin(seq uint64) (unpin func())
	// Publish encodes what was logged since the last call and makes it
	// readable (Read does it too).
	Publish()
	// CutAfter notes, cheaply (it runs under the engine lock), that run
	// must be called with the last sequence logged now, in publishing
	// order: after every entry up to it is handed to the disk log and
	// before any later one is. The Publish that passes that point calls
	// it; the caller's next Publish returns only once it has run.
	CutAfter(run func(last uint64)) uint64
}

// MemLog is a bounded in-memory OpLog. It is also the engine.Sink of a
// primary: Record runs under the engine lock, so sequence order is apply
// order. It keeps the newest size entries, and more while a pin needs them
// (each connected secondary pins its position, so a burst of writes does
// not cut off a secondary that is briefly behind), up to hardSize entries,
// beyond which pins no longer hold: like Redis's replica output buffer
// limit, that bounds memory and sends a hopelessly slow secondary to a full
// resync.
//
// Record runs under the engine lock and only numbers the effects. Encoding
// happens after the lock is released, in Publish, once per operation and
// in sequence order: readers (the senders, the disk log) only ever see
// published entries, so the log order stays the apply order. Nothing that
// runs under the engine lock (Record, CutAfter) takes pubMu or encodes.
// Lock order: pubMu, then mu; the AOF's lock is taken under pubMu, never
// under mu.
type MemLog struct {
	size, hardSize int
	// maxBytes and hardBytes bound the entries' frames and values as size
	// and hardSize bound their number.
	maxBytes, hardBytes int64
	dbs                 int // a FLUSHALL is logged as one FLUSH per database
	now                 func() time.Time

	// pubMu serialises Publish, so frames are built and handed to the disk
	// log in sequence order; it guards the encoder state below.
	pubMu    sync.Mutex
	enc      frame.Encoder
	build    frame.Builder
	op       frame.Op
	pending  []frame.Entry // Publish's copy of the entries it encodes
	slab     []byte        // frames are copied into it (see slabSize)
	scratch  []byte        // a frame is encoded here first
	values   []byte        // the entries' values are copied into it (see ownValue)
	encodes  atomic.Int64
	batchEnc frame.OpBatchEncoder
	batchBuf []byte // the batch being encoded
	batches  atomic.Int64
	aof      Log // when set, every published entry is appended to it
	// beforeEncode, when set (tests only), is called before each batch is
	// encoded.
	beforeEncode func()

	mu    sync.Mutex    // guards everything below
	ring  []frame.Entry // circular; len is a power of two
	head  int           // index of the oldest entry
	n     int           // number of entries
	first uint64        // sequence of ring[head] (when n > 0), else next sequence
	// published is the last sequence whose Frame is set; entries after it
	// are not readable yet, nor evicted.
	published uint64
	bytes     int64 // frames and values of the entries in the ring
	// offs runs parallel to ring: the cost (entryCost) of every entry
	// logged before that one; pushed is the cost of all entries ever
	// logged. Their differences are Behind's answers.
	offs   []int64
	pushed int64
	subs   map[*chan struct{}]struct{}
	// batchSubs counts the subscribers that take operation batches: when
	// every subscriber does and no disk log needs one frame per
	// operation, Publish encodes batches (encodeBatches) instead.
	batchSubs int
	pins      map[*uint64]struct{}
	// minPin is the smallest pinned sequence (MaxUint64 when none); kept
	// up to date by Pin so the write path need not scan the pins.
	minPin uint64
	// start is the digest of the dataset at sequence startSeq, where the
	// log became the engine's sink (Start), when hasStart.
	start    engine.Digest
	startSeq uint64
	hasStart bool
	// cut is the point CutAfter noted, until a Publish has run it.
	cut *logCut
	// idle: no secondary has asked for the log yet (see Idle), so what
	// nothing else needs is numbered and not kept.
	idle bool
	// hasAOF mirrors aof != nil for Record, which does not take pubMu.
	hasAOF bool
	// wakeDue: entries were appended since the subscribers were last
	// woken; wakeArmed: wakeTimer runs and will wake them (see
	// wakeLaterLocked).
	// wakeDue is written under mu and read without it by Wake's fast
	// path: a client's WriteDone, with no subscriber, takes no lock.
	wakeDue   atomic.Bool
	wakeArmed bool
	wakeTimer *time.Timer
}

// logCut is something to do at one point of the publishing order (a
// snapshot's segment cut): after the entries up to seq reach the disk log,
// before the later ones do.
type logCut struct {
	seq uint64
	run func(last uint64)
}

// readBytes bounds the frames one Read returns (at least one entry).
const readBytes = 4 << 20

// SetAOF makes the log append every entry it publishes from now on to a.
func (l *MemLog) SetAOF(a Log) {
	l.pubMu.Lock()
	l.aof = a
	l.mu.Lock()
	l.hasAOF = a != nil
	l.mu.Unlock()
	l.pubMu.Unlock()
}

// SetByteLimit bounds the entries kept by their frames and values too:
// beyond max bytes the oldest are dropped as beyond size entries, and pins
// hold them up to ten times that.
func (l *MemLog) SetByteLimit(max int64) {
	l.mu.Lock()
	l.maxBytes, l.hardBytes = max, max*10
	l.evictLocked()
	l.mu.Unlock()
}

// Encodes returns how many operations the log has encoded, alone or in a
// batch: once per form an operation is stored or sent in (a batch, its own
// frame for a reader that takes no batches), whatever the number of
// readers.
func (l *MemLog) Encodes() int64 { return l.encodes.Load() }

// Batches returns how many OP_BATCH frames the log has encoded.
func (l *MemLog) Batches() int64 { return l.batches.Load() }

// Publish encodes the entries recorded since the last Publish, outside the
// engine lock, appends them to the disk log, and makes them readable. The
// client that made a write calls it before waiting for the disk or the
// secondaries; readers call it too, so nothing waits for another
// goroutine. With no reader and no disk log (a primary without secondaries
// nor appendonly) nothing needs the frames yet: the entries are published
// without them, and the first Read that returns one encodes it then, once.
// A cut noted by CutAfter runs in its place in that order.
func (l *MemLog) Publish() {
	if !l.waiting() {
		return
	}
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	l.mu.Lock()
	from, last, cut := l.published+1, l.first+uint64(l.n)-1, l.cut
	if from > last || (l.aof == nil && len(l.subs) == 0) {
		l.published = last
		l.evictLocked()
		l.mu.Unlock()
		l.runCut(cut) // no entry to hand to the disk log
		return
	}
	l.pending = l.pending[:0]
	for seq := from; seq <= last; seq++ {
		l.pending = append(l.pending, *l.atLocked(seq))
	}
	// The disk log and the senders that asked take batches; a sender that
	// did not reads frames, encoded when it first needs them (Read).
	batches := l.aof != nil || l.batchSubs == len(l.subs)
	l.mu.Unlock()

	if batches {
		cutSeq := uint64(0)
		if cut != nil {
			cutSeq = cut.seq
		}
		l.encodeBatches(cutSeq)
	} else {
		l.encodePending()
	}
	l.mu.Lock()
	l.storeFramesLocked()
	l.published = last
	l.evictLocked()
	l.wakeDue.Store(true)
	l.wakeLocked()
	l.mu.Unlock()
	l.appendPending(cut)
	clear(l.pending)
}

// appendPending hands l.pending to the disk log, with cut (if any) run
// between the entries up to its sequence and the later ones. The caller
// holds pubMu.
func (l *MemLog) appendPending(cut *logCut) {
	k := len(l.pending)
	if cut != nil {
		k = 0
		for k < len(l.pending) && l.pending[k].Seq <= cut.seq {
			k++
		}
	}
	if l.aof != nil && k > 0 {
		l.aof.AddEntries(l.pending[:k])
	}
	l.runCut(cut)
	if l.aof != nil && k < len(l.pending) {
		l.aof.AddEntries(l.pending[k:])
	}
}

// runCut runs c, if any, and forgets it. The caller holds pubMu.
func (l *MemLog) runCut(c *logCut) {
	if c == nil {
		return
	}
	c.run(c.seq)
	l.mu.Lock()
	l.cut = nil
	l.mu.Unlock()
}

// CutAfter implements OpLog. Only one cut waits at a time: the node takes
// its snapshots one by one, and publishes right after noting one.
func (l *MemLog) CutAfter(run func(last uint64)) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut != nil {
		panic("replication: a log cut noted while another waits")
	}
	last := l.first + uint64(l.n) - 1
	l.cut = &logCut{seq: last, run: run}
	return last
}

// atLocked returns the ring's entry of seq, which the ring holds.
func (l *MemLog) atLocked(seq uint64) *frame.Entry {
	return &l.ring[(uint64(l.head)+seq-l.first)&uint64(len(l.ring)-1)]
}

// slabSize is the size of the buffers frames are kept in: each frame is
// a slice of one, so a publish allocates once per slab, not per
// operation; a frame larger than that gets a buffer of its own.
const slabSize = 64 << 10

// encodePending sets the Frame of each entry of l.pending. The caller holds
// pubMu, not mu.
func (l *MemLog) encodePending() {
	if l.beforeEncode != nil {
		l.beforeEncode()
	}
	for i := range l.pending {
		l.encodeOne(&l.pending[i])
	}
	if cap(l.scratch) > slabSize {
		l.scratch = nil // a large value's frame: not kept for the next
	}
	// The last operation's key and value (the log's copies) go with its
	// entry, not with the encoder's scratch Op.
	l.op = frame.Op{}
	l.encodes.Add(int64(len(l.pending)))
}

// encodeBatches encodes l.pending as OP_BATCH frames of up to
// frame.OpBatchBytes of packed operations, setting Batch and BatchLen on
// the first entry of each; the operations of a group larger than a batch
// get a Frame of their own instead. cut, when not 0, is a
// sequence no batch may straddle. The caller holds pubMu, not mu.
func (l *MemLog) encodeBatches(cut uint64) {
	if l.beforeEncode != nil {
		l.beforeEncode()
	}
	flush := func(from, to int) {
		if from == to {
			return
		}
		var err error
		if l.batchBuf, err = l.batchEnc.AppendBatch(l.batchBuf[:0], l.pending[from:to]); err != nil {
			panic(fmt.Sprintf("replication: cannot encode logged operations %d..%d: %v", l.pending[from].Seq, l.pending[to-1].Seq, err))
		}
		n := len(l.batchBuf)
		if cap(l.slab)-len(l.slab) < n {
			l.slab = make([]byte, 0, max(slabSize, n))
		}
		start := len(l.slab)
		l.slab = append(l.slab, l.batchBuf...)
		l.pending[from].Batch = l.slab[start:len(l.slab):len(l.slab)]
		l.pending[from].BatchLen = to - from
		l.batches.Add(1)
		l.encodes.Add(int64(to - from))
		if cap(l.slab) > slabSize {
			l.slab = nil
		}
	}
	// Batches hold whole groups, so a file cut at a frame boundary never
	// splits one, and never straddle the cut (the snapshot's segment
	// boundary, see appendPending). A group with an operation larger than
	// a batch goes one frame per operation.
	from, size := 0, 0 // the batch being filled is pending[from:i]
	for i := 0; i < len(l.pending); {
		j, gsize := i, 0 // the group is pending[i:j+1]
		for {
			gsize += frame.OpBatchItemSize(&l.pending[j])
			if l.pending[j].GroupEnd || j == len(l.pending)-1 {
				break
			}
			j++
		}
		// A group larger than a batch (one large value, or many writes
		// of one MULTI, MSET or script) goes one frame per operation: a
		// frame stays bounded.
		if gsize > frame.OpBatchBytes {
			flush(from, i)
			for k := i; k <= j; k++ {
				l.encodeOne(&l.pending[k])
				l.encodes.Add(1)
			}
			i, from, size = j+1, j+1, 0
			continue
		}
		if (size > 0 && size+gsize > frame.OpBatchBytes) || (cut != 0 && l.pending[i].Seq == cut+1) {
			flush(from, i)
			from, size = i, 0
		}
		size += gsize
		i = j + 1
	}
	flush(from, len(l.pending))
	if cap(l.batchBuf) > 2*slabSize {
		l.batchBuf = nil
	}
	l.op = frame.Op{}
}

// encodeOne sets e.Frame. The caller holds pubMu.
func (l *MemLog) encodeOne(e *frame.Entry) {
	l.build.Fill(&l.op, e, e.TimeMs)
	var err error
	if l.scratch, err = l.enc.AppendFrame(l.scratch[:0], &l.op); err != nil {
		panic(fmt.Sprintf("replication: cannot encode logged operation %d: %v", e.Seq, err))
	}
	// Each frame is copied where it fits whole, so a slab is filled to
	// its end (the ring's byte limit counts frames, not slabs).
	n := len(l.scratch)
	if cap(l.slab)-len(l.slab) < n {
		l.slab = make([]byte, 0, max(slabSize, n))
	}
	start := len(l.slab)
	l.slab = append(l.slab, l.scratch...)
	// Capped: nothing appended to the slab can reach into a frame.
	e.Frame = l.slab[start:len(l.slab):len(l.slab)]
	if cap(l.slab) > slabSize {
		l.slab = nil // a large frame's own buffer: the ring keeps it while it needs it
	}
}

// storeFramesLocked copies l.pending's frames and batches to the ring's
// entries still there. The caller holds pubMu and mu.
func (l *MemLog) storeFramesLocked() {
	for i := range l.pending {
		e := &l.pending[i]
		if e.Seq >= l.first && e.Seq < l.first+uint64(l.n) {
			r := l.atLocked(e.Seq)
			if r.Frame == nil && e.Frame != nil {
				r.Frame = e.Frame
				l.bytes += int64(len(e.Frame))
			}
			if r.Batch == nil && e.Batch != nil {
				r.Batch, r.BatchLen = e.Batch, e.BatchLen
				l.bytes += int64(len(e.Batch))
			}
		}
	}
}

// frame encodes the entries of buf that were published without a frame
// (see Publish), storing the frames in the ring too, so each operation is
// encoded once. With batches, an entry a batch in buf holds needs none.
func (l *MemLog) frame(buf []frame.Entry, batches bool) {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	l.mu.Lock()
	l.pending = l.pending[:0]
	held := uint64(0) // with batches: entries up to this one are in a batch sent whole
	for i := range buf {
		e := &buf[i]
		if batches && e.BatchLen > 0 && e.Seq+uint64(e.BatchLen)-1 <= buf[len(buf)-1].Seq {
			held = e.Seq + uint64(e.BatchLen) - 1
		}
		if e.Frame != nil || (batches && e.Seq <= held) {
			continue
		}
		if e.Seq >= l.first && e.Seq < l.first+uint64(l.n) && l.atLocked(e.Seq).Frame != nil {
			e.Frame = l.atLocked(e.Seq).Frame // another reader did it meanwhile
			continue
		}
		l.pending = append(l.pending, *e)
	}
	l.mu.Unlock()
	if len(l.pending) == 0 {
		return
	}
	l.encodePending()
	l.mu.Lock()
	l.storeFramesLocked()
	l.mu.Unlock()
	j := 0
	for i := range buf {
		if j < len(l.pending) && buf[i].Seq == l.pending[j].Seq {
			buf[i].Frame = l.pending[j].Frame
			j++
		}
	}
	clear(l.pending)
}

// waiting reports whether entries or a cut wait for Publish.
func (l *MemLog) waiting() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.published < l.first+uint64(l.n)-1 || l.cut != nil
}

// NewMemLog returns an empty log of size entries whose next sequence is
// next, for an engine of dbs databases.
func NewMemLog(size, dbs int, next uint64, now func() time.Time) *MemLog {
	if size < 1 {
		size = 1
	}
	if next == 0 {
		next = 1
	}
	return &MemLog{
		size:      size,
		hardSize:  max(size*10, 1_000_000),
		maxBytes:  math.MaxInt64,
		hardBytes: math.MaxInt64,
		dbs:       dbs,
		now:       now,
		ring:      make([]frame.Entry, 16),
		offs:      make([]int64, 16),
		first:     next,
		published: next - 1,
		subs:      map[*chan struct{}]struct{}{},
		pins:      map[*uint64]struct{}{},
		minPin:    math.MaxUint64,
	}
}

// Start implements engine.StartingSink: digest is the dataset's after the
// last sequence logged so far (the one before the first, in a new log). A
// restarted primary's log holds nothing yet, and one refilled from disk
// knows no group's digest, so without it a secondary standing exactly there
// could not be checked until the next write (see primary.stream).
func (l *MemLog) Start(digest engine.Digest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.start, l.startSeq, l.hasStart = digest, l.first+uint64(l.n)-1, true
}

// DigestAt implements OpLog.
func (l *MemLog) DigestAt(seq uint64) (engine.Digest, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 && seq >= l.first && seq < l.first+uint64(l.n) {
		if e := l.atLocked(seq); e.HasDigest {
			return e.Digest, true
		}
	}
	if l.hasStart && seq == l.startSeq {
		return l.start, true
	}
	return engine.Digest{}, false
}

// Record implements engine.Sink. A FlushAll effect becomes one FLUSH per
// database, so each entry maps to one NADB frame. The group's last entry
// keeps digest, the dataset's once the group is applied, for checkpoints.
func (l *MemLog) Record(effects []engine.Effect, digest engine.Digest, atMs int64) {
	l.record(effects, digest, true, atMs)
}

// record logs one group made at now (Unix milliseconds); hasDigest says
// whether digest is known (a log refilled from disk knows only its last
// group's).
func (l *MemLog) record(effects []engine.Effect, digest engine.Digest, hasDigest bool, now int64) {
	l.mu.Lock()
	n := 0
	for _, ef := range effects {
		if ef.Kind == engine.EffectFlushAll {
			n += l.dbs
		} else {
			n++
		}
	}
	seq := l.first + uint64(l.n)
	end := seq + uint64(n) - 1 // the group's last sequence
	if l.idle {
		// What DigestAt answers for the last sequence, whose entry an idle
		// log may not keep.
		l.start, l.startSeq, l.hasStart = digest, end, hasDigest
		if l.n == 0 && !l.hasAOF && l.cut == nil {
			// Nobody reads the log (an idle log has no subscriber nor
			// pin) and no file takes it: the group is numbered, nothing
			// else kept.
			l.first, l.published = end+1, end
			l.mu.Unlock()
			return
		}
	}
	push := func(e frame.Entry) {
		if e.Seq == end {
			e.GroupEnd, e.HasDigest, e.Digest = true, hasDigest, digest
		}
		l.pushLocked(e)
	}
	for _, ef := range effects {
		if ef.Kind == engine.EffectFlushAll {
			for db := range l.dbs {
				push(frame.Entry{Seq: seq, Effect: engine.Effect{Kind: engine.EffectFlushDB, DB: db}, Group: n, TimeMs: now})
				seq++
			}
			continue
		}
		ef.Value = l.ownValue(ef.Value)
		push(frame.Entry{Seq: seq, Effect: ef, Group: n, TimeMs: now})
		seq++
	}
	if !l.hasAOF && len(l.subs) == 0 && l.cut == nil {
		// Nothing needs frames (see Publish): published at once, so the
		// log keeps its bounds without waiting for a publisher.
		l.published = end
		l.evictLocked()
	}
	// Readers wake and publish what they read (Read), unless the writer
	// did first.
	l.wakeLaterLocked()
	l.mu.Unlock()
}

// wakeDelay bounds how long an append waits for Wake before a timer wakes
// the subscribers: what no client's WriteDone follows (active expiry, a
// client gone before its pipeline ended) still leaves this soon.
const wakeDelay = time.Millisecond

// wakeLaterLocked notes that the subscribers have entries to read. They
// are not woken at each append: a sender woken at the first of a turn's
// writes ran before the other clients' and sent a few operations per
// write (28 for SET -P 16 from 50 clients). The client's WriteDone wakes
// them once its pipeline is done (Wake), after every client the last poll
// woke has run its commands (the connection loop yields first), as Redis
// writes to its replicas once per event-loop turn; a timer wakes them
// otherwise. bench/RESULTS.md, "Seventeenth session".
func (l *MemLog) wakeLaterLocked() {
	if len(l.subs) == 0 {
		return
	}
	l.wakeDue.Store(true)
	if l.wakeArmed {
		return
	}
	l.wakeArmed = true
	if l.wakeTimer == nil {
		l.wakeTimer = time.AfterFunc(wakeDelay, l.timerWake)
	} else {
		l.wakeTimer.Reset(wakeDelay)
	}
}

func (l *MemLog) timerWake() {
	l.mu.Lock()
	l.wakeArmed = false
	l.wakeLocked()
	l.mu.Unlock()
}

// Wake implements OpLog.
func (l *MemLog) Wake() {
	if !l.wakeDue.Load() {
		// Nothing appended since the last wake-up, or no subscriber: an
		// append by this goroutine set it before (wakeLaterLocked), one
		// by another goroutine wakes them by its own WriteDone or timer.
		return
	}
	l.mu.Lock()
	l.wakeLocked()
	l.mu.Unlock()
}

// wakeLocked wakes the subscribers if anything was appended since they
// were last woken.
func (l *MemLog) wakeLocked() {
	if !l.wakeDue.Load() {
		return
	}
	l.wakeDue.Store(false)
	for c := range l.subs {
		select {
		case *c <- struct{}{}:
		default:
		}
	}
}

// Adopt appends operations a secondary received and applied, as they came:
// each entry carries its frame and an effect the caller gives up. They are
// published at once (they need no encoding, and a secondary's disk log has
// them already). The last entry ends a group with the dataset's digest.
// An entry that does not continue the log (a gap: an operation applied
// without a change) starts it again from that entry. This is a secondary's
// backlog: promoted, the node serves from it the secondaries that followed
// the same primary (see primary.replID2).
func (l *MemLog) Adopt(ents []frame.Entry, digest engine.Digest) {
	if len(ents) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if next := l.first + uint64(l.n); ents[0].Seq != next {
		for l.n > 0 {
			l.ring[l.head] = frame.Entry{}
			l.head = (l.head + 1) & (len(l.ring) - 1)
			l.n--
		}
		l.first, l.bytes = ents[0].Seq, 0
	}
	for i, e := range ents {
		if e.Seq != l.first+uint64(l.n) {
			return // a gap inside the batch: keep what continues
		}
		if i == len(ents)-1 {
			e.GroupEnd, e.HasDigest, e.Digest = true, true, digest
		}
		l.pushLocked(e)
		l.bytes += int64(len(e.Frame) + len(e.Batch))
	}
	l.published = l.first + uint64(l.n) - 1
	l.evictLocked()
}

// ownValue returns a copy of v that the log owns: an effect's value is
// the engine's only while Record runs (the next SET of the key may write
// over it). Values are copied into shared buffers (sharedCopy), as frames
// are, so logging a write does not allocate. The caller holds mu.
func (l *MemLog) ownValue(v []byte) []byte {
	if v == nil {
		return nil
	}
	return sharedCopy(&l.values, len(v), func(dst []byte) []byte { return append(dst, v...) })
}

// sharedCopy returns the n bytes appendTo appends, kept in *buf: a shared
// buffer of slabSize, replaced by a new one when it lacks room, so that
// many small copies cost one allocation. A copy of more than a quarter of
// a buffer gets one of its own. Nothing is ever written over a copy
// handed out.
func sharedCopy(buf *[]byte, n int, appendTo func([]byte) []byte) []byte {
	if n > slabSize/4 {
		return appendTo(make([]byte, 0, n))
	}
	if cap(*buf)-len(*buf) < n {
		*buf = make([]byte, 0, slabSize)
	}
	start := len(*buf)
	*buf = appendTo(*buf)
	return (*buf)[start:len(*buf):len(*buf)]
}

func (l *MemLog) pushLocked(e frame.Entry) {
	if l.n == len(l.ring) {
		l.evictLocked()
		if l.n == len(l.ring) {
			l.resizeLocked(len(l.ring) * 2)
		}
	}
	i := (l.head + l.n) & (len(l.ring) - 1)
	l.ring[i], l.offs[i] = e, l.pushed
	l.pushed += entryCost(&e)
	l.bytes += int64(len(e.Effect.Value))
	l.n++
}

// evictLocked drops the oldest published entries beyond size entries or
// maxBytes, but not those a pin needs unless the log has reached hardSize
// or hardBytes. A ring left mostly empty shrinks.
func (l *MemLog) evictLocked() {
	size := l.size
	if l.idle && !l.hasAOF {
		// Nothing reads the entries. With a log on disk the newest are
		// kept: a snapshot's header names its last operation's digest
		// (primary.digestAt), which the file would otherwise be read for.
		size = 0
	}
	for l.n > 0 && l.first <= l.published && (l.n > size || l.bytes > l.maxBytes) &&
		(l.first < l.minPin || l.n > l.hardSize || l.bytes > l.hardBytes) {
		e := &l.ring[l.head]
		l.bytes -= int64(len(e.Frame) + len(e.Batch) + len(e.Effect.Value))
		*e = frame.Entry{}
		l.head = (l.head + 1) & (len(l.ring) - 1)
		l.n--
		l.first++
	}
	if len(l.ring) > 64 && l.n < len(l.ring)/8 {
		l.resizeLocked(len(l.ring) / 4)
	}
}

// resizeLocked moves the entries to a ring of size entries (a power of
// two, at least n).
func (l *MemLog) resizeLocked(size int) {
	nr, no := make([]frame.Entry, size), make([]int64, size)
	for i := range l.n {
		j := (l.head + i) & (len(l.ring) - 1)
		nr[i], no[i] = l.ring[j], l.offs[j]
	}
	l.ring, l.offs, l.head = nr, no, 0
}

// entryOverhead approximates what a frame adds to an operation's key and
// value: the length prefix, the JSON field names and numbers, the
// checksum.
const entryOverhead = 160

// entryCost approximates the bytes of e's frame without encoding it.
func entryCost(e *frame.Entry) int64 {
	return int64(len(e.Effect.Key)+len(e.Effect.Value)) + entryOverhead
}

// Behind implements OpLog. A position older than the log counts from the
// log's first entry: the log holds nothing older for anyone.
func (l *MemLog) Behind(seq uint64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := max(seq+1, l.first)
	if next >= l.first+uint64(l.n) {
		return 0
	}
	return l.pushed - l.offs[(uint64(l.head)+next-l.first)&uint64(len(l.ring)-1)]
}

// Last implements OpLog.
func (l *MemLog) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first + uint64(l.n) - 1
}

// First implements OpLog.
func (l *MemLog) First() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

// Read implements OpLog. It returns published entries only, publishing
// what waits first, each with its frame, and at most readBytes of frames
// and values (at least one entry).
func (l *MemLog) Read(seq uint64, max int, buf []frame.Entry) ([]frame.Entry, error) {
	return l.read(seq, max, false, buf)
}

// ReadBatches implements OpLog.
func (l *MemLog) ReadBatches(seq uint64, max int, buf []frame.Entry) ([]frame.Entry, error) {
	return l.read(seq, max, true, buf)
}

func (l *MemLog) read(seq uint64, max int, batches bool, buf []frame.Entry) ([]frame.Entry, error) {
	l.Publish()
	l.mu.Lock()
	if seq < l.first {
		l.mu.Unlock()
		return buf, aof.ErrCompacted
	}
	size, start, missing := 0, len(buf), false
	batchEnd := uint64(0) // the last sequence of the batch being returned
	for i := seq - l.first; i < uint64(l.n) && l.first+i <= l.published && ((max > 0 && size < readBytes) || l.first+i <= batchEnd); i++ {
		e := l.ring[(uint64(l.head)+i)&uint64(len(l.ring)-1)]
		if !batches {
			e.Batch, e.BatchLen = nil, 0
		} else if e.BatchLen > 0 {
			batchEnd = e.Seq + uint64(e.BatchLen) - 1
		}
		buf = append(buf, e)
		size += len(e.Frame) + len(e.Batch) + len(e.Effect.Value)
		missing = missing || (e.Frame == nil && (!batches || e.Seq > batchEnd))
		max--
	}
	l.mu.Unlock()
	if missing {
		l.frame(buf[start:], batches)
	}
	return buf, nil
}

// TimeOf implements OpLog.
func (l *MemLog) TimeOf(seq uint64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.first || seq >= l.first+uint64(l.n) {
		return 0, false
	}
	return l.ring[(uint64(l.head)+seq-l.first)&uint64(len(l.ring)-1)].TimeMs, true
}

// EffectAt implements OpLog.
func (l *MemLog) EffectAt(seq uint64) (engine.Effect, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.first || seq >= l.first+uint64(l.n) {
		return engine.Effect{}, false
	}
	return l.atLocked(seq).Effect, true
}

// Idle makes a new log keep nothing until Keep, unless it has a log on
// disk to feed: a primary that no secondary has asked to follow keeps no
// backlog, as Redis creates its backlog when the first replica connects.
// Its operations are numbered all the same, and the digest of the dataset
// after the last one is known (DigestAt). Keep, Subscribe and Pin end it,
// for good.
func (l *MemLog) Idle() {
	l.mu.Lock()
	l.idle = true
	l.mu.Unlock()
}

// Keep implements OpLog.
func (l *MemLog) Keep() {
	l.mu.Lock()
	l.idle = false
	l.mu.Unlock()
}

// Keeping implements OpLog.
func (l *MemLog) Keeping() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.idle
}

// Subscribe implements OpLog.
func (l *MemLog) Subscribe(batches bool) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	l.mu.Lock()
	l.idle = false
	l.subs[&c] = struct{}{}
	if batches {
		l.batchSubs++
	}
	l.mu.Unlock()
	return c, func() {
		l.mu.Lock()
		delete(l.subs, &c)
		if batches {
			l.batchSubs--
		}
		if len(l.subs) == 0 && l.wakeTimer != nil {
			// The last sender is gone: nothing is left to wake.
			l.wakeTimer.Stop()
			l.wakeArmed = false
			l.wakeDue.Store(false)
		}
		l.mu.Unlock()
	}
}

// Pin implements OpLog.
func (l *MemLog) Pin(seq uint64) func() {
	p := new(uint64)
	*p = seq
	l.mu.Lock()
	l.idle = false
	l.pins[p] = struct{}{}
	l.minPin = min(l.minPin, seq)
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.pins, p)
		l.minPin = math.MaxUint64
		for q := range l.pins {
			l.minPin = min(l.minPin, *q)
		}
		l.mu.Unlock()
	}
}
