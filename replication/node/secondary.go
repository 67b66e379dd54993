package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// Reconnection backoff of a secondary: jittered, doubling from min to max.
const (
	backoffMin = 100 * time.Millisecond
	backoffMax = 5 * time.Second
	// stableLink is how long a synchronised link that failed on an
	// operation it could not apply must have lasted for the next
	// reconnection to start again from backoffMin.
	stableLink = time.Second
	ackEvery   = time.Second
	// ackGap is the least time between two acknowledgements that applied
	// batches trigger. Under load a batch is applied every few tens of
	// microseconds, and an ACK for each cost both nodes a frame, a
	// checksum and a wakeup: about 10k per million operations. WAIT
	// waits at most this much longer.
	ackGap     = time.Millisecond
	dialWait   = 5 * time.Second
	applyBatch = 1024
)

// target says where a secondary's primary is. Exactly one of nadbAddr and
// respAddr is set: respAddr (REPLICAOF) is resolved to the primary's NADB
// endpoint through its INFO replication at each connection.
type target struct {
	nadbAddr string
	respAddr string
}

func (t target) String() string {
	if t.respAddr != "" {
		return t.respAddr
	}
	return t.nadbAddr
}

// secondary follows one primary until stopped.
type secondary struct {
	eng     *engine.Engine
	target  target
	opts    *NodeOptions
	nodeID  string
	logger  *slog.Logger
	cancel  context.CancelFunc
	done    chan struct{}
	started time.Time

	applied     atomic.Uint64 // last applied sequence
	connected   atomic.Bool
	syncing     atomic.Bool
	linkDownMs  atomic.Int64 // when the link went down (Unix ms), 0 while up
	lastIOMs    atomic.Int64
	lastOpMs    atomic.Int64
	primaryLast atomic.Uint64 // the primary's sequence from its heartbeats
	primaryPort atomic.Int64  // the primary's RESP port, from SYNC_RESPONSE
	frames      atomic.Int64  // every frame read: handshake, snapshot keys, heartbeats, operations
	received    atomic.Int64  // operations of the live stream taken in for applying
	appliedOps  atomic.Int64  // of those, applied (received minus a batch in flight or lost with its link)
	reconnects  atomic.Int64  // links established after the first
	attempts    atomic.Int64  // connection attempts after the first, successful or not
	// wasConnected: a link was established once (only run's goroutine
	// reads and writes it).
	wasConnected bool
	// knownNADB: the primary on this link speaks this server's protocol,
	// as far as this secondary knows (see admitReference); only run's
	// goroutine reads and writes it.
	knownNADB bool
	resyncs   atomic.Int64
	fullSyncs atomic.Int64
	partials  atomic.Int64
	protoErrs atomic.Int64
	legacy    atomic.Bool

	// Verification (checkpoints): the last sequence verified equal to
	// the primary's, how many checkpoints were verified, and how many
	// found the datasets different. divergedAt is the node's: the
	// sequence of an unrepaired divergence plus one (0: none), which
	// outlives this secondary's links.
	verifiedSeq atomic.Uint64
	verifiedOK  atomic.Int64
	divergences atomic.Int64
	divergedAt  *atomic.Uint64
	logBytes    *atomic.Int64 // the node's repl-backlog-size (see boundLog)
	auth        *authSettings // the node's: masterauth
	// linkErr is why the last link failed, for INFO (nil while up).
	linkErr atomic.Pointer[string]
	// fullSyncAt is the sequence of the last full resync installed, as
	// long as no operation was applied after it (0: none).
	fullSyncAt uint64
	// The read deadline: the link it was set on and when, and when the
	// last frame arrived (see next; only run's goroutine touches them).
	deadlineConn net.Conn
	deadlineSet  time.Time
	frameAt      time.Time
	// link is the connection to the primary while a session runs, for
	// setTimeout (nil between sessions).
	linkMu sync.Mutex
	link   net.Conn

	// backlog keeps the newest applied operations, frames and all, for
	// a promotion (see MemLog.Adopt); only the goroutine that applies the
	// stream touches it until stop.
	backlog *MemLog

	mu     sync.Mutex // guards replID, last and digest, and the backlog's replacement
	replID string
	last   lastOp // the last applied operation, for its digest
	// digest is the dataset's digest at the applied position, as the
	// engine reported it in the critical section that applied it. Only
	// this secondary changes the dataset while it runs.
	digest engine.Digest
}

// startSecondary follows t from the applied position of history replID.
// backlog, when it ends at applied, is the previous link's (kept across a
// change of primary, for a promotion).
func startSecondary(eng *engine.Engine, t target, applied uint64, replID string, last lastOp, backlog *MemLog, o *NodeOptions, nodeID string, divergedAt *atomic.Uint64, auth *authSettings, logBytes *atomic.Int64) *secondary {
	ctx, cancel := context.WithCancel(context.Background())
	s := &secondary{
		eng: eng, target: t, opts: o, nodeID: nodeID, logger: o.Logger,
		cancel: cancel, done: make(chan struct{}), started: time.Now(), replID: replID, last: last,
		knownNADB: replID != "" || t.respAddr != "", divergedAt: divergedAt, digest: eng.Digest(), auth: auth, logBytes: logBytes,
	}
	s.applied.Store(applied)
	s.backlog = backlog
	if backlog == nil || backlog.Last() != applied {
		s.backlog = s.newBacklog(applied + 1)
	}
	s.linkDownMs.Store(time.Now().UnixMilli())
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
	return s
}

// newBacklog returns an empty backlog whose next operation is next, bounded
// as a primary's log is.
func (s *secondary) newBacklog(next uint64) *MemLog {
	l := NewMemLog(s.opts.MaxOperationLog, s.eng.Databases(), next, time.Now)
	boundLog(l, s.logBytes)
	return l
}

// setLogBytes applies a new repl-backlog-size to the backlog (see
// Node.SetMaxLogBytes).
func (s *secondary) setLogBytes(b int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.backlog.SetByteLimit(b)
}

// stop ends the link and waits for every goroutine of the secondary.
func (s *secondary) stop() {
	s.cancel()
	<-s.done
}

func (s *secondary) history() (string, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replID, s.applied.Load()
}

// appliedDigest returns the dataset's digest at the applied position.
func (s *secondary) appliedDigest() engine.Digest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.digest
}

// lastApplied returns the last applied operation, as far as known.
func (s *secondary) lastApplied() lastOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *secondary) run(ctx context.Context) {
	backoff := backoffMin
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			s.attempts.Add(1)
		}
		began := time.Now()
		synced, err := s.session(ctx)
		s.connected.Store(false)
		s.syncing.Store(false)
		s.linkDownMs.Store(time.Now().UnixMilli())
		if ctx.Err() != nil {
			return
		}
		if synced && (time.Since(began) >= stableLink || !errors.Is(err, frame.ErrBadOperation)) {
			// The next link is tried soon, unless this one failed right
			// after its handshake on an operation this node cannot apply
			// (a database it does not have, say): that backs off like a
			// failed dial rather than retrying twenty times a second.
			backoff = backoffMin
		}
		s.logger.Warn("replication link down", "primary", s.target, "err", err)
		if err != nil {
			msg := err.Error()
			s.linkErr.Store(&msg)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if errors.Is(err, ErrDiverged) && !errors.Is(err, errDivergedAtFullSync) {
			wait = 0 // the full resync that repairs it, at once
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, backoffMax)
	}
}

// resolve returns the NADB address to dial.
func (s *secondary) resolve(ctx context.Context) (string, error) {
	if s.target.respAddr == "" {
		return s.target.nadbAddr, nil
	}
	return discoverNADB(ctx, s.opts.dialer(), s.target.respAddr, loadString(&s.auth.masterUser), loadString(&s.auth.masterAuth))
}

// session runs one connection: handshake, optional snapshot, live stream.
// synced reports whether the handshake completed.
func (s *secondary) session(ctx context.Context) (synced bool, err error) {
	addr, err := s.resolve(ctx)
	if err != nil {
		return false, err
	}
	conn, err := s.opts.dialer()(ctx, KindNADB, addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	stopClose := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stopClose()
	s.setLink(conn)
	defer s.setLink(nil)

	replID, applied := s.history()
	ns := frame.NewNonce()
	req := frame.Op{Type: frame.OpSyncRequest, Sequence: applied, Timestamp: frame.NowSeconds(), FromSequence: applied + 1,
		ReplID: []byte(replID), ListeningPort: s.opts.RespPort, NodeID: []byte(s.nodeID), Nonce: ns,
		Has: frame.FieldFromSequence | frame.FieldReplID | frame.FieldListeningPort | frame.FieldNodeID | frame.FieldNonce}
	if d := s.lastApplied().digestFor(applied); d != nil {
		req.LastDigest, req.Has = d, req.Has|frame.FieldLastDigest
	}
	// Every nadb-server secondary takes a full resynchronisation in
	// batches, and the live stream's operations in batches where the
	// primary has them; only one with a Redis front end takes messages.
	req.Tags, req.Has = [][]byte{[]byte(frame.FeatureSnapshotBatch), []byte(frame.FeatureOpBatch)}, req.Has|frame.FieldTags
	if s.opts.Deliver != nil {
		req.Tags = append(req.Tags, []byte(frame.FeaturePubSub), []byte(frame.FeatureShardPubSub))
	}
	if s.opts.Announce != nil {
		ip, port := s.opts.Announce()
		if ip != "" {
			req.AnnounceIP, req.Has = []byte(ip), req.Has|frame.FieldAnnounceIP
		}
		if port > 0 {
			req.ListeningPort = port
		}
	}
	var enc frame.Encoder
	buf, err := enc.AppendFrame(nil, &req)
	if err != nil {
		return false, err
	}
	reqSum, err := requestChecksum(buf)
	if err != nil {
		return false, err
	}
	_ = conn.SetWriteDeadline(time.Now().Add(s.auth.replTimeout()))
	if _, err := conn.Write(buf); err != nil {
		return false, err
	}
	s.syncing.Store(true)
	br := bufio.NewReaderSize(conn, 256<<10)
	// With masterauth set, a primary that has not proved itself may only
	// announce small frames.
	authRequired := s.auth.masterKey() != nil
	first := s.opts.MaxFrame
	if authRequired {
		first = handshakeMaxFrame
	}
	rd := frame.NewReader(br, first)
	var op frame.Op
	if err := s.next(conn, rd, &op); err != nil {
		return false, err
	}
	switch {
	case op.Type == frame.OpAuthChallenge:
		rd = frame.NewReader(br, handshakeMaxFrame)
		if err := s.proveToPrimary(conn, rd, &op, ns, reqSum); err != nil {
			return false, err
		}
		rd = frame.NewReader(br, s.opts.MaxFrame)
	case authRequired:
		return false, ErrPrimaryUnauthenticated
	}
	st := streamState{applied: applied}
	if op.Type == frame.OpSyncResponse {
		s.knownNADB = true
		if err := s.resume(conn, rd, &op, addr, replID, applied); err != nil {
			return false, err
		}
		st.applied = s.applied.Load()
		s.legacy.Store(false)
	} else {
		// A reference primary ignores SYNC_REQUEST and starts streaming;
		// admitReference says whether this can be one.
		if err := admitReference(s.knownNADB, &op); err != nil && !s.opts.faults.lateHandshakeUnfixed() {
			s.protoErrs.Add(1)
			s.resyncs.Add(1)
			return false, err
		}
		st.legacy = true
		s.legacy.Store(true)
		s.logger.Info("primary speaks the reference protocol (no handshake)", "primary", addr)
	}
	s.syncing.Store(false)
	s.connected.Store(true)
	s.linkErr.Store(nil)
	s.linkDownMs.Store(0)
	if s.wasConnected {
		s.reconnects.Add(1)
	}
	s.wasConnected = true

	acks := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	ackDone := make(chan struct{})
	defer close(ackDone)
	if !st.legacy {
		acks <- struct{}{} // acknowledge the synced position at once
		wg.Go(func() { s.sendAcks(conn, acks, ackDone) })
	}
	// A reference primary's first frame is already part of the stream.
	return true, s.stream(conn, rd, &op, &st, acks, st.legacy)
}

// resume completes a handshake answered by resp (a SYNC_RESPONSE): it
// checks a partial resync against the history asked for, or loads a full
// one.
func (s *secondary) resume(conn net.Conn, rd *frame.Reader, resp *frame.Op, addr, replID string, applied uint64) error {
	if resp.Has&frame.FieldListeningPort != 0 {
		s.primaryPort.Store(int64(resp.ListeningPort))
	}
	switch resp.Mode {
	case frame.ModePartial:
		if len(resp.ReplID) == 0 || resp.FromSequence != applied+1 {
			return fmt.Errorf("%w: partial resync offered for history %s from %d", ErrUnexpected, resp.ReplID, resp.FromSequence)
		}
		s.partials.Add(1)
		if newID := string(resp.ReplID); newID != replID {
			// A promoted primary continues the history this node
			// followed (it names that one as its second ID): from here
			// on the position is in the new history.
			s.mu.Lock()
			s.replID = newID
			s.mu.Unlock()
			s.logger.Info("partial resynchronisation accepted into the promoted primary's history", "primary", addr, "from", resp.FromSequence, "history", newID, "previous", replID)
			return s.persistFrom(newID, applied)
		}
		s.logger.Info("partial resynchronisation accepted", "primary", addr, "from", resp.FromSequence)
		return s.persistFrom(replID, applied)
	case frame.ModeFull:
		if err := s.loadSnapshot(conn, rd, resp); err != nil {
			return err
		}
		s.fullSyncs.Add(1)
		return nil
	}
	return fmt.Errorf("%w: SYNC_RESPONSE mode %q", ErrUnexpected, resp.Mode)
}

func (s *secondary) setLink(conn net.Conn) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	s.link = conn
}

// setTimeout applies a new repl-timeout to the link now: a primary that
// has been silent since is dropped d from now, not when the old timeout
// runs out. Later reads take d from the node's settings.
func (s *secondary) setTimeout(d time.Duration) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	if s.link != nil {
		_ = s.link.SetReadDeadline(time.Now().Add(d))
	}
}

// armDeadline sets conn's read deadline to now plus the replication
// timeout, and again while the timeout changes under it: a CONFIG SET
// repl-timeout stores the new value and then moves the deadline of every
// open link, so a link that set one from the old value after that move
// sees the new value here and sets it again, instead of keeping the old
// deadline until its next frame.
func armDeadline(conn net.Conn, timeout func() time.Duration, now time.Time) {
	for d := timeout(); ; {
		_ = conn.SetReadDeadline(now.Add(d))
		again := timeout()
		if again == d {
			return
		}
		d = again
	}
}

// deadlineSlack is how much of the replication timeout next may let pass
// before it moves the read deadline again: moving it costs a timer update
// and a clock read, and the stream reads frames by the hundred thousand a
// second. The link is therefore dropped after between timeout-slack and
// timeout of silence.
func deadlineSlack(timeout time.Duration) time.Duration {
	return min(timeout/16, 100*time.Millisecond)
}

// next reads one frame with the replication timeout as read deadline, and
// notes when it arrived in s.frameAt.
func (s *secondary) next(conn net.Conn, rd *frame.Reader, op *frame.Op) error {
	if timeout := s.auth.replTimeout(); conn != s.deadlineConn || s.frameAt.Sub(s.deadlineSet) >= deadlineSlack(timeout) {
		now := time.Now()
		armDeadline(conn, s.auth.replTimeout, now)
		s.deadlineConn, s.deadlineSet, s.frameAt = conn, now, now
	}
	err := rd.Next(op)
	if err != nil {
		s.deadlineConn = nil
		if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) && isProtocolError(err) {
			s.protoErrs.Add(1)
			s.resyncs.Add(1)
			s.logger.Warn("refused a bad frame from the primary; resynchronising", "err", err)
		}
		return err
	}
	s.frames.Add(1)
	s.frameAt = time.Now()
	s.lastIOMs.Store(s.frameAt.UnixMilli())
	return nil
}

// isProtocolError tells a bad frame from a broken connection.
func isProtocolError(err error) bool {
	for _, e := range []error{frame.ErrFrameTooLarge, frame.ErrTruncated, frame.ErrBadJSON, frame.ErrMissingField, frame.ErrBadChecksum, frame.ErrUnknownType, frame.ErrBadEncoding} {
		if errors.Is(err, e) {
			return !errors.Is(err, io.ErrUnexpectedEOF)
		}
	}
	return false
}

// loadSnapshot reads a full resynchronisation and installs it at once.
func (s *secondary) loadSnapshot(conn net.Conn, rd *frame.Reader, resp *frame.Op) error {
	S, count := resp.Sequence, resp.Count
	// resp borrows the reader's buffer, which the keys' frames reuse.
	newID := string(resp.ReplID)
	var lastDigest []byte
	if resp.Has&frame.FieldLastDigest != 0 {
		lastDigest = bytes.Clone(resp.LastDigest)
	}
	start := time.Now()
	// The same rules as a snapshot file's (aof.SnapshotKeys): frames of
	// keys at S (batches, or one key each), then SNAPSHOT_END counting the
	// keys, as the response announced.
	// The keys go straight into the keyspace being built (engine.Loader),
	// which copies them into its records: nothing is kept per key.
	load := s.eng.NewLoader()
	// Sized for the keys announced, up to a bound: the count is checked
	// only when SNAPSHOT_END arrives.
	load.Expect(int(min(count, maxExpectedKeys)))
	keys := aof.SnapshotKeys{Seq: S, Put: load.Add}
	if err := s.readSnapshotKeys(conn, rd, &keys, count); err != nil {
		return err
	}
	load.Commit(func(d engine.Digest) {
		s.mu.Lock()
		s.replID = newID
		s.digest = d
		s.applied.Store(S)
		s.backlog = s.newBacklog(S + 1)
		// The primary names its operation at S, so a later
		// partial resync can be checked even from here.
		s.last = lastOp{seq: S, digest: lastDigest}
		s.mu.Unlock()
	})
	s.fullSyncAt = S
	if s.divergedAt.Swap(0) != 0 {
		s.logger.Warn("diverged dataset replaced by a full resynchronisation", "sequence", S)
	}
	s.logger.Info("full resynchronisation loaded", "keys", keys.N, "sequence", S, "took", time.Since(start))
	if a := s.opts.AOF; a != nil {
		// The dataset was replaced: the log on disk starts again
		// from a snapshot of it.
		dir := s.opts.Persist.Dir
		h := aof.SnapshotHeader{ReplID: newID, Seq: S, LastDigest: s.lastApplied().digestFor(S), Dataset: s.appliedDigest()}
		// Nothing but this goroutine writes to a secondary's
		// keyspace: the capture is what was just installed.
		snap := s.eng.Capture(nil)
		err := a.Reset(S, newID, aof.RoleReplica, func() error {
			// Not aborted by a role change: a node whose files do
			// not hold its dataset could not acknowledge writes.
			_, err := aof.WriteItems(dir, h, snap, nil)
			return err
		})
		snap.Release()
		if err != nil {
			return fmt.Errorf("persisting the full resynchronisation: %w", err)
		}
	}
	return nil
}

// snapKey is one frame of a full resynchronisation, read and decoded, on
// its way into the keyspace being built.
type snapKey struct {
	typ   frame.OpType
	seq   uint64
	count uint64
	ef    engine.Effect
	blob  []byte // a SNAPSHOT_BATCH's packed keys, owned
	err   error  // EffectOf's
}

// maxExpectedKeys bounds the keyspace a secondary sizes up front for a
// full resynchronisation (engine.Loader.Expect): 16M keys, an index of
// 384 MiB; beyond that the index grows as the keys arrive.
const maxExpectedKeys = 1 << 24

// snapBatch is how many keys loadSnapshot hands over at a time (about:
// a SNAPSHOT_BATCH frame is not split).
const snapBatch = 512

// readSnapshotKeys reads the keys of a full resynchronisation up to its
// SNAPSHOT_END into keys (see loadSnapshot). This goroutine reads and
// decodes the frames; another puts the keys into the keyspace being built,
// so that the two overlap. It stops reading at SNAPSHOT_END, so the next
// frame read from rd is the stream's, or at the first frame refused.
func (s *secondary) readSnapshotKeys(conn net.Conn, rd *frame.Reader, keys *aof.SnapshotKeys, count uint64) error {
	dbs := s.eng.Databases()
	now := time.Now().UnixMilli()
	batches := make(chan []snapKey, 4)
	free := make(chan []snapKey, 6)
	var refused atomic.Bool
	var putErr error // the applier's; read after wg.Wait
	var wg sync.WaitGroup
	wg.Go(func() {
		for b := range batches {
			for i := 0; putErr == nil && i < len(b); i++ {
				k := &b[i]
				err := k.err
				switch {
				case err != nil:
				case k.typ == frame.OpSnapshotBatch:
					err = keys.AddBatch(k.seq, k.blob, k.count, dbs)
				default:
					err = keys.Add(k.typ, k.seq, &k.ef, k.count)
				}
				if err == nil && keys.Ended {
					err = keys.Complete(count, true)
				}
				if err != nil {
					putErr = err
					refused.Store(true)
				}
			}
			clear(b)
			select {
			case free <- b[:0]:
			default:
			}
		}
	})
	var readErr error
	var op frame.Op
	b := make([]snapKey, 0, snapBatch)
	keysInB := 0 // the keys in b: a SNAPSHOT_BATCH holds many
	for {
		if readErr = s.next(conn, rd, &op); readErr != nil {
			break
		}
		k := snapKey{typ: op.Type, seq: op.Sequence, count: op.Count}
		switch {
		case frame.IsValueOp(op.Type):
			k.ef, _, k.err = frame.EffectOf(&op, dbs, now)
		case op.Type == frame.OpSnapshotBatch:
			// Its keys are checked as they go in (keys.AddBatch). A new
			// buffer each time: the keys kept may alias it.
			k.blob = bytes.Clone(op.Value)
		}
		b = append(b, k)
		if keysInB++; k.blob != nil {
			keysInB += int(min(op.Count, snapBatch))
		}
		last := op.Type == frame.OpSnapshotEnd || k.err != nil
		if !last && keysInB < snapBatch {
			continue
		}
		batches <- b
		b, keysInB = nil, 0
		if last || refused.Load() {
			break
		}
		select {
		case b = <-free:
		default:
			b = make([]snapKey, 0, snapBatch)
		}
	}
	close(batches)
	wg.Wait()
	switch {
	case putErr != nil:
		s.protoErrs.Add(1)
		s.resyncs.Add(1)
		return fmt.Errorf("%w: during a full resynchronisation at %d (%d of %d keys): %w", ErrUnexpected, keys.Seq, keys.N, count, putErr)
	case readErr != nil:
		return readErr
	case !keys.Ended:
		// Not reached: the reading stops at SNAPSHOT_END or a refusal.
		return fmt.Errorf("%w: a full resynchronisation at %d ended without its end marker", ErrUnexpected, keys.Seq)
	}
	return nil
}

// stream applies the live stream until the link fails or a frame forces a
// resync. With have set, op already holds the first frame.
func (s *secondary) stream(conn net.Conn, rd *frame.Reader, op *frame.Op, st *streamState, acks chan<- struct{}, have bool) error {
	dbs := s.eng.Databases()
	var batch []engine.Effect
	var seqs []uint64      // the sequence of each member of batch
	var ents []frame.Entry // batch's entries, for the log on disk and the backlog
	var frames []byte      // where their frames are copied
	// A reference primary's stream is not kept (its frames are not this
	// protocol's, and it is not persisted either).
	keep := !st.legacy
	a := s.opts.AOF
	if st.legacy && a != nil {
		s.logger.Warn("a reference primary's stream is not persisted: a restart of this node needs a full resync")
		a = nil
	}
	// fb, fenc, fop and fscratch encode, for the disk log, the operations
	// that came in a batch.
	var (
		fb       frame.Builder
		fenc     frame.Encoder
		fop      frame.Op
		fscratch []byte
	)
	ready := 0 // batch[:ready] are complete and may be applied
	var readySeq uint64
	flush := func() {
		if ready == 0 {
			return
		}
		seq := readySeq
		n := ready
		if a != nil {
			// Operations that came in a batch the disk log cannot take
			// whole have no frame; it needs one each. Encoded here,
			// before the engine lock, rather than by the disk log under
			// it.
			held := 0 // ents[:held] are in a batch kept whole
			for i := range ents[:ready] {
				if b := ents[i].BatchLen; b > 0 && i+b <= ready {
					held = i + b
				}
				if e := &ents[i]; e.Frame == nil && i >= held {
					fb.Fill(&fop, e, e.TimeMs)
					var err error
					if fscratch, err = fenc.AppendFrame(fscratch[:0], &fop); err == nil {
						e.Frame = sharedCopy(&frames, len(fscratch), func(dst []byte) []byte { return append(dst, fscratch...) })
					}
				}
			}
			fop = frame.Op{}
		}
		last := lastOp{seq: seq}
		if !st.legacy && seqs[ready-1] == seq {
			last.digest = frame.OpDigest(seq, &batch[ready-1])
		}
		s.eng.Apply(batch[:ready], func(d engine.Digest) {
			s.applied.Store(seq)
			s.mu.Lock()
			s.last = last
			s.digest = d
			s.mu.Unlock()
			if !keep { // a != nil implies keep
				return
			}
			ents[ready-1].GroupEnd = true // the batch ends a group
			if a != nil {
				a.AddEntries(ents[:ready])
			}
			s.backlog.Adopt(ents[:ready], d)
		})
		if keep {
			ents = append(ents[:0], ents[ready:]...)
		}
		seqs = append(seqs[:0], seqs[ready:]...)
		s.appliedOps.Add(int64(n))
		s.fullSyncAt = 0
		s.lastOpMs.Store(s.frameAt.UnixMilli())
		batch = append(batch[:0], batch[ready:]...)
		ready = 0
		select {
		case acks <- struct{}{}:
		default:
		}
	}
	defer flush()
	// one takes one operation of the stream: a frame of its own (own: its
	// bytes are rd's last frame), or one of an OP_BATCH frame's turned
	// into the Op its own frame would be. It applies what is complete
	// when the stream has nothing more buffered, or enough is ready.
	one := func(op *frame.Op, own bool) error {
		if op.Type == frame.OpPublish && !st.legacy && s.opts.Deliver != nil {
			// After the writes logged before it, as on the primary.
			flush()
			s.opts.Deliver(op.Key, op.Value, len(op.Tags) == 1 && bytes.Equal(op.Tags[0], shardTag))
			return nil
		}
		v, verr := decide(*st, op)
		switch v {
		case verdictApply, verdictBuffer:
			if verr != nil {
				s.protoErrs.Add(1)
				s.logger.Warn("reference primary skipped sequences", "err", verr)
			}
			ef, ok, err := frame.EffectOf(op, dbs, s.frameAt.UnixMilli())
			if err != nil {
				s.protoErrs.Add(1)
				s.resyncs.Add(1)
				return err
			}
			if ok && s.opts.faults.skipApply(op.Sequence) {
				s.logger.Warn("fault injected: operation dropped as if applied", "sequence", op.Sequence)
				ok = false
			}
			if ok {
				s.received.Add(1)
				batch = append(batch, ef)
				seqs = append(seqs, op.Sequence)
				if keep {
					// The log on disk and the backlog get the frame as
					// received: it verified, and encoding it again would
					// only cost. An operation that came in a batch has
					// none: the disk log encodes it, the backlog when a
					// reader needs it.
					e := frame.Entry{Seq: op.Sequence, Effect: ef, Group: max(op.Group, 1), TimeMs: int64(op.Timestamp * 1000)}
					if own {
						e.Frame = sharedCopy(&frames, rd.LastLen(), rd.AppendLast)
					}
					ents = append(ents, e)
				}
			}
			if v == verdictBuffer {
				if st.pending == 0 {
					st.group = op.Group
				}
				st.pending++
				return nil
			}
			st.applied, st.pending, st.group = op.Sequence, 0, 0
			ready, readySeq = len(batch), op.Sequence
			if ready == 0 {
				s.applied.Store(op.Sequence)
			}
		case verdictAdvance:
			flush()
			st.applied = op.Sequence
			s.applied.Store(op.Sequence)
		case verdictIgnore:
			s.primaryLast.Store(op.Sequence)
		case verdictSkip:
		case verdictResync:
			s.protoErrs.Add(1)
			s.resyncs.Add(1)
			s.logger.Warn("refused a frame from the primary; resynchronising", "err", verr)
			return verr
		}
		if op.Type == frame.OpHeartbeat && op.Has&frame.FieldDatasetDigest != 0 && st.pending == 0 {
			if !st.legacy && op.Sequence > st.applied {
				// A checkpoint follows the operations it covers: those
				// up to it that never came were lost on the way (the
				// last frame of a burst, which no later operation's
				// sequence would reveal until the next write).
				s.protoErrs.Add(1)
				s.resyncs.Add(1)
				err := fmt.Errorf("%w: checkpoint at %d, applied %d", ErrGap, op.Sequence, st.applied)
				s.logger.Warn("refused a frame from the primary; resynchronising", "err", err)
				return err
			}
			flush()
			if err := s.checkpoint(op); err != nil {
				return err
			}
		}
		return nil
	}
	var item frame.Op
	var build frame.Builder
	for {
		if !have {
			if err := s.next(conn, rd, op); err != nil {
				return err
			}
		}
		have = false
		if op.Type == frame.OpOpBatch && !st.legacy {
			// A batch is taken whole or not at all: its packing is
			// checked first, and if one of its operations is refused
			// none of them is applied (the deferred flush applies only
			// what came before it).
			err := frame.EachOpBatchEntry(op, func(*frame.Entry) error { return nil })
			if err != nil {
				s.protoErrs.Add(1)
				s.resyncs.Add(1)
				s.logger.Warn("refused an operation batch from the primary; resynchronising", "err", err)
				return err
			}
			nb, ns, ne, nr, nrs := len(batch), len(seqs), len(ents), ready, readySeq
			err = frame.EachOpBatchEntry(op, func(e *frame.Entry) error {
				build.Fill(&item, e, e.TimeMs)
				return one(&item, false)
			})
			item = frame.Op{}
			if err != nil {
				s.received.Add(-int64(len(batch) - nb)) // none of it is taken
				batch, seqs, ents, ready, readySeq = batch[:nb], seqs[:ns], ents[:ne], nr, nrs
				return err
			}
			if keep && uint64(len(ents)-ne) == op.Count && st.pending == 0 {
				// Whole groups, each operation kept: the disk log and
				// the backlog keep the batch as received.
				ents[ne].Batch, ents[ne].BatchLen = sharedCopy(&frames, rd.LastLen(), rd.AppendLast), int(op.Count)
			}
		} else if err := one(op, true); err != nil {
			return err
		}
		if ready > 0 && (rd.Buffered() == 0 || ready >= applyBatch) {
			flush()
		}
	}
}

// sendAcks reports the applied sequence after applied batches, at most
// once per ackGap (the batches applied meanwhile share one ACK, and the
// last is always reported), and at least once a second.
func (s *secondary) sendAcks(conn net.Conn, kick <-chan struct{}, done <-chan struct{}) {
	t := time.NewTicker(ackEvery)
	defer t.Stop()
	gap := time.NewTimer(ackGap)
	defer gap.Stop()
	var enc frame.Encoder
	var buf []byte
	var sent, sentVerified uint64
	for first := true; ; first = false {
		tick := false
		select {
		case <-done:
			return
		case <-kick:
		case <-t.C:
			tick = true
		}
		n := s.applied.Load()
		if a := s.opts.AOF; a != nil {
			// Acknowledge only what the log on disk holds (written, or
			// fsynced with appendfsync always), as a Redis replica writes
			// its AOF before it acknowledges: WAIT then means the write
			// survives this node's crash too. Waiting here flushes the
			// log for the operations just applied.
			_ = a.Wait(n)
			safe, _ := a.Safe()
			n = min(n, safe)
		}
		v := s.verifiedSeq.Load()
		if !first && !tick && n == sent && v == sentVerified {
			continue // nothing new to report
		}
		op := frame.Op{Type: frame.OpAck, Sequence: n, Timestamp: frame.NowSeconds(), Applied: n, Has: frame.FieldApplied}
		if v > 0 {
			op.Verified, op.Has = v, op.Has|frame.FieldVerified
		}
		var err error
		if buf, err = enc.AppendFrame(buf[:0], &op); err != nil {
			return
		}
		_ = conn.SetWriteDeadline(time.Now().Add(s.auth.replTimeout()))
		if _, err := conn.Write(buf); err != nil {
			_ = conn.Close()
			return
		}
		sent, sentVerified = n, v
		// Batches applied from now on wait for one ACK after the gap (a
		// kick that arrives meanwhile stays in its channel).
		gap.Reset(ackGap)
		select {
		case <-done:
			return
		case <-gap.C:
		}
	}
}

// discoverNADB asks the Redis endpoint respAddr for its INFO replication
// and returns the NADB endpoint it advertises (nadb_repl_listen_port, on
// the host of respAddr).
func discoverNADB(ctx context.Context, dial DialFunc, respAddr, user, password string) (string, error) {
	host, _, err := net.SplitHostPort(respAddr)
	if err != nil {
		return "", err
	}
	conn, err := dial(ctx, KindRedis, respAddr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	_ = conn.SetDeadline(time.Now().Add(dialWait))
	br := bufio.NewReader(conn)
	if password != "" {
		if err := authenticateRedis(conn, br, user, password); err != nil {
			return "", fmt.Errorf("%s: %w", respAddr, err)
		}
	}
	body, err := infoSection(conn, br, respAddr, "replication")
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, "nadb_repl_listen_port:"); ok {
			return net.JoinHostPort(host, v), nil
		}
	}
	// A nadb-server primary starts its node once its data is loaded; the
	// caller retries.
	if body, err := infoSection(conn, br, respAddr, "persistence"); err == nil && strings.Contains(body, "\r\nloading:1\r\n") {
		return "", fmt.Errorf("%s is loading its data set", respAddr)
	}
	return "", fmt.Errorf("%s does not advertise a NADB replication port (nadb_repl_listen_port): is it a nadb-server primary?", respAddr)
}

// infoSection sends INFO section on conn and returns the reply's text.
func infoSection(conn net.Conn, br *bufio.Reader, respAddr, section string) (string, error) {
	if _, err := fmt.Fprintf(conn, "*2\r\n$4\r\nINFO\r\n$%d\r\n%s\r\n", len(section), section); err != nil {
		return "", err
	}
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "$") {
		return "", fmt.Errorf("INFO %s from %s: unexpected reply %q", section, respAddr, strings.TrimSpace(line))
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 || n > 1<<20 {
		return "", fmt.Errorf("INFO %s from %s: bad length", section, respAddr)
	}
	body := make([]byte, n+2) // and its CRLF
	if _, err := io.ReadFull(br, body); err != nil {
		return "", err
	}
	return string(body[:n]), nil
}

// persistFrom makes the log on disk continue the history being resumed;
// when it does not end where the dataset does, it starts again from a
// snapshot of the dataset.
func (s *secondary) persistFrom(replID string, applied uint64) error {
	a := s.opts.AOF
	if a == nil || a.Continue(applied, replID, aof.RoleReplica) {
		return nil
	}
	h := aof.SnapshotHeader{ReplID: replID, Seq: applied, LastDigest: s.lastApplied().digestFor(applied)}
	snap := s.eng.Capture(func(d engine.Digest) { h.Dataset = d })
	defer snap.Release()
	dir := s.opts.Persist.Dir
	return a.Reset(applied, replID, aof.RoleReplica, func() error {
		_, err := aof.WriteItems(dir, h, snap, nil) // not aborted: see loadSnapshot
		return err
	})
}
