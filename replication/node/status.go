package node

import (
	"net"
	"strconv"
	"time"
)

// Status is the node's replication state as typed values; the front end
// turns it into INFO replication and ROLE. Exactly one of Primary and
// Secondary is set.
type Status struct {
	Primary   *PrimaryStatus
	Secondary *SecondaryStatus
	// ListenHost and ListenPort are the NADB listener's address (port 0:
	// none).
	ListenHost string
	ListenPort int
	// Listener says whether the NADB listener is open: ListenerListening,
	// ListenerClosed (a secondary never promoted), ListenerDisabled
	// (repl-listen-port 0) or ListenerError, with ListenErr saying why.
	Listener  ListenerState
	ListenErr error
}

// ListenerState is the NADB listener's state (see Status).
type ListenerState string

// The NADB listener's states.
const (
	ListenerListening ListenerState = "listening"
	ListenerClosed    ListenerState = "closed"
	ListenerDisabled  ListenerState = "disabled"
	ListenerError     ListenerState = "error"
)

// PrimaryStatus is a primary's history and its secondaries.
type PrimaryStatus struct {
	ReplID string
	// ReplID2 is the history this node followed before its promotion
	// ("" when none), continued up to (not including) sequence Offset2.
	ReplID2      string
	Offset2      uint64
	Sequence     uint64 // the last logged sequence (Redis's master_repl_offset)
	BacklogFirst uint64 // the oldest sequence still in the in-memory log
	BacklogSize  int    // max-operation-log
	// BacklogActive: the log keeps operations (a secondary asked for
	// them once); a new history's log keeps none before (MemLog.Idle).
	BacklogActive bool
	Replicas      []ReplicaStatus
	// OutputLimitDrops counts the secondaries disconnected for overcoming
	// the replica output buffer limit (outlimit.go), since start.
	OutputLimitDrops int64
}

// ReplicaStatus is one connected secondary, as its primary sees it.
type ReplicaStatus struct {
	ID        int64
	IP        string // the peer's address
	Addr      string // the peer's address and port
	Port      int    // its Redis port, from its handshake
	State     string // wait_bgsave, send_bulk or online
	Acked     uint64 // the last sequence it acknowledged
	AckAge    time.Duration
	OpsSent   int64
	BytesSent int64
	LagOps    uint64
	LagMs     int64 // age of its oldest unacknowledged operation
	Legacy    bool  // a reference secondary (no handshake, no ACKs)
	// Verified is the last sequence at which it found its dataset equal
	// to this primary's (a checkpoint), from its ACKs; 0: none yet.
	Verified uint64
}

// SecondaryStatus is a secondary's link to its primary and its counters.
type SecondaryStatus struct {
	PrimaryHost string // the primary's Redis host and port, as far as known
	PrimaryPort int
	Target      string // what the node follows: NADB host:port, or the Redis endpoint given to REPLICAOF
	// FollowsRedis says that Target is the Redis endpoint given to
	// REPLICAOF (or replicaof); false: the NADB address of primary-host
	// and primary-port.
	FollowsRedis bool
	LinkUp       bool
	Syncing      bool
	LastIO       time.Duration // since the last frame; -1 when none yet
	LinkDown     time.Duration // since the link went down; 0 while up
	ReplID       string        // the history it holds ("" before any handshake)
	Applied      uint64        // the last applied sequence
	PrimarySeq   uint64        // the primary's sequence, from its heartbeats
	SinceLastOp  time.Duration // since the last applied operation; -1 when none
	Legacy       bool          // following a reference primary
	// Counters since the node started following. Frames counts every
	// frame read (handshake replies, full-resync keys, heartbeats,
	// operations); Received the operations of the live stream taken in for
	// applying, and AppliedOps those applied: the two differ only by a
	// batch in flight, or a group cut short by a lost link (resent later).
	// Reconnections counts links established again after the first,
	// Attempts every connection attempt after the first.
	Frames, Received, AppliedOps, Reconnections, Attempts int64
	FullSyncs, PartialSyncs, Resyncs, ProtocolErrors      int64
	// Verification: the last sequence whose checkpoint found the dataset
	// equal to the primary's, how many checkpoints did, how many found
	// it different; Diverged while a divergence waits for its full
	// resync (DivergedAt names its checkpoint).
	// LinkError is why the last link failed (a refused authentication,
	// a refused connection...), "" while the link is up.
	LinkError                        string
	VerifiedSeq                      uint64
	CheckpointsVerified, Divergences int64
	Diverged                         bool
	DivergedAt                       uint64
}

// SyncStats returns sync_full, sync_partial_ok and sync_partial_err.
func (n *Node) SyncStats() (full, partialOK, partialErr int64) {
	return n.stats.full.Load(), n.stats.partialOK.Load(), n.stats.partialErr.Load()
}

// Status returns the node's replication state.
func (n *Node) Status() Status {
	n.mu.Lock()
	st := Status{ListenHost: n.opts.ListenHost, ListenPort: n.opts.ListenPort, ListenErr: n.listenErr}
	switch {
	case n.listenErr != nil:
		st.Listener = ListenerError
	case n.listening || len(n.lns) > 0:
		st.Listener = ListenerListening
	case n.opts.Listen == nil:
		st.Listener = ListenerDisabled
	default:
		st.Listener = ListenerClosed
	}
	p, s := n.prim, n.sec
	n.mu.Unlock()
	if p != nil {
		st.Primary = p.status(&n.opts)
	} else {
		st.Secondary = s.status()
	}
	return st
}

// status returns the primary's part of Status.
func (p *primary) status(o *NodeOptions) *PrimaryStatus {
	last, first := p.log.Last(), p.log.First()
	now := time.Now().UnixMilli()
	st := &PrimaryStatus{ReplID: p.replID, ReplID2: p.replID2, Offset2: p.offset2, Sequence: last, BacklogFirst: first, BacklogSize: o.MaxOperationLog,
		BacklogActive:    p.log.Keeping(),
		OutputLimitDrops: p.stats.outputLimitDrops.Load()}
	for _, s := range p.list() {
		acked := s.acked.Load()
		r := ReplicaStatus{ID: s.id, IP: s.ip, Addr: s.conn.RemoteAddr().String(), Port: s.port, State: s.state.Load().(string),
			Acked: acked, OpsSent: s.opsSent.Load(), BytesSent: s.bytes.Load(), LagOps: last - min(acked, last), Legacy: s.legacy,
			Verified: s.verified.Load()}
		if ms := s.ackMs.Load(); ms > 0 {
			r.AckAge = time.Duration(now-ms) * time.Millisecond
		}
		if r.LagOps > 0 {
			// The oldest unacknowledged entry's age; if it has left the
			// log, the oldest entry still there gives a lower bound.
			t, ok := p.log.TimeOf(acked + 1)
			if !ok {
				t, ok = p.log.TimeOf(first)
			}
			if ok {
				r.LagMs = max(now-t, 0)
			}
		}
		st.Replicas = append(st.Replicas, r)
	}
	return st
}

// status returns the secondary's part of Status.
func (s *secondary) status() *SecondaryStatus {
	now := time.Now().UnixMilli()
	replID, applied := s.history()
	host, port := s.primaryEndpoint()
	st := &SecondaryStatus{PrimaryHost: host, PrimaryPort: port, Target: s.target.String(), FollowsRedis: s.target.respAddr != "",
		LinkUp: s.connected.Load(), Syncing: s.syncing.Load(), LastIO: -1, SinceLastOp: -1,
		ReplID: replID, Applied: applied, PrimarySeq: max(s.primaryLast.Load(), applied), Legacy: s.legacy.Load(),
		Frames: s.frames.Load(), Received: s.received.Load(), AppliedOps: s.appliedOps.Load(), Reconnections: s.reconnects.Load(),
		Attempts: s.attempts.Load(), FullSyncs: s.fullSyncs.Load(), PartialSyncs: s.partials.Load(),
		Resyncs: s.resyncs.Load(), ProtocolErrors: s.protoErrs.Load(),
		VerifiedSeq: s.verifiedSeq.Load(), CheckpointsVerified: s.verifiedOK.Load(), Divergences: s.divergences.Load()}
	if e := s.linkErr.Load(); e != nil && !st.LinkUp {
		st.LinkError = *e
	}
	if at := s.divergedAt.Load(); at != 0 {
		st.Diverged, st.DivergedAt = true, at-1
	}
	if t := s.lastIOMs.Load(); t > 0 {
		st.LastIO = time.Duration(now-t) * time.Millisecond
	}
	if t := s.linkDownMs.Load(); t > 0 {
		st.LinkDown = time.Duration(now-t) * time.Millisecond
	}
	if t := s.lastOpMs.Load(); t > 0 {
		st.SinceLastOp = time.Duration(now-t) * time.Millisecond
	}
	return st
}

// primaryEndpoint returns the primary's Redis host and port as far as
// known: from REPLICAOF, or the NADB host with the port it announced.
func (s *secondary) primaryEndpoint() (string, int) {
	addr := s.target.respAddr
	if addr == "" {
		addr = s.target.nadbAddr
	}
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	if s.target.respAddr == "" {
		if p := s.primaryPort.Load(); p > 0 {
			port = int(p)
		}
	}
	return host, port
}
