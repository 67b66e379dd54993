package node

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// legacyWait is how long a new peer has to send its SYNC_REQUEST before it
// is served as a reference secondary, which never speaks.
const legacyWait = time.Second

// legacyCatchUp is how many logged operations a reference secondary gets
// on connect, as the reference primary replays its last 1,000.
const legacyCatchUp = 1000

// primary is one term of this node as a primary: its history (replID and
// log) and the senders serving its secondaries. It ends with close.
type primary struct {
	eng    *engine.Engine
	log    OpLog
	replID string
	// replID2 is the history this node followed before its promotion
	// (Redis's second replication ID), "" when none: a secondary of that
	// history whose next sequence is at most offset2, the first one of
	// this term, continues here with a partial resync.
	replID2  string
	offset2  uint64
	maxFrame int
	respPort int
	logger   *slog.Logger
	stats    *syncStats
	aof      Log    // the term's append-only file, if it persists
	base     lastOp // the operation before the log's first, when known (from a snapshot)
	// verifyEvery is repl-verify-interval in nanoseconds (the node's
	// setting, changed at run time): the least time between two
	// checkpoints to one secondary; 0 or less sends none.
	verifyEvery *atomic.Int64
	faults      *faults // the test-only fault seam (faults.go); nil in production
	auth        *authSettings

	nextID atomic.Int64

	mu       sync.Mutex // guards senders, closed, progress, peers, pending
	senders  map[*sender]struct{}
	closed   bool
	progress chan struct{} // closed and replaced when a sender moves
	// peers counts the open replication connections, pending those that
	// have not completed their handshake (admitPeer).
	peers, pending int64

	wg   sync.WaitGroup // every goroutine of every sender, and the publisher
	quit chan struct{}  // closed by close: stops the publisher
}

// publishEvery is how often operations that no client waits for (expiry's
// deletions) are published when nothing else reads the log.
const publishEvery = 10 * time.Millisecond

// startPublisher publishes, every publishEvery, what was logged and that
// no client's WriteDone or sender published already.
func (p *primary) startPublisher() {
	p.quit = make(chan struct{})
	quit := p.quit
	p.wg.Go(func() {
		t := time.NewTicker(publishEvery)
		defer t.Stop()
		var lastCheck time.Time
		for {
			select {
			case <-quit:
				return
			case now := <-t.C:
				p.log.Publish()
				if now.Sub(lastCheck) >= limitEvery {
					p.enforceOutputLimits(p.auth.outLimit.Load(), now)
					lastCheck = now
				}
			}
		}
	})
}

// syncStats are INFO stats' sync_full, sync_partial_ok, sync_partial_err;
// they outlive a primary term.
type syncStats struct {
	full, partialOK, partialErr atomic.Int64
	// outputLimitDrops counts secondaries disconnected for overcoming the
	// replica output buffer limit.
	outputLimitDrops atomic.Int64
}

// sender is the state of one connected secondary.
type sender struct {
	id       int64
	conn     net.Conn
	ip       string
	port     int  // the secondary's RESP port
	legacy   bool // a reference secondary: no handshake, no ACKs
	nodeID   string
	state    atomic.Value // "wait_bgsave", "send_bulk" or "online"
	sent     atomic.Uint64
	snapSeq  atomic.Uint64 // the sequence of the snapshot a full sync sends it
	acked    atomic.Uint64
	verified atomic.Uint64 // the last sequence it verified (from its ACKs)
	ackMs    atomic.Int64
	opsSent  atomic.Int64
	bytes    atomic.Int64
	done     chan struct{}
	stopOnce sync.Once
	// softSince is when it went over the soft output limit (zero: it is
	// not over); only enforceOutputLimits touches it.
	softSince time.Time
	// pubs queues the PUBLISH messages it asked for (nil: it did not).
	pubs *pubQueue
	// shardPubs: the secondary takes SPUBLISH messages too
	// (frame.FeatureShardPubSub).
	shardPubs bool
	// batches: it asked for a full resynchronisation's keys in
	// SNAPSHOT_BATCH frames (frame.FeatureSnapshotBatch).
	batches bool
	// opBatches: it takes the live stream's operations in OP_BATCH frames
	// (frame.FeatureOpBatch).
	opBatches bool
}

func (s *sender) stop() {
	s.stopOnce.Do(func() {
		close(s.done)
		_ = s.conn.Close()
	})
}

func newPrimary(eng *engine.Engine, log OpLog, replID string, o *NodeOptions, stats *syncStats, verify *atomic.Int64, auth *authSettings) *primary {
	return &primary{
		eng:         eng,
		log:         log,
		replID:      replID,
		maxFrame:    o.MaxFrame,
		respPort:    o.RespPort,
		logger:      o.Logger,
		stats:       stats,
		verifyEvery: verify,
		faults:      o.faults,
		auth:        auth,
		senders:     map[*sender]struct{}{},
		progress:    make(chan struct{}),
	}
}

// close disconnects every secondary and waits for their goroutines, then
// publishes what is left to the disk log.
func (p *primary) close() {
	defer p.log.Publish()
	p.mu.Lock()
	p.closed = true
	if p.quit != nil {
		close(p.quit)
		p.quit = nil
	}
	for s := range p.senders {
		s.stop()
	}
	close(p.progress)
	p.progress = make(chan struct{})
	p.mu.Unlock()
	p.wg.Wait()
}

// moved wakes everyone waiting for a sender's progress.
func (p *primary) moved() {
	p.mu.Lock()
	close(p.progress)
	p.progress = make(chan struct{})
	p.mu.Unlock()
}

// serve takes ownership of conn; it returns at once.
func (p *primary) serve(conn net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = conn.Close()
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if !p.admitPeer() {
			p.logger.Warn("replication connection refused: too many peers (repl-max-peers / repl-max-unauthenticated)", "addr", conn.RemoteAddr())
			_ = conn.Close()
			return
		}
		done := false
		defer func() { p.releasePeer(done) }()
		p.handle(conn, &done)
	}()
}

func (p *primary) handle(conn net.Conn, done *bool) {
	ip, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	s := &sender{id: p.nextID.Add(1), conn: conn, ip: ip, done: make(chan struct{})}
	s.state.Store("wait_bgsave")
	defer s.stop()

	// The sender joins p.senders (and becomes visible to INFO, ROLE and
	// WAIT) only once the handshake has set its fields. Until then, Close
	// reaches it through the handshake's one-second read deadline.
	// The counter sees every byte the peer sent, including those the
	// frame reader took for a frame it could not finish: only a peer that
	// sent nothing at all is a reference secondary.
	// A peer only ever sends small frames (SYNC_REQUEST, AUTH_PROOF,
	// ACK): every frame it announces is bounded by handshakeMaxFrame, and
	// nothing more than that is read ahead.
	cr := &frame.CountingReader{R: conn}
	br := bufio.NewReaderSize(cr, handshakeMaxFrame+64)
	rd := frame.NewReader(br, handshakeMaxFrame)
	var req frame.Op
	legacyOK := p.auth.allowLegacy.Load()
	wait := handshakeTimeout
	if legacyOK {
		wait = legacyWait
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	err := rd.Next(&req)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && cr.N == 0 && legacyOK:
		p.handshakeDone(done)
		p.serveLegacy(s, br)
		return
	case errors.Is(err, os.ErrDeadlineExceeded) && cr.N == 0:
		p.logger.Warn("replication peer sent nothing: dropped (a reference secondary is served only with repl-allow-legacy yes)", "addr", conn.RemoteAddr())
		return
	case err != nil:
		p.logger.Warn("replication handshake failed", "addr", conn.RemoteAddr(), "err", err)
		return
	case req.Type != frame.OpSyncRequest:
		p.logger.Warn("replication peer spoke first with an unexpected frame", "addr", conn.RemoteAddr(), "type", req.Type)
		return
	}
	ownedRequest(&req)
	if key := p.auth.proofKey(); key != nil {
		_ = conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
		if err := p.authenticate(conn, rd, &req, key); err != nil {
			p.logger.Warn("replication peer dropped", "addr", conn.RemoteAddr(), "err", err)
			return
		}
	}
	p.handshakeDone(done)
	s.port = req.ListeningPort
	s.nodeID = string(req.NodeID)
	if ip := string(req.AnnounceIP); req.Has&frame.FieldAnnounceIP != 0 && validAnnounceIP(ip) {
		s.ip = ip
	}
	for _, f := range req.Tags {
		switch string(f) {
		case frame.FeaturePubSub:
			if s.pubs == nil {
				s.pubs = newPubQueue()
			}
		case frame.FeatureShardPubSub:
			s.shardPubs = true
		case frame.FeatureSnapshotBatch:
			s.batches = true
		case frame.FeatureOpBatch:
			s.opBatches = true
		}
	}
	// From here on the log keeps what this secondary will read, whether
	// it continues from a position or starts from a snapshot.
	p.log.Keep()
	mode, from := p.handshake(&req)
	if mode == frame.ModeFull && p.replID2 != "" && string(req.ReplID) == p.replID2 && req.FromSequence > p.offset2 {
		// A secondary (or the former primary) of the history this node
		// followed applied writes this node never received.
		p.logger.Warn("the peer holds writes of the former primary's history that this node never received; a full resync discards them",
			"replica", conn.RemoteAddr(), "operations", req.FromSequence-p.offset2, "history", p.replID2)
	}
	if mode == frame.ModePartial && req.Has&frame.FieldLastDigest != 0 && from > 1 {
		if d, ok := p.digestAt(from - 1); ok && !bytes.Equal(d, req.LastDigest) {
			// Same history, same position, another operation: this
			// primary lost writes the secondary had (its machine
			// crashed) and logged others under their numbers since.
			p.logger.Warn("the secondary's last operation differs from this primary's at the same sequence: it holds writes this primary lost; full resync",
				"replica", conn.RemoteAddr(), "sequence", from-1)
			mode, from = frame.ModeFull, 0
		}
	}
	if mode == frame.ModePartial {
		// Only within this history does the secondary's position count
		// as acknowledged; after a full sync its first ACK says.
		s.acked.Store(from - 1)
	}
	if !p.add(s) {
		return
	}
	defer p.remove(s)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.readAcks(s, rd)
	}()

	var S uint64
	var unpin func()
	if mode == frame.ModePartial {
		p.stats.partialOK.Add(1)
		if err := p.writeOp(s, &frame.Op{Type: frame.OpSyncResponse, Sequence: p.log.Last(), Mode: frame.ModePartial, ReplID: []byte(p.replID),
			FromSequence: from, ListeningPort: p.respPort,
			Has: frame.FieldMode | frame.FieldReplID | frame.FieldFromSequence | frame.FieldListeningPort}); err != nil {
			return
		}
		p.logger.Info("partial resynchronisation", "replica", conn.RemoteAddr(), "from", from)
	} else {
		p.stats.full.Add(1)
		if req.Has&frame.FieldReplID != 0 && len(req.ReplID) > 0 {
			p.stats.partialErr.Add(1)
		}
		var ok bool
		S, unpin, ok = p.fullSync(s)
		if !ok {
			if unpin != nil {
				unpin()
			}
			return
		}
		from = S + 1
	}
	p.stream(s, from, unpin, mode == frame.ModePartial)
}

// serveLegacy streams to a peer that sent nothing in its first legacyWait:
// a reference secondary, which never speaks. The moment it sends anything
// it is not one (a nadb-server secondary whose handshake came late, or a
// stranger), and the connection is dropped: a late SYNC_REQUEST must lead
// to a handshake on a new connection, never to a reference stream that
// starts wherever the catch-up starts.
func (p *primary) serveLegacy(s *sender, br *bufio.Reader) {
	s.legacy = true
	p.log.Keep()
	if !p.add(s) {
		return
	}
	defer p.remove(s)
	p.logger.Info("replication peer sent no handshake: serving it as a reference secondary", "addr", s.conn.RemoteAddr())
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer s.stop()
		_ = s.conn.SetReadDeadline(time.Time{})
		if p.faults.lateHandshakeUnfixed() {
			// The fault seam's old behaviour: whatever the peer says is
			// ignored while it is streamed to.
			_, _ = io.Copy(io.Discard, br)
			return
		}
		if _, err := br.ReadByte(); err == nil {
			p.logger.Warn("a peer served as a reference secondary spoke: dropping it", "addr", s.conn.RemoteAddr())
		}
	}()
	first := max(p.log.First(), p.log.Last()+1-min(p.log.Last(), legacyCatchUp))
	// The stream opens with a HEARTBEAT that names this history: a
	// reference secondary ignores repl_id (and takes first-1 as applied,
	// which the catch-up then continues); a nadb-server secondary whose
	// handshake came late recognises a nadb-server primary and never takes
	// the catch-up's gap for a reference primary's stream (admitReference).
	mark := frame.Op{Type: frame.OpHeartbeat, Sequence: first - 1, ReplID: []byte(p.replID), Has: frame.FieldReplID}
	if p.writeOp(s, &mark) != nil {
		return
	}
	p.stream(s, first, nil, false)
}

func (p *primary) handshake(req *frame.Op) (frame.SyncMode, uint64) {
	return handshake(req, histories{p.replID, p.replID2, p.offset2}, p.firstReadable(), p.log.Last())
}

// histories are the replication IDs a primary continues: its own and, after
// a promotion, the one it followed up to (not including) sequence offset2.
type histories struct {
	replID, replID2 string
	offset2         uint64
}

// continues reports whether a secondary of history id whose next sequence
// is from holds only operations of this node's history.
func (h histories) continues(id string, from uint64) bool {
	return id == h.replID || (h.replID2 != "" && id == h.replID2 && from <= h.offset2)
}

// handshake decides how to serve a SYNC_REQUEST: partial when the request
// names a history this primary continues and a position the log still
// holds, full otherwise.
func handshake(req *frame.Op, h histories, first, last uint64) (frame.SyncMode, uint64) {
	if req.Has&frame.FieldReplID != 0 && h.continues(string(req.ReplID), req.FromSequence) && req.Has&frame.FieldFromSequence != 0 &&
		req.FromSequence >= first && req.FromSequence <= last+1 {
		return frame.ModePartial, req.FromSequence
	}
	return frame.ModeFull, 0
}

func (p *primary) add(s *sender) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.senders[s] = struct{}{}
	return true
}

func (p *primary) remove(s *sender) {
	p.mu.Lock()
	delete(p.senders, s)
	p.mu.Unlock()
	p.moved()
	p.logger.Info("replica disconnected", "addr", s.conn.RemoteAddr())
}

// writeOp sends one frame now.
func (p *primary) writeOp(s *sender, op *frame.Op) error {
	var enc frame.Encoder
	if op.Timestamp == 0 {
		op.Timestamp = frame.NowSeconds()
	}
	buf, err := enc.AppendFrame(nil, op)
	if err != nil {
		return err
	}
	return p.write(s, buf)
}

func (p *primary) write(s *sender, buf []byte) error {
	_ = s.conn.SetWriteDeadline(time.Now().Add(p.auth.replTimeout()))
	_, err := s.conn.Write(buf)
	if err != nil {
		s.stop()
		return err
	}
	s.bytes.Add(int64(len(buf)))
	return nil
}

// fullSync streams a snapshot: SYNC_RESPONSE (full), the keys at the
// snapshot's sequence S (to a secondary that asked, in SNAPSHOT_BATCH
// frames; otherwise a SET, HASH or OBJECT frame each), then SNAPSHOT_END.
// The log is pinned from S+1 so that writes made meanwhile are still
// there afterwards.
func (p *primary) fullSync(s *sender) (S uint64, unpin func(), ok bool) {
	start := time.Now()
	var digest engine.Digest
	snap := p.eng.Capture(func(d engine.Digest) {
		S, digest = p.log.Last(), d
		unpin = p.log.Pin(S + 1)
	})
	defer snap.Release() // the keys are sent (or the sync failed) when fullSync returns
	s.snapSeq.Store(S)
	if p.aof != nil {
		// Only what the log on disk keeps goes to a secondary.
		p.log.Publish()
		if err := p.aof.Wait(S); err != nil {
			p.logger.Warn("full resynchronisation postponed: the log on disk cannot be written", "err", err)
			return S, unpin, false
		}
	}
	s.state.Store("send_bulk")
	ts := frame.NowSeconds()
	resp := frame.Op{Type: frame.OpSyncResponse, Sequence: S, Timestamp: ts, Mode: frame.ModeFull, ReplID: []byte(p.replID),
		FromSequence: S + 1, Count: uint64(snap.Len()), ListeningPort: p.respPort,
		Has: frame.FieldMode | frame.FieldReplID | frame.FieldFromSequence | frame.FieldCount | frame.FieldListeningPort}
	if d, ok := p.digestAt(S); ok {
		// The secondary's position will be S: name the operation there,
		// for the check of its next partial resync request.
		resp.LastDigest, resp.Has = d, resp.Has|frame.FieldLastDigest
	}
	if err := p.writeOp(s, &resp); err != nil {
		return S, unpin, false
	}
	// A secondary that asked gets the keys packed by the batch.
	snapEnc := frame.SnapshotEncoder{Seq: S, Timestamp: ts, Batches: s.batches}
	buf := make([]byte, 0, 256<<10)
	var encErr, writeErr error
	snap.Each(func(it *engine.Item) bool {
		if buf, encErr = snapEnc.Append(buf, it); encErr != nil {
			return false
		}
		if len(buf) >= 224<<10 {
			if writeErr = p.write(s, buf); writeErr != nil {
				return false // the link is gone
			}
			buf = buf[:0]
		}
		return true
	})
	if encErr == nil && writeErr == nil {
		buf, encErr = snapEnc.Flush(buf)
	}
	if encErr != nil {
		p.logger.Error("cannot encode snapshot key", "err", encErr)
	}
	if encErr != nil || writeErr != nil {
		return S, unpin, false
	}
	var enc frame.Encoder
	op := frame.Op{Type: frame.OpSnapshotEnd, Sequence: S, Timestamp: ts, Count: uint64(snap.Len()), Has: frame.FieldCount}
	buf, _ = enc.AppendFrame(buf, &op)
	// Always a checkpoint at the end of a full sync: the secondary checks
	// at once that it installed exactly what was taken.
	op = frame.Checkpoint(S, digest)
	buf, _ = enc.AppendFrame(buf, &op)
	if p.write(s, buf) != nil {
		return S, unpin, false
	}
	s.opsSent.Add(int64(snap.Len()))
	s.sent.Store(S)
	p.logger.Info("full resynchronisation sent", "replica", s.conn.RemoteAddr(), "keys", snap.Len(), "sequence", S, "took", time.Since(start))
	return S, unpin, true
}

// stream sends the log from next on until the secondary goes away. The
// secondary's position stays pinned in the log (its acknowledged position,
// or for a reference secondary the position it was sent), so it can fall
// behind during a burst without losing its place; pin, if not nil, is the
// full sync's pin, released once the stream holds its own. verifyStart
// (a partial resync) sends a checkpoint for next-1 at once, as far as the
// log knows that position's digest.
func (p *primary) stream(s *sender, next uint64, unpin func(), verifyStart bool) {
	pinned, from := uint64(0), next
	defer func() {
		if unpin != nil {
			unpin()
		}
	}()
	repin := func() {
		pos := next
		if !s.legacy {
			// Never below where this stream started: an acknowledgement
			// from before a full sync says nothing about the log.
			pos = max(min(pos, s.acked.Load()+1), from)
		}
		if pos == pinned {
			return
		}
		old := unpin
		unpin, pinned = p.log.Pin(pos), pos
		if old != nil {
			old()
		}
	}
	notify, unsubscribe := p.log.Subscribe(s.opBatches)
	defer unsubscribe()
	var hb heartbeats
	hb.start(p.auth.heartbeatEvery())
	defer hb.stop()
	s.sent.Store(next - 1)
	s.state.Store("online")
	p.moved()

	var (
		entries   []frame.Entry
		buf       = make([]byte, 0, 64<<10)
		err       error
		disk      frame.Cursor
		safeCh    <-chan struct{}
		ck        checkpoints
		pubEnc    frame.Encoder
		legacyB   frame.Builder
		legacyEnc frame.Encoder
		pubs      []pubMsg
		pubKick   <-chan struct{}
		ownB      frame.Builder
		ownEnc    frame.Encoder
	)
	if s.pubs != nil {
		pubKick = s.pubs.kick
	}
	ck.last = time.Now()
	if verifyStart && !s.legacy && next > 1 {
		// A partial resync: the secondary stands at next-1. Its first
		// checkpoint is for that position, even if nothing else is ever
		// sent: a history that forked there (a primary that lost its last
		// writes and logged others under their numbers, ending with the
		// same operation, which the handshake compares) would otherwise
		// go unnoticed until the next write.
		if d, ok := p.log.DigestAt(next - 1); ok {
			ck.pending, ck.seq, ck.digest = true, next-1, d
			ck.last = time.Time{}
		}
	}
	defer ck.stop()
	defer func() {
		if disk != nil {
			disk.Close()
		}
	}()
	for {
		// A secondary is sent only what the log on disk keeps if this
		// process dies, so a restarted primary never has less than what
		// its secondaries applied.
		safe := uint64(math.MaxUint64)
		if p.aof != nil {
			safe, safeCh = p.aof.Safe()
		}
		if s.opBatches {
			entries, err = p.log.ReadBatches(next, 512, entries[:0])
		} else {
			entries, err = p.log.Read(next, 512, entries[:0])
		}
		if errors.Is(err, aof.ErrCompacted) && p.aof != nil {
			if disk == nil {
				disk = p.aof.NewCursor(p.replID, p.eng.Databases())
				p.logger.Info("serving a replica from the log on disk", "replica", s.conn.RemoteAddr(), "next", next)
			}
			entries, err = disk.Read(next, 512, safe, entries[:0])
		}
		if err != nil {
			p.logger.Warn("replica fell behind the operation log; it will need a full resync", "replica", s.conn.RemoteAddr(), "next", next, "err", err)
			return
		}
		for len(entries) > 0 && entries[len(entries)-1].Seq > safe {
			entries = entries[:len(entries)-1]
		}
		if len(entries) == 0 && p.log.Last() >= next && p.aof != nil {
			p.aof.Kick() // an operation no client waits for: write it now
		}
		repin()
		if len(entries) > 0 {
			// The frames were encoded once, when logged (or are the
			// file's bytes): every sender sends the same bytes.
			buf = buf[:0]
			every, now := time.Duration(p.verifyEvery.Load()), time.Now()
			// Messages go between the operations, after those logged
			// before them.
			pubs = p.takePubs(s, entries[len(entries)-1].Seq, pubs)
			for i := 0; i < len(entries); i++ {
				e := &entries[i]
				if len(pubs) > 0 {
					buf, pubs = p.appendPubs(buf, pubs, e.Seq, &pubEnc)
				}
				switch {
				case s.legacy && frame.NeedsStandIn(e.Effect.Kind):
					buf = appendLegacy(buf, e, &legacyB, &legacyEnc)
				case s.opBatches && e.BatchLen > 0 && i+e.BatchLen <= len(entries) &&
					(len(pubs) == 0 || pubs[0].after >= entries[i+e.BatchLen-1].Seq):
					// The whole batch (ReadBatches and the disk cursor
					// return it whole; the file holds whole batches), no
					// message due between its operations.
					buf = append(buf, e.Batch...)
					i += e.BatchLen - 1
					e = &entries[i]
				case e.Frame != nil:
					buf = append(buf, e.Frame...)
				default:
					// In a batch that cannot go whole (a message goes
					// between its operations, the stream resumes in its
					// middle, a secondary that takes no batches reads
					// the file): this operation's own frame.
					buf = appendOwn(buf, e, &ownB, &ownEnc)
				}
				buf = ck.after(buf, e, every, now)
			}
			next = entries[len(entries)-1].Seq + 1
			buf, pubs = p.appendPubs(buf, pubs, next, &pubEnc)
			if p.write(s, buf) != nil {
				return
			}
			s.sent.Store(next - 1)
			s.opsSent.Add(int64(len(entries)))
			p.moved()
			if cap(buf) > 4<<20 {
				buf = make([]byte, 0, 64<<10)
			}
			continue
		}
		// Idle: the last group sent may still want its checkpoint, and
		// messages may wait.
		buf = ck.idle(buf[:0], next-1, time.Duration(p.verifyEvery.Load()), time.Now())
		pubs = p.takePubs(s, next-1, pubs)
		if buf, pubs = p.appendPubs(buf, pubs, next, &pubEnc); len(buf) > 0 {
			if p.write(s, buf) != nil {
				return
			}
			continue
		}
		select {
		case <-notify:
		case <-pubKick:
		case <-safeCh:
		case <-ck.timer():
		case now := <-hb.C():
			if !hb.due(now, p.auth.heartbeatEvery()) {
				continue
			}
			hbOp := frame.Op{Type: frame.OpHeartbeat, Sequence: p.log.Last()}
			if s.legacy {
				// A reference secondary takes a heartbeat's sequence as
				// applied; never claim more than it was sent.
				hbOp.Sequence = next - 1
			}
			if p.writeOp(s, &hbOp) != nil {
				return
			}
		case <-s.done:
			return
		}
	}
}

// readAcks reads the secondary's ACK frames until the link fails or stays
// silent for the replication timeout.
func (p *primary) readAcks(s *sender, rd *frame.Reader) {
	defer s.stop()
	var op frame.Op
	for {
		armDeadline(s.conn, p.auth.replTimeout, time.Now())
		if err := rd.Next(&op); err != nil {
			select {
			case <-s.done:
			default:
				p.logger.Info("replica link lost", "addr", s.conn.RemoteAddr(), "err", err)
			}
			return
		}
		if op.Type != frame.OpAck {
			continue
		}
		n := op.Sequence
		if op.Has&frame.FieldApplied != 0 {
			n = op.Applied
		}
		if op.Has&frame.FieldVerified != 0 {
			s.verified.Store(op.Verified)
		}
		s.acked.Store(n)
		s.ackMs.Store(time.Now().UnixMilli())
		p.moved()
	}
}

// setTimeout applies a new repl-timeout to the secondaries' links now (see
// Node.SetTimeout). A reference secondary's link has no read deadline: it
// never speaks.
func (p *primary) setTimeout(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	dl := time.Now().Add(d)
	for s := range p.senders {
		if !s.legacy {
			_ = s.conn.SetReadDeadline(dl)
		}
	}
}

// waitChan returns the channel closed at the next progress.
func (p *primary) waitChan() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.progress
}

func (p *primary) list() []*sender {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*sender, 0, len(p.senders))
	for s := range p.senders {
		out = append(out, s)
	}
	sortSenders(out)
	return out
}

// release hands what was logged to those who take it: with a log on
// disk, it encodes the entries (outside the engine lock), hands them to
// the file and wakes the senders; without, it wakes the senders, which
// publish as they read. A client's WriteDone calls it once per pipeline,
// WAIT before it waits.
func (p *primary) release() {
	if p.aof != nil {
		p.log.Publish()
	} else {
		p.log.Wake()
	}
}

// waitSent blocks until every connected secondary was sent seq and
// returns nil, or until ctx ends or closed is closed, and returns ctx's
// error or net.ErrClosed.
func (p *primary) waitSent(ctx context.Context, seq uint64, closed <-chan struct{}) error {
	for {
		// A stop wins over progress: closing the node also removes its
		// senders, which would otherwise read as "sent to every one".
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return net.ErrClosed
		default:
		}
		ch := p.waitChan()
		all := true
		for _, s := range p.list() {
			if s.state.Load() == "online" && s.sent.Load() < seq {
				all = false
				break
			}
		}
		if all {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return net.ErrClosed
		}
	}
}

// waitAcked blocks until n secondaries acknowledged seq, the timeout
// passes (0: never), ctx ends or closed is closed, and returns how many
// did.
func (p *primary) waitAcked(ctx context.Context, n int, seq uint64, timeout time.Duration, closed <-chan struct{}) int {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		ch := p.waitChan()
		count := 0
		for _, s := range p.list() {
			if !s.legacy && s.acked.Load() >= seq {
				count++
			}
		}
		if count >= n {
			return count
		}
		select {
		case <-ch:
		case <-deadline:
			return count
		case <-ctx.Done():
			return count
		case <-closed:
			return count
		}
	}
}

func sortSenders(ss []*sender) {
	slices.SortFunc(ss, func(a, b *sender) int { return cmp.Compare(a.id, b.id) })
}

// firstReadable returns the oldest sequence a partial resync can start
// from: in memory, or in the segments of this history on disk.
func (p *primary) firstReadable() uint64 {
	first := p.log.First()
	if p.aof == nil {
		return first
	}
	if b, ok := p.aof.HistoryStart(p.replID); ok {
		first = min(first, b+1)
	}
	return first
}

// digestAt returns the digest of the operation at seq (see OpDigest), from
// memory or the log on disk; false when neither holds it any more.
func (p *primary) digestAt(seq uint64) ([]byte, bool) {
	if ef, ok := p.log.EffectAt(seq); ok {
		return frame.OpDigest(seq, &ef), true
	}
	var e []frame.Entry
	err := aof.ErrCompacted
	if p.aof != nil {
		c := p.aof.NewCursor(p.replID, p.eng.Databases())
		defer c.Close()
		safe, _ := p.aof.Safe()
		e, err = c.Read(seq, 1, safe, nil) // a whole batch, if seq starts one
	}
	if err != nil || len(e) == 0 || e[0].Seq != seq {
		if d := p.base.digestFor(seq); d != nil {
			return d, true
		}
		return nil, false
	}
	return frame.OpDigest(seq, &e[0].Effect), true
}

// validAnnounceIP reports whether a secondary's announced address can be
// reported as it is: an IP address or host name, at most 255 bytes, with
// nothing that would break INFO's slaveN line (separators, spaces, control
// characters).
func validAnnounceIP(ip string) bool {
	if ip == "" || len(ip) > 255 {
		return false
	}
	for _, c := range []byte(ip) {
		if c <= ' ' || c >= 0x7f || c == ',' || c == '=' {
			return false
		}
	}
	return true
}

// appendOwn appends e's frame, encoded here: an operation the log holds
// only in a batch (MemLog.ReadBatches) that does not go whole.
func appendOwn(buf []byte, e *frame.Entry, b *frame.Builder, enc *frame.Encoder) []byte {
	var op frame.Op
	b.Fill(&op, e, e.TimeMs)
	out, err := enc.AppendFrame(buf, &op)
	if err != nil {
		// MemLog encodes the same operations and panics on this.
		panic(fmt.Sprintf("replication: cannot encode logged operation %d: %v", e.Seq, err))
	}
	return out
}

// appendLegacy appends the frame a reference secondary gets for an
// operation it lacks (a hash, a list, a set or a sorted set, SWAPDB): a METADATA at its sequence (frame.Builder.FillLegacy).
func appendLegacy(buf []byte, e *frame.Entry, b *frame.Builder, enc *frame.Encoder) []byte {
	var op frame.Op
	b.FillLegacy(&op, e, time.Now().UnixMilli())
	out, err := enc.AppendFrame(buf, &op)
	if err != nil {
		return buf
	}
	return out
}

// heartbeats paces a sender's heartbeats while its secondary is idle. It
// ticks every interval, or every second for a longer one, and a tick is due
// once the interval in force has passed since the last heartbeat: an
// interval changed at run time (Node.SetHeartbeat) applies from the next
// tick.
type heartbeats struct {
	t    *time.Ticker
	tick time.Duration
	last time.Time
}

// heartbeatTickMax is the longest tick: how soon a changed interval applies.
const heartbeatTickMax = time.Second

func (h *heartbeats) start(every time.Duration) {
	h.tick = min(every, heartbeatTickMax)
	h.t = time.NewTicker(h.tick)
	h.last = time.Now()
}

func (h *heartbeats) stop() { h.t.Stop() }

// C is the ticker's channel.
func (h *heartbeats) C() <-chan time.Time { return h.t.C }

// due reports whether a heartbeat is due at the tick now, with every the
// interval in force, and notes it as sent if so. Half a tick of slack
// keeps a tick that comes a little early from skipping a whole interval.
func (h *heartbeats) due(now time.Time, every time.Duration) bool {
	if t := min(every, heartbeatTickMax); t != h.tick {
		h.tick = t
		h.t.Reset(t)
	}
	if now.Sub(h.last) < every-h.tick/2 {
		return false
	}
	h.last = now
	return true
}
