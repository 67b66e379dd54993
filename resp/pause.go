package resp

import (
	"sync"
	"sync/atomic"
	"time"
)

// CLIENT PAUSE and UNPAUSE, as in Redis 7.0. For timeout milliseconds the
// server holds back the commands of every client (ALL), or only those that
// change data or are passed on to secondaries (WRITE: writes, PUBLISH,
// PFCOUNT, and an EXEC or a MULTI queue that holds one): a held client
// waits, its earlier replies sent, and runs the command when the pause
// ends. Meanwhile expired keys are hidden but not deleted and nothing is
// evicted (engine.PauseExpiry), so a primary's dataset stands still while
// its secondaries catch up: the first step of a switchover that loses
// nothing. A monitoring client is never held, as Redis never holds its
// replicas.

// Pause modes; a stricter one holds more.
const (
	pauseNone = iota
	pauseWrite
	pauseAll
)

const (
	errPauseTimeout  = "ERR timeout is not an integer or out of range"
	errPauseNegative = "ERR timeout is negative"
	errPauseMode     = "ERR CLIENT PAUSE mode must be WRITE or ALL"
)

// pauseState is the server's pause. on mirrors "anything held" for the
// check every command makes. Two purposes hold clients independently, as
// in Redis: CLIENT PAUSE (mode, until end; CLIENT UNPAUSE ends it) and a
// FAILOVER in progress (failover: writes, until it ends).
type pauseState struct {
	on       atomic.Bool
	mu       sync.Mutex
	mode     int
	failover bool
	end      time.Time
	timer    *time.Timer
	gen      uint64        // counts pauses started and extended, for their timers
	done     chan struct{} // closed when this pause ends
	// gate is held for reading by each command a WRITE pause would hold,
	// from before its pause check until it returns; pauseClients takes it
	// for writing once, so that CLIENT PAUSE replies only after the writes
	// that got past the check are applied.
	gate sync.RWMutex
}

// clientPause answers CLIENT PAUSE timeout [WRITE|ALL].
func clientPause(s *Server, c *client, args [][]byte) {
	if len(args) > 4 {
		c.conn.WriteError(errSubcommandSyntax("client", args[1]))
		return
	}
	ms, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errPauseTimeout)
		return
	}
	if ms < 0 {
		c.conn.WriteError(errPauseNegative)
		return
	}
	mode := pauseAll
	if len(args) == 4 {
		switch {
		case equalFold(args[3], "write"):
			mode = pauseWrite
		case equalFold(args[3], "all"):
		default:
			c.conn.WriteError(errPauseMode)
			return
		}
	}
	s.pauseClients(!c.inExec, time.Now().Add(time.Duration(min(ms, int64(1<<62)/int64(time.Millisecond)))*time.Millisecond), mode)
	okReply(c)
}

// pauseClients starts a pause, or changes the one in force: the stricter
// mode and the later end of the two, as in Redis. With drain (not inside a
// transaction, whose own writes hold the gate) it returns once the writes
// already past the pause check are applied.
func (s *Server) pauseClients(drain bool, end time.Time, mode int) {
	p := &s.pause
	p.mu.Lock()
	if p.mode == pauseNone {
		s.holdLocked()
	}
	p.mode = max(p.mode, mode)
	if end.After(p.end) {
		p.end = end
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.gen++
	gen := p.gen
	p.timer = time.AfterFunc(time.Until(p.end), func() { s.endPause(gen) })
	p.mu.Unlock()
	if drain {
		p.gate.Lock()
		p.gate.Unlock() // empty: taking it was the wait for the readers
	}
}

// endPause is the timer of pause generation gen: it ends the pause unless
// a later CLIENT PAUSE extended it meanwhile.
func (s *Server) endPause(gen uint64) {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == gen {
		// Checked and ended in one critical section: a CLIENT PAUSE that
		// extends the pause in between would otherwise be ended.
		s.unpauseLocked()
	}
}

// unpauseClients ends the pause, if any, and lets the held clients run.
func (s *Server) unpauseClients() {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	s.unpauseLocked()
}

// unpauseLocked is unpauseClients with p.mu held.
func (s *Server) unpauseLocked() {
	p := &s.pause
	if p.mode == pauseNone {
		return
	}
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.mode, p.end = pauseNone, time.Time{}
	s.releaseLocked()
}

// holdLocked starts holding clients for a first purpose: a new channel
// for them to wait on, and no expiry or eviction meanwhile. p.mu must be
// held, and no purpose on.
func (s *Server) holdLocked() {
	p := &s.pause
	if p.mode != pauseNone || p.failover {
		return
	}
	p.done = make(chan struct{})
	s.eng.PauseExpiry(true)
	p.on.Store(true)
}

// releaseLocked lets the held clients go after a purpose ended: all of
// them when none is left; otherwise they check again (a client the ended
// purpose held may run now). p.mu must be held.
func (s *Server) releaseLocked() {
	p := &s.pause
	close(p.done)
	if p.mode != pauseNone || p.failover {
		p.done = make(chan struct{})
		return
	}
	p.on.Store(false)
	s.eng.PauseExpiry(false)
}

// holdWritesForFailover holds, or stops holding, the clients' writes for
// a FAILOVER, whatever CLIENT PAUSE does meanwhile. With drain, holding
// returns once the writes already past the pause check are applied.
func (s *Server) holdWritesForFailover(on, drain bool) {
	p := &s.pause
	p.mu.Lock()
	switch {
	case on && !p.failover:
		s.holdLocked()
		p.failover = true
	case !on && p.failover:
		p.failover = false
		s.releaseLocked()
	}
	p.mu.Unlock()
	if on && drain {
		p.gate.Lock()
		p.gate.Unlock() // empty: taking it was the wait for the readers
	}
}

// stopPauseTimer stops the timer of a pause in force when the server
// stops: the held clients return on the server's context.
func (s *Server) stopPauseTimer() {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// pausedFor returns the channel closed when the pause that holds cmd ends,
// or nil when cmd may run now.
func (s *Server) pausedFor(c *client, cmd *command, args [][]byte) <-chan struct{} {
	if !s.pause.on.Load() || c.monitoring.Load() {
		return nil
	}
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	mode := p.mode
	if p.failover {
		mode = max(mode, pauseWrite)
	}
	switch mode {
	case pauseAll:
		return p.done
	case pauseWrite:
		if s.mayReplicate(c, cmd, args) {
			return p.done
		}
	}
	return nil
}

// mayReplicate reports whether cmd (with args) changes data or is passed
// on to secondaries: what a WRITE pause holds. A script or function that
// declares no-writes does not, as Redis takes its declared flags.
func (s *Server) mayReplicate(c *client, cmd *command, args [][]byte) bool {
	if cmd.flags&flagWrite != 0 || cmd.name == "publish" || cmd.name == "pfcount" || s.scriptMayWrite(c, cmd, args) {
		return true
	}
	if cmd.name == "exec" && c.tx.on {
		for _, q := range c.tx.queue {
			if s.mayReplicate(c, q.cmd, q.args) {
				return true
			}
		}
	}
	return false
}

// waitUnpaused holds c while the pause that holds cmd lasts: its earlier
// replies go out first. It reports whether c was held, and false in ok
// when the server stops or the client goes meanwhile. The caller's read
// hold on the pause gate is released while c waits.
func (s *Server) waitUnpaused(c *client, cmd *command, args [][]byte) (held, ok bool) {
	for {
		done := s.pausedFor(c, cmd, args)
		if done == nil {
			return held, true
		}
		held = true
		gated := s.mayReplicate(c, cmd, args)
		if gated {
			s.pause.gate.RUnlock()
		}
		ok := s.endPipeline(c) == nil && s.holdUntil(c, done)
		if gated {
			s.pause.gate.RLock()
		}
		if !ok {
			return held, false
		}
	}
}

// holdUntil waits for done, counted as a blocked client meanwhile (INFO
// blocked_clients, CLIENT LIST flag b), as Redis counts a held one. It
// watches the socket as a blocked command's wait does: a client that goes
// (or is killed) meanwhile is closed, its command never run.
func (s *Server) holdUntil(c *client, done <-chan struct{}) bool {
	c.pauseHeld.Store(true)
	c.isBlocked.Store(true)
	s.blockedClients.Add(1)
	defer func() {
		c.isBlocked.Store(false)
		c.pauseHeld.Store(false)
		s.blockedClients.Add(-1)
	}()
	watch := watchConn(c.lc)
	defer watch.stop(c.lc)
	select {
	case <-done:
		return true
	case <-watch.gone:
		return false
	case <-s.ctx.Done():
		return false
	}
}
