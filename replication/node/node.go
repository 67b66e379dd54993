package node

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// NodeOptions configures a Node.
type NodeOptions struct {
	// Deliver, when set, takes the PUBLISH (and, with shard, SPUBLISH)
	// messages a primary forwards to this node as a secondary (it must
	// not keep the slices); the node asks for them in its handshake only
	// then.
	Deliver func(channel, message []byte, shard bool)
	// Announce, when set, returns what this node, as a secondary,
	// reports to its primary in each handshake instead of its connection
	// address and RespPort (replica-announce-ip, replica-announce-port):
	// "" and 0 keep those.
	Announce   func() (ip string, port int)
	Engine     *engine.Engine
	Logger     *slog.Logger
	ListenHost string // NADB listener host, advertised in INFO
	ListenPort int    // NADB listener port, advertised in INFO (0: none)
	// Listen, when set, opens the NADB listener; see Node.Listen. Nil: the
	// node never listens by itself (repl-listen-port 0, or a caller that
	// hands listeners to Serve).
	Listen          func() (net.Listener, error)
	RespPort        int           // this node's Redis port, sent to the primary
	MaxOperationLog int           // entries kept for partial resync
	MaxLogBytes     int64         // bytes of frames and values kept for partial resync (0: no bound)
	Heartbeat       time.Duration // between heartbeats to idle secondaries
	Timeout         time.Duration // silence after which a peer is dropped
	MaxFrame        int           // largest frame accepted
	BroadcastAsync  bool          // false: a write's reply waits for its frame to reach every secondary
	NodeID          string        // this node's identity (the run id)
	// History, when set, is the persisted history the node resumes as a
	// primary: its replication ID, and its operations, already applied to
	// the engine, which refill the operation log.
	History *aof.History
	// AOF, when set, is the log on disk: it receives every operation the
	// node logs as a primary or applies as a secondary. The node owns it
	// and closes it on Close.
	AOF Log
	// Persist configures snapshots (SAVE, BGSAVE, BGREWRITEAOF) and
	// automatic compaction.
	Persist PersistOptions
	// VerifyInterval is repl-verify-interval: the least time between two
	// checkpoints a primary sends one secondary. Zero means the default
	// (DefaultVerifyInterval); a negative value sends none.
	VerifyInterval time.Duration
	// ServeDivergedData is replica-serve-diverged-data: whether a
	// secondary whose checkpoint found a divergence keeps answering reads
	// until the full resync that repairs it (false: it refuses them with
	// a DivergedError).
	ServeDivergedData bool
	// RefuseStaleData is replica-serve-stale-data no: a secondary whose
	// link to its primary is not up refuses the commands that need fresh
	// data (StaleError). False, the default, serves them, as Redis does
	// by default.
	RefuseStaleData bool

	// ReplPassword is the password a primary requires of its
	// secondaries (repl-password, else requirepass; "": none). The
	// handshake proves it without sending it (frame/auth.go).
	ReplPassword string
	// MasterAuth is the password a secondary proves to its primary (and
	// sends, with MasterUser, to AUTH on the primary's Redis port when it
	// asks it for its NADB port); "": none.
	MasterUser, MasterAuth string
	// AllowLegacy (repl-allow-legacy) serves a peer that sends nothing as
	// a reference secondary; otherwise it is dropped.
	AllowLegacy bool
	// MaxPeers and MaxUnauthenticated cap the replication connections
	// open at once, and those that have not completed their handshake
	// (<= 0: no cap).
	MaxPeers, MaxUnauthenticated int
	// ReplicaOutputLimit is client-output-buffer-limit's replica class
	// (outlimit.go); the zero value sets no limit.
	ReplicaOutputLimit OutputLimit

	// Dial, when set, opens a secondary's connections to its primary:
	// kind says which port (KindNADB, or KindRedis for the discovery of
	// the NADB port through INFO). Nil dials plain TCP. A TLS setup
	// (tls-replication) returns TLS connections here.
	Dial DialFunc

	// faults is the test-only fault seam (faults.go): always nil in a
	// production build.
	faults *faults
}

// DialFunc opens a connection of kind to addr ("host:port"), giving up
// when ctx ends.
type DialFunc func(ctx context.Context, kind DialKind, addr string) (net.Conn, error)

// DialKind says which of a primary's ports a secondary dials.
type DialKind int

const (
	// KindNADB is the primary's NADB replication port.
	KindNADB DialKind = iota
	// KindRedis is the primary's Redis port, asked for the NADB port.
	KindRedis
)

// dialer returns o.Dial, or a plain TCP dialer with a bounded connect.
func (o *NodeOptions) dialer() DialFunc {
	if o.Dial != nil {
		return o.Dial
	}
	return func(ctx context.Context, _ DialKind, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: dialWait}
		return d.DialContext(ctx, "tcp", addr)
	}
}

// DefaultVerifyInterval is repl-verify-interval's default.
const DefaultVerifyInterval = 100 * time.Millisecond

// Node is a server's replication role: a primary that logs every effect and
// streams it to its secondaries, or a secondary that follows a primary. It
// implements the front end's Replication interface.
type Node struct {
	opts     NodeOptions
	eng      *engine.Engine
	stats    syncStats
	save     saveState
	async    atomic.Bool
	readOnly atomic.Bool // a secondary; set under mu and gate, read without them
	// verifyEvery is repl-verify-interval in nanoseconds (<= 0: off).
	verifyEvery atomic.Int64
	// logBytes is repl-backlog-size: the byte bound of the operation log
	// and of a secondary's backlog (0: none).
	logBytes atomic.Int64
	// serveDiverged is replica-serve-diverged-data.
	serveDiverged atomic.Bool
	// refuseStale is replica-serve-stale-data no; curSec is sec, for
	// StaleError, which runs before every command and takes no lock.
	refuseStale atomic.Bool
	curSec      atomic.Pointer[secondary]
	// curPrim is prim, for the paths every client write takes
	// (BeginWrite, WriteDone): an atomic load, where n.mu would move
	// between the cores at each command.
	curPrim atomic.Pointer[primary]
	// auth holds the replication secrets and the port's policies.
	auth authSettings
	// divergedAt is the checkpoint sequence plus one at which this node,
	// as a secondary, found its dataset different from its primary's,
	// until a full resync replaces it (0: not diverged).
	divergedAt atomic.Uint64
	// gate is held shared by each client write from its read-only check to
	// its last logged effect (BeginWrite..EndWrite), and exclusively by a
	// role change while it moves the engine's sink and readOnly. Lock
	// order: mu, then gate; a holder of gate never takes mu.
	gate sync.RWMutex
	// writesClosed: Close admits no more client writes (guarded by gate).
	writesClosed bool
	done         chan struct{} // closed by Close

	mu   sync.Mutex // guards role changes and the fields below
	prim *primary   // set while a primary
	// replicaHistory: the node resumed a history it copied as a
	// secondary; its first follow asks to continue it even at sequence 0.
	replicaHistory bool
	sec            *secondary // set while a secondary
	closed         bool
	lnWG           sync.WaitGroup
	lns            []net.Listener
	listening      bool  // Listen opened the listener
	listenErr      error // why the last Listen failed, for INFO
}

// NewNode returns a node that is a primary with a fresh history. Call
// Follow to make it a secondary.
func NewNode(o NodeOptions) *Node {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxOperationLog <= 0 {
		o.MaxOperationLog = 10000
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxFrame <= 0 {
		o.MaxFrame = frame.DefaultMaxFrame
	}
	if o.VerifyInterval == 0 {
		o.VerifyInterval = DefaultVerifyInterval
	}
	if o.faults == nil {
		o.faults = faultsFromEnv()
	}
	n := &Node{opts: o, eng: o.Engine, done: make(chan struct{})}
	n.async.Store(o.BroadcastAsync)
	n.verifyEvery.Store(int64(o.VerifyInterval))
	n.logBytes.Store(o.MaxLogBytes)
	n.auth.timeout.Store(int64(o.Timeout))
	n.auth.heartbeat.Store(int64(o.Heartbeat))
	n.SetReplPassword(o.ReplPassword)
	n.SetMasterAuth(o.MasterUser, o.MasterAuth)
	n.auth.allowLegacy.Store(o.AllowLegacy)
	n.auth.maxPeers.Store(int64(o.MaxPeers))
	n.auth.maxPending.Store(int64(o.MaxUnauthenticated))
	n.SetReplicaOutputLimit(o.ReplicaOutputLimit)
	n.serveDiverged.Store(o.ServeDivergedData)
	n.refuseStale.Store(o.RefuseStaleData)
	var log *MemLog
	if h := o.History; h != nil {
		n.replicaHistory = h.Role == aof.RoleReplica
		// The log resumes with the groups kept (all of them, or the newest
		// when the start applied the others as it read them: Skipped).
		from := h.Base + h.Skipped
		// The log is refilled before it becomes the engine's sink, which
		// tells it the digest of the dataset at its last operation
		// (MemLog.Start).
		log = NewMemLog(n.opts.MaxOperationLog, n.eng.Databases(), from+1, time.Now)
		boundLog(log, &n.logBytes)
		for i, g := range h.Groups {
			// Only the dataset as it stands now has a known digest.
			last := i == len(h.Groups)-1
			var d engine.Digest
			if last {
				d = o.Engine.Digest()
			}
			log.record(g, d, last, log.now().UnixMilli())
			if i%1024 == 1023 {
				log.Publish() // so the log keeps its size while it refills
			}
		}
		log.Publish() // before SetAOF (startPrimaryLocked): these operations are on disk already
		if h.Fresh {
			// A history that starts now has no secondary yet.
			n.idleLog(log)
		}
		n.startPrimaryLocked(log, h.ReplID)
		// The operation before the log is in the snapshot or was skipped:
		// the snapshot's digest, if it recorded one, names it in
		// handshakes.
		n.prim.base = lastOp{seq: from}
		if h.Skipped == 0 {
			n.prim.base.digest = h.SnapshotDigest
		}
	} else {
		n.becomePrimaryLocked(1, frame.NewReplID())
	}
	n.initPersist()
	return n
}

// becomePrimaryLocked starts a primary term of history replID at sequence
// next.
func (n *Node) becomePrimaryLocked(next uint64, replID string) *MemLog {
	log := NewMemLog(n.opts.MaxOperationLog, n.eng.Databases(), next, time.Now)
	boundLog(log, &n.logBytes)
	n.idleLog(log) // a new history has no secondary yet
	n.startPrimaryLocked(log, replID)
	return log
}

// idleLog makes l, the log of a history no secondary follows yet, keep
// nothing until one asks (MemLog.Idle). A reference secondary gets the
// last operations on connect (legacyCatchUp): with those allowed, the log
// keeps them from the start.
func (n *Node) idleLog(l *MemLog) {
	if !n.auth.allowLegacy.Load() {
		l.Idle()
	}
}

// boundLog applies repl-backlog-size, when set, to l.
func boundLog(l *MemLog, bytes *atomic.Int64) {
	if b := bytes.Load(); b > 0 {
		l.SetByteLimit(b)
	}
}

// SetMaxLogBytes changes repl-backlog-size at run time: the operation
// log and a secondary's backlog keep at most b bytes of operations from
// their next write on, as do the logs made later. b must be positive.
func (n *Node) SetMaxLogBytes(b int64) {
	if b <= 0 {
		return
	}
	n.logBytes.Store(b)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.prim != nil {
		if m, ok := n.prim.log.(*MemLog); ok {
			m.SetByteLimit(b)
		}
	}
	if n.sec != nil {
		n.sec.setLogBytes(b)
	}
}

// SetTimeout changes repl-timeout at run time, as CONFIG SET does in
// Redis: a replication link silent for d is dropped. It applies to the
// links open now from this moment (a peer silent for longer is dropped d
// from now) and to every later read. d must be positive.
func (n *Node) SetTimeout(d time.Duration) {
	if d <= 0 {
		return
	}
	n.auth.timeout.Store(int64(d))
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.prim != nil {
		n.prim.setTimeout(d)
	}
	if n.sec != nil {
		n.sec.setTimeout(d)
	}
}

// SetHeartbeat changes heartbeat-interval at run time, as CONFIG SET
// repl-ping-replica-period does in Redis: each sender takes the new
// interval at its next tick, within a second. d must be positive.
func (n *Node) SetHeartbeat(d time.Duration) {
	if d > 0 {
		n.auth.heartbeat.Store(int64(d))
	}
}

// startPrimaryLocked starts a primary term of history replID that logs to
// log.
func (n *Node) startPrimaryLocked(log *MemLog, replID string) {
	n.prim = newPrimary(n.eng, log, replID, &n.opts, &n.stats, &n.verifyEvery, &n.auth)
	n.prim.aof = n.opts.AOF
	if a := n.opts.AOF; a != nil {
		// Before the log becomes the engine's sink: what it records from
		// then on (an expired key's deletion may come at once) reaches the
		// file too, or the file would miss a sequence. What the log holds
		// already is published (a start refills it and publishes it, a
		// secondary's backlog is published as it comes): it is on disk.
		log.SetAOF(a)
	}
	n.prim.startPublisher()
	n.curPrim.Store(n.prim)
	n.eng.SetRole(log, false)
	n.readOnly.Store(false)
}

// SetFsyncPolicy changes appendfsync at run time (when the node persists).
func (n *Node) SetFsyncPolicy(p aof.FsyncPolicy) {
	if n.opts.AOF != nil {
		n.opts.AOF.SetPolicy(p)
	}
}

// SetSegmentLimit changes aof-segment-size at run time.
func (n *Node) SetSegmentLimit(size int64) {
	if n.opts.AOF != nil {
		n.opts.AOF.SetSegmentLimit(size)
	}
}

// SetBroadcastAsync switches broadcast-async at run time.
func (n *Node) SetBroadcastAsync(on bool) { n.async.Store(on) }

// SetVerifyInterval changes repl-verify-interval at run time (<= 0: no
// checkpoints).
func (n *Node) SetVerifyInterval(d time.Duration) { n.verifyEvery.Store(int64(d)) }

// SetReplPassword changes the password the primary requires of secondaries
// that connect from now on ("": none).
func (n *Node) SetReplPassword(pw string) { n.auth.password.Store(&pw) }

// SetMasterAuth changes masteruser and masterauth for the secondary's next
// connections.
func (n *Node) SetMasterAuth(user, pw string) {
	n.auth.masterUser.Store(&user)
	n.auth.masterAuth.Store(&pw)
}

// SetAllowLegacy changes repl-allow-legacy for peers that connect from now
// on.
func (n *Node) SetAllowLegacy(on bool) {
	n.auth.allowLegacy.Store(on)
	if p, _ := n.roles(); on && p != nil {
		p.log.Keep() // a reference secondary's catch-up starts now
	}
}

// SetPeerLimits changes repl-max-peers and repl-max-unauthenticated.
func (n *Node) SetPeerLimits(peers, unauthenticated int) {
	n.auth.maxPeers.Store(int64(peers))
	n.auth.maxPending.Store(int64(unauthenticated))
}

// SetServeDivergedData changes replica-serve-diverged-data at run time.
func (n *Node) SetServeDivergedData(on bool) { n.serveDiverged.Store(on) }

// ErrMasterDown is StaleError's answer: this secondary's link to its
// primary is not up and replica-serve-stale-data is no.
var ErrMasterDown = errors.New("the link with the primary is down")

// SetServeStaleData changes replica-serve-stale-data at run time.
func (n *Node) SetServeStaleData(on bool) { n.refuseStale.Store(!on) }

// StaleError implements Replication: ErrMasterDown while this node is a
// secondary whose link to its primary is not up (connecting, in its
// handshake or full resynchronisation, or broken) and
// replica-serve-stale-data is no; nil otherwise.
func (n *Node) StaleError() error {
	if !n.refuseStale.Load() {
		return nil
	}
	if s := n.curSec.Load(); s != nil && !s.connected.Load() {
		return ErrMasterDown
	}
	return nil
}

// ReadError implements Replication: a *DivergedError while this node is a
// secondary whose dataset was found different from its primary's and
// replica-serve-diverged-data is no; nil otherwise.
func (n *Node) ReadError() error {
	if at := n.divergedAt.Load(); at != 0 && !n.serveDiverged.Load() {
		return &DivergedError{Seq: at - 1}
	}
	return nil
}

// Serve accepts replication peers on ln until Close. While the node is a
// secondary, peers are refused. Accept errors are retried with a backoff
// from 5 ms to 1 s.
func (n *Node) Serve(ln net.Listener) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		_ = ln.Close()
		return net.ErrClosed
	}
	n.lns = append(n.lns, ln)
	n.lnWG.Add(1)
	n.mu.Unlock()
	defer n.lnWG.Done()
	return n.accept(ln)
}

// Listen opens the NADB listener with NodeOptions.Listen, unless it is
// open already or the node has none, and accepts peers on it until Close.
// A node that starts as a primary calls it at start (a failure there is the
// caller's to report); a node that starts as a secondary does not listen
// until it is promoted, so that several secondaries run on one machine
// with nothing but distinct ports for clients. A promotion that cannot
// open the listener leaves the node a primary without secondaries, says
// so in the log and in INFO (nadb_listener_status), and the next REPLICAOF
// NO ONE tries again.
func (n *Node) Listen() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.listenLocked()
}

func (n *Node) listenLocked() error {
	if n.closed {
		return net.ErrClosed
	}
	if n.opts.Listen == nil || n.listening {
		return nil
	}
	ln, err := n.opts.Listen()
	n.listenErr = err
	if err != nil {
		return err
	}
	n.listening = true
	n.lns = append(n.lns, ln)
	n.lnWG.Add(1)
	go func() {
		defer n.lnWG.Done()
		_ = n.accept(ln)
	}()
	return nil
}

// accept serves ln until Close (or until ln fails for good).
func (n *Node) accept(ln net.Listener) error {
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			select {
			case <-n.done:
				return net.ErrClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			n.opts.Logger.Warn("replication accept failed; retrying", "err", err, "in", delay)
			select {
			case <-time.After(delay):
			case <-n.done:
				return net.ErrClosed
			}
			continue
		}
		delay = 0
		n.mu.Lock()
		p := n.prim
		n.mu.Unlock()
		if p == nil {
			n.opts.Logger.Info("refusing a replication peer: this node is a secondary", "addr", conn.RemoteAddr())
			_ = conn.Close()
			continue
		}
		p.serve(conn)
	}
}

// Close stops listening, disconnects every peer and waits for every
// goroutine of the node.
func (n *Node) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	close(n.done)
	// Writes in flight finish logging; none is admitted after.
	n.gate.Lock()
	n.writesClosed = true
	n.gate.Unlock()
	for _, ln := range n.lns {
		_ = ln.Close()
	}
	p, s := n.prim, n.sec
	n.mu.Unlock()
	n.lnWG.Wait()
	if p != nil {
		p.close()
	}
	if s != nil {
		s.stop()
	}
	n.save.wg.Wait()
	if n.opts.AOF != nil {
		if err := n.opts.AOF.Close(); err != nil {
			n.opts.Logger.Error("closing the append-only file", "err", err)
		}
	}
}

// FollowNADB makes the node a secondary of the primary whose NADB endpoint
// is addr (host:port).
func (n *Node) FollowNADB(addr string) error {
	err := n.follow(target{nadbAddr: addr})
	if errors.Is(err, errAlreadyFollowing) {
		return nil
	}
	return err
}

// ReplicaOf implements the front end's Replication: follow the primary
// whose Redis endpoint is host:port, or become a primary when host is "".
func (n *Node) ReplicaOf(host string, port int) (already bool, err error) {
	if host == "" {
		n.promote()
		return false, nil
	}
	err = n.follow(target{respAddr: net.JoinHostPort(host, strconv.Itoa(port))})
	if errors.Is(err, errAlreadyFollowing) {
		return true, nil
	}
	return false, err
}

// errAlreadyFollowing is returned by follow for the current primary.
var errAlreadyFollowing = errors.New("already connected to the specified primary")

func (n *Node) follow(t target) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return net.ErrClosed
	}
	var replID string
	var applied uint64
	var lastApplied lastOp
	var backlog *MemLog
	if n.sec != nil {
		if n.sec.target == t {
			return errAlreadyFollowing
		}
		n.sec.stop()
		// A new primary may have another history; the handshake decides.
		replID, applied = n.sec.history()
		lastApplied = n.sec.lastApplied()
		backlog = n.sec.backlog
	}
	// No client write is admitted from here on; those in flight finish
	// logging first. The engine stops logging and deleting expired keys
	// at once (SetRole), before the term closes: every effect it
	// recorded is then in the log the close publishes.
	n.gate.Lock()
	n.eng.SetRole(nil, true)
	if n.prim != nil {
		// Closing the term publishes what is left to the log on disk;
		// a write acknowledged by a client that finds the node a
		// secondary already (WriteDone) must be there as its policy says.
		n.prim.close()
		last := n.prim.log.Last()
		if a := n.opts.AOF; a != nil {
			if err := a.Wait(last); err != nil {
				n.opts.Logger.Error("the log on disk could not take the last writes before the role change", "sequence", last, "err", err)
			}
		}
		// The node asks to continue its own history: only the primary
		// that wrote it (or a node that copied it) can offer a partial
		// resync, and the handshake checks that.
		if last > 0 || n.replicaHistory {
			replID, applied = n.prim.replID, last
			if d, ok := n.prim.digestAt(last); ok {
				lastApplied = lastOp{seq: last, digest: d}
			}
		}
		n.replicaHistory = false
		n.prim = nil
		n.curPrim.Store(nil)
	}
	n.readOnly.Store(true)
	n.gate.Unlock()
	n.sec = startSecondary(n.eng, t, applied, replID, lastApplied, backlog, &n.opts, n.opts.NodeID, &n.divergedAt, &n.auth, &n.logBytes)
	n.curSec.Store(n.sec)
	n.opts.Logger.Info("following a primary", "primary", t)
	return nil
}

// promote makes a secondary a primary with a new history that continues
// from its last applied sequence.
func (n *Node) promote() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	defer n.listenAfterPromotionLocked()
	if n.sec == nil {
		return
	}
	n.sec.stop()
	formerID, applied := n.sec.history()
	digest := n.sec.lastApplied().digestFor(applied)
	backlog := n.sec.backlog
	n.sec = nil
	n.curSec.Store(nil)
	if at := n.divergedAt.Swap(0); at != 0 {
		// Promoted before the full resync that would have repaired it:
		// its dataset is now the history's, whatever it holds.
		n.opts.Logger.Warn("promoted while diverged from the former primary (found at a checkpoint): this dataset becomes the new history", "sequence", at-1)
	}
	replID := frame.NewReplID()
	if a := n.opts.AOF; a != nil && !a.Continue(applied, replID, aof.RolePrimary) {
		// The log does not end at the applied position (the primary was
		// a reference one, whose stream is not persisted): start it again
		// from a snapshot of the dataset.
		var h aof.SnapshotHeader
		snap := n.eng.Capture(func(d engine.Digest) { h.Dataset = d })
		h.ReplID, h.Seq, h.LastDigest = replID, applied, digest
		if err := a.Reset(applied, replID, aof.RolePrimary, func() error {
			_, err := aof.WriteItems(n.opts.Persist.Dir, h, snap, nil)
			return err
		}); err != nil {
			n.opts.Logger.Error("cannot persist the promoted node's dataset", "err", err)
		}
		snap.Release()
	}
	// Writes are admitted once the log, on disk too, takes them.
	n.gate.Lock()
	// The new history continues the one this node followed: its backlog
	// of that history's operations opens the new log, and secondaries of
	// the former primary that are not ahead of this node continue with a
	// partial resync (Redis's second replication ID).
	log := backlog
	if log == nil || log.Last() != applied {
		log = NewMemLog(n.opts.MaxOperationLog, n.eng.Databases(), applied+1, time.Now)
		boundLog(log, &n.logBytes)
	}
	n.startPrimaryLocked(log, replID)
	if formerID != "" {
		n.prim.replID2, n.prim.offset2 = formerID, applied+1
	}
	n.prim.base = lastOp{seq: applied, digest: digest}
	n.gate.Unlock()
	n.opts.Logger.Info("promoted to primary", "replid", n.prim.replID, "replid2", formerID, "sequence", applied, "backlog_first", log.First())
}

func (n *Node) roles() (*primary, *secondary) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.prim, n.sec
}

// ReadOnly implements Replication.
func (n *Node) ReadOnly() bool { return n.readOnly.Load() }

// WriteDone implements Replication: with broadcast-async off, it waits until
// every connected secondary was sent everything logged so far. It returns
// ctx's error if ctx ends first, net.ErrClosed if the node closes first.
func (n *Node) WriteDone(ctx context.Context) error {
	p := n.curPrim.Load()
	if p == nil {
		return nil
	}
	p.release()
	async := n.async.Load()
	if p.aof == nil && async {
		return nil // the common case takes no lock the log shares
	}
	last := p.log.Last()
	// The file first: a secondary is sent only what the file keeps.
	if p.aof != nil {
		if err := p.aof.Wait(last); err != nil {
			return err
		}
	}
	if !async {
		return p.waitSent(ctx, last, n.done)
	}
	return nil
}

// BeginWrite implements Replication: a client write is refused on a
// secondary (engine.ErrReadOnly) and while the append-only file cannot be
// written. Once admitted, the write holds the role gate until EndWrite, so
// a role change (which detaches the log) waits for it: no write is applied
// without being logged.
func (n *Node) BeginWrite() error {
	// No n.mu here: a role change holds it and waits for the gate.
	if p := n.curPrim.Load(); p != nil && p.aof != nil {
		if err := p.aof.WriteError(); err != nil {
			return err
		}
	}
	n.gate.RLock()
	switch {
	case n.writesClosed:
		n.gate.RUnlock()
		return net.ErrClosed
	case n.readOnly.Load():
		n.gate.RUnlock()
		return engine.ErrReadOnly
	}
	return nil
}

// EndWrite implements Replication.
func (n *Node) EndWrite() { n.gate.RUnlock() }

// Wait implements Replication: it returns when count secondaries
// acknowledged everything logged so far, the timeout passes (0: never), ctx
// ends or the node closes, with how many did.
func (n *Node) Wait(ctx context.Context, count int, timeout time.Duration) int {
	p, _ := n.roles()
	if p == nil {
		return 0
	}
	// What no client's WriteDone released (an expired key deleted by a
	// read, active expiry, eviction) goes to the senders now, not at the
	// log's timer.
	p.release()
	return p.waitAcked(ctx, count, p.log.Last(), timeout, n.done)
}

// listenAfterPromotionLocked opens the NADB listener of a node that has
// become (or already was) a primary; a failure does not undo the
// promotion.
func (n *Node) listenAfterPromotionLocked() {
	if err := n.listenLocked(); err != nil && !errors.Is(err, net.ErrClosed) {
		n.opts.Logger.Error("promoted, but the NADB listener cannot open: no secondary can follow this node until REPLICAOF NO ONE succeeds in opening it",
			"host", n.opts.ListenHost, "port", n.opts.ListenPort, "err", err)
	}
}

// Sequence returns the primary's last sequence or the secondary's last
// applied one.
func (n *Node) Sequence() uint64 {
	p, s := n.roles()
	if p != nil {
		return p.log.Last()
	}
	return s.applied.Load()
}
