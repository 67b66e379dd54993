package resp

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT, as in
// Redis 7.0: a planned switchover of a primary to one of its secondaries
// that loses nothing. The primary holds its clients' writes (as CLIENT
// PAUSE WRITE does, independently of it) and waits until the target (the
// secondary named by TO, or else the first one) has acknowledged every
// operation; then it makes the target a primary (REPLICAOF NO ONE on its
// Redis port), follows it itself, and points its other secondaries at it
// (a secondary here does not serve others, where a Redis replica would
// keep them as sub-replicas). The held writes then run and get READONLY.
// With TIMEOUT the wait gives up after that long and the failover is
// aborted, unless FORCE makes it go on with the target as it is.
// INFO replication shows master_failover_state meanwhile.

// The failover's states, as INFO replication names them.
const (
	failoverNone       = "no-failover"
	failoverWaitSync   = "waiting-for-sync"
	failoverInProgress = "failover-in-progress"
)

const (
	errFailoverNone       = "ERR No failover in progress."
	errFailoverRunning    = "ERR FAILOVER already in progress."
	errFailoverReplica    = "ERR FAILOVER is not valid when server is a replica."
	errFailoverNoReplicas = "ERR FAILOVER requires connected replicas."
	errFailoverForce      = "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
	errFailoverTarget     = "ERR FAILOVER target HOST and PORT is not a replica."
	errFailoverOffline    = "ERR FAILOVER target replica is not online."
	errFailoverTimeout    = "ERR FAILOVER timeout must be greater than 0"
	errFailoverSwitching  = "ERR FAILOVER is switching to its target already and cannot be aborted"
	errReplicaOfFailover  = "ERR REPLICAOF not allowed while failing over."
)

// failoverPoll is how often a failover looks at its secondaries' acks.
const failoverPoll = 5 * time.Millisecond

// failover is the server's FAILOVER, if one runs.
type failover struct {
	mu     sync.Mutex
	state  string
	cancel context.CancelFunc // ends the wait (ABORT, Stop)
}

func (f *failover) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.state == "" {
		return failoverNone
	}
	return f.state
}

// failoverRequest is a parsed FAILOVER.
type failoverRequest struct {
	host     string // "": any secondary
	port     int
	deadline time.Time // zero: none
	force    bool
}

func cmdFailover(s *Server, c *client, args [][]byte) {
	if len(args) == 2 && equalFold(args[1], "abort") {
		if msg := s.abortFailover(); msg != "" {
			c.conn.WriteError(msg)
			return
		}
		okReply(c)
		return
	}
	var req failoverRequest
	var timeout int64
	for j := 1; j < len(args); j++ {
		switch {
		case equalFold(args[j], "timeout") && j+1 < len(args) && timeout == 0:
			n, ok := parseInt(args[j+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if n <= 0 {
				c.conn.WriteError(errFailoverTimeout)
				return
			}
			timeout = n
			j++
		case equalFold(args[j], "to") && j+2 < len(args) && req.host == "":
			port, ok := parseInt(args[j+2])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			req.host, req.port = string(args[j+1]), int(port)
			j += 2
		case equalFold(args[j], "force") && !req.force:
			req.force = true
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if timeout > 0 {
		req.deadline = time.Now().Add(time.Duration(min(timeout, int64(1<<62)/int64(time.Millisecond))) * time.Millisecond)
	}
	if msg := s.startFailover(req, !c.inExec); msg != "" {
		c.conn.WriteError(msg)
		return
	}
	okReply(c)
}

// startFailover checks req against the node's state and starts the
// failover; it returns the error to answer, or "". With drain (not inside
// a transaction, whose own writes hold the pause gate) it returns once the
// writes already past the pause check are applied.
func (s *Server) startFailover(req failoverRequest, drain bool) string {
	f := &s.fo
	f.mu.Lock()
	if f.state != "" {
		f.mu.Unlock()
		return errFailoverRunning
	}
	st := s.replication().Status()
	p := st.Primary
	switch {
	case p == nil:
		f.mu.Unlock()
		return errFailoverReplica
	case !slices.ContainsFunc(p.Replicas, func(r node.ReplicaStatus) bool { return !r.Legacy }):
		// A reference secondary cannot be promoted: it does not count.
		f.mu.Unlock()
		return errFailoverNoReplicas
	case req.force && (req.deadline.IsZero() || req.host == ""):
		f.mu.Unlock()
		return errFailoverForce
	}
	if req.host != "" {
		r := replicaAt(p, req.host, req.port)
		switch {
		case r == nil || r.Legacy:
			f.mu.Unlock()
			return errFailoverTarget
		case r.State != "online":
			f.mu.Unlock()
			return errFailoverOffline
		}
		s.log.Info("FAILOVER requested", "to", net.JoinHostPort(req.host, strconv.Itoa(req.port)))
	} else {
		s.log.Info("FAILOVER requested to any replica")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		f.mu.Unlock()
		return errFailoverReplica
	}
	s.failing++ // Shutdown waits for it
	s.mu.Unlock()
	ctx, cancel := context.WithCancel(s.ctx)
	f.state, f.cancel = failoverWaitSync, cancel
	f.mu.Unlock()
	s.holdWritesForFailover(true, drain)
	go s.runFailover(ctx, req, !drain)
	return ""
}

// abortFailover ends a failover that waits for its target and returns
// "", or the error to answer: none runs, or it is switching already (the
// target was asked to become the primary: that cannot be taken back).
func (s *Server) abortFailover() string {
	f := &s.fo
	f.mu.Lock()
	defer f.mu.Unlock()
	switch f.state {
	case "":
		return errFailoverNone
	case failoverInProgress:
		return errFailoverSwitching
	}
	f.cancel()
	return ""
}

// replicaAt returns the secondary p reports at host and Redis port, as
// INFO replication shows them, or nil.
func replicaAt(p *node.PrimaryStatus, host string, port int) *node.ReplicaStatus {
	for i := range p.Replicas {
		if r := &p.Replicas[i]; r.IP == host && r.Port == port {
			return r
		}
	}
	return nil
}

// runFailover waits for a target that acknowledged everything, then
// switches to it; whatever happens, the writes are released at the end.
// With drain (started inside EXEC, whose writes after FAILOVER still run
// and hold the pause gate) it first waits for those writes.
func (s *Server) runFailover(ctx context.Context, req failoverRequest, drain bool) {
	f := &s.fo
	defer func() {
		// The hold is released before the state: a FAILOVER started once
		// the state is clear holds writes of its own.
		s.holdWritesForFailover(false, false)
		f.mu.Lock()
		f.cancel()
		f.state, f.cancel = "", nil
		f.mu.Unlock()
		s.mu.Lock()
		s.failing--
		s.closeDrainedLocked()
		s.mu.Unlock()
	}()
	if drain {
		s.pause.gate.Lock()
		s.pause.gate.Unlock() // empty: taking it was the wait
	}
	target, others, why := s.failoverTarget(ctx, req)
	if target == nil {
		s.log.Warn("FAILOVER aborted", "reason", why)
		return
	}
	f.mu.Lock()
	if ctx.Err() != nil {
		f.mu.Unlock()
		s.log.Warn("FAILOVER aborted", "reason", "Failover manually aborted")
		return
	}
	f.state = failoverInProgress
	f.mu.Unlock()
	addr := net.JoinHostPort(target.IP, strconv.Itoa(target.Port))
	s.log.Info("FAILOVER: promoting the target", "target", addr, "acked", target.Acked)
	r := s.replication()
	// Not ctx: once the target is asked, the switch runs to its end.
	if err := r.RemoteCommand(context.Background(), addr, "REPLICAOF", "NO", "ONE"); err != nil {
		if !errors.Is(err, node.ErrRemoteUnanswered) {
			// Never delivered, or refused: the target is not a primary.
			s.log.Error("FAILOVER aborted: the target could not be promoted", "target", addr, "err", err)
			return
		}
		// Delivered but not answered: the target may yet become the
		// primary. Following it is safe either way: no write is taken
		// here, and if it never does, both stay secondaries until an
		// operator promotes one, instead of two primaries.
		s.log.Warn("FAILOVER: the target did not answer REPLICAOF NO ONE; following it anyway", "target", addr, "err", err)
	}
	if _, err := r.ReplicaOf(target.IP, target.Port); err != nil {
		s.log.Error("FAILOVER: could not follow the new primary", "primary", addr, "err", err)
		return
	}
	// The held writes get READONLY now; no need to hold them while the
	// other secondaries are pointed at the new primary.
	s.holdWritesForFailover(false, false)
	for _, o := range others {
		oaddr := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
		if err := r.RemoteCommand(context.Background(), oaddr, "REPLICAOF", target.IP, strconv.Itoa(target.Port)); err != nil {
			s.log.Warn("FAILOVER: a secondary could not be pointed at the new primary; point it with REPLICAOF", "secondary", oaddr, "err", err)
		}
	}
	s.log.Info("FAILOVER completed", "primary", addr)
}

// failoverTarget polls the secondaries until the target (req's, or any)
// has acknowledged every operation, and returns it with the other
// secondaries; nil and why when the failover is aborted instead.
func (s *Server) failoverTarget(ctx context.Context, req failoverRequest) (target *node.ReplicaStatus, others []node.ReplicaStatus, why string) {
	tick := time.NewTicker(failoverPoll)
	defer tick.Stop()
	for {
		p := s.replication().Status().Primary
		if p == nil {
			return nil, nil, "the server is no longer a primary"
		}
		var caughtUp *node.ReplicaStatus
		for i := range p.Replicas {
			r := &p.Replicas[i]
			if r.State != "online" || r.Legacy || (req.host != "" && (r.IP != req.host || r.Port != req.port)) {
				continue
			}
			if r.Acked >= p.Sequence || (req.force && !req.deadline.IsZero() && time.Now().After(req.deadline)) {
				caughtUp = r
				break
			}
		}
		if caughtUp != nil {
			for _, r := range p.Replicas {
				// Once per address, never the target's (a secondary seen
				// twice, or announcing the target's address, must not be
				// told to follow itself).
				same := func(o node.ReplicaStatus) bool { return o.IP == r.IP && o.Port == r.Port }
				if !r.Legacy && !same(*caughtUp) && !slices.ContainsFunc(others, same) {
					others = append(others, r)
				}
			}
			return caughtUp, others, ""
		}
		if !req.deadline.IsZero() && time.Now().After(req.deadline) {
			return nil, nil, "Replica never caught up before timeout"
		}
		select {
		case <-ctx.Done():
			return nil, nil, "Failover manually aborted"
		case <-tick.C:
		}
	}
}
