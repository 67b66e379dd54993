package resp

import (
	"errors"
	"net"
	"runtime"
	"time"
)

// acceptBackoffMax bounds the wait after a failed Accept (out of file
// descriptors, say) before the next one.
const acceptBackoffMax = time.Second

// acceptLoop accepts connections from ln (a guardedListener, which has
// admitted them and wrapped them in a limitConn) and starts one goroutine
// per connection, until ln is closed. The goroutines are the server's:
// registered in s.clients before they start, so Stop closes their sockets
// and Shutdown waits for them.
func (s *Server) acceptLoop(ln net.Listener) error {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.stopped() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// A passing failure: retry, backing off as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), acceptBackoffMax)
			s.log.Warn("accepting a client failed", "err", err, "retry_in", delay)
			if !s.sleep(delay) {
				return nil
			}
			continue
		}
		delay = 0
		lc, ok := nc.(*limitConn)
		if !ok {
			_ = nc.Close()
			continue
		}
		c := s.register(lc)
		if c == nil {
			_ = lc.Close()
			continue
		}
		go s.serveConn(c)
	}
}

// register creates the client of a new connection and adds it to
// s.clients, or returns nil when the server is closed.
func (s *Server) register(lc *limitConn) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	id := s.nextID.Add(1)
	c := newClient(id, lc, s.eng.As(id))
	s.clients[c.id] = c
	return c
}

// serveConn is a client's connection loop. Each turn reads once into the
// client's read buffer, runs every complete command the buffer holds (their
// arguments point into it), appending the replies to the output buffer,
// and then ends the pipeline: one WriteDone for its writes, one write of
// its replies. A command cut by the end of the read waits in the buffer
// for the next read.
func (s *Server) serveConn(c *client) {
	var err error
	defer func() {
		if err == nil {
			err = c.closeErr // why a command closed it, if it said
		}
		s.closeClient(c, err)
	}()
	for {
		// Redis's idle timeout spares a client in pub/sub or MONITOR mode.
		c.lc.untimed.Store(c.pubsubCount() > 0 || c.monitoring.Load())
		n, readErr := c.in.fill(c.lc, c.lc.expecting())
		if n > 0 {
			c.touch()
		}
		c.prefetched = 0 // the read may have moved what the buffer holds
		for !c.closed {
			s.prefetchAhead(c, c.lc.partial())
			args, protoErr := c.in.next(c.lc.partial())
			if protoErr != "" {
				// The stream cannot be framed any further: answer the
				// commands before the bad one, then the error, and close.
				c.conn.WriteError(protoErr)
				err = s.endPipeline(c)
				return
			}
			if args == nil {
				break
			}
			if err = s.handle(c, args); err != nil {
				return
			}
		}
		if c.closed {
			return
		}
		if err = s.endPipeline(c); err != nil {
			return
		}
		if readErr != nil {
			err = readErr
			return
		}
	}
}

// handle runs one command of a pipeline. Once the server is stopped, the
// rest of a pipeline is dropped unrun: its connection is closed already,
// so no reply could be read, and a stop must not wait for a long pipeline
// to drain. A client whose unsent replies go over the output buffer limits
// is closed at once, its replies unsent, as Redis frees it. A command that
// closes its connection after its reply (QUIT, CLIENT KILL of itself) ends
// the pipeline there.
func (s *Server) handle(c *client, args [][]byte) error {
	if s.stopped() {
		c.closed = true
		return nil
	}
	if c.tracking && !c.trkBusy {
		s.track.begin(c)
	}
	mark, sent := len(c.conn.b), c.conn.sent
	s.run(c, args)
	if c.blocked != nil {
		if err := s.waitBlocked(c); err != nil {
			c.closed = true
			return err
		}
	}
	// CLIENT REPLY OFF and SKIP: the command's reply is dropped. Pushes
	// and messages are not replies: they still go, and so do the
	// (un)subscribe confirmations, which Redis sends as pushes.
	if (c.replyOff || c.replySkip) && !isSubscribeFamily(args[0]) {
		if c.conn.sent != sent {
			// The replies before it went out while it ran (a blocking
			// command's wait, a pause, SUBSCRIBE, MONITOR): its own
			// replies start at the beginning of the buffer.
			mark = 0
		}
		c.conn.b = c.conn.b[:min(mark, len(c.conn.b))]
		if len(c.selfMsgs) > 0 && !c.inExec {
			c.conn.WriteRaw(c.selfMsgs)
			c.selfMsgs = c.selfMsgs[:0]
		}
	}
	c.replySkip = false
	if c.replySkipNext {
		c.replySkip, c.replySkipNext = true, false
	}
	if c.trkBusy {
		s.track.drain(c)
	}
	// CLIENT CACHING's flag lasts until a command other than CLIENT has
	// run (until EXEC when MULTI follows), as in Redis.
	if c.caching && !c.tx.on && !equalFold(args[0], "client") {
		c.caching = false
	}
	// A client with an outbox has the pub/sub limit instead, and its
	// writer goroutine alone touches the socket's output accounting.
	if c.sub == nil && c.lc.overOutputLimit(c.conn.pending()) {
		c.closed = true
		return errOutputLimit
	}
	if c.closeAfterReply {
		c.closed = true
		return s.endPipeline(c)
	}
	return nil
}

// endPipeline ends a pipeline: the wait that makes its writes durable or
// replicated (Replication.WriteDone) happens once, after its last command
// and before any of its replies is sent, as Redis writes its append-only
// file once per event-loop turn: a pipeline of N writes waits once, not N
// times. Then the replies go out in one write. An error means the
// connection must be closed, its replies unsent if WriteDone failed.
func (s *Server) endPipeline(c *client) error {
	s.noteErrors(c)
	c.tick = 0
	c.pubYielded = false
	if c.sub != nil {
		err := s.flushToOutbox(c)
		if c.trkBusy {
			s.track.end(c)
		}
		return err
	}
	// Let every other connection the last poll woke run its commands
	// first, as Redis answers its clients once per event-loop turn: the
	// first WriteDone after them then encodes and writes the whole turn's
	// operations to the log at once (the others find them written), and
	// the replies leave in a burst, so a client still reading the previous
	// reply is not woken again for each (waking a sleeping process on
	// another core is the dearest part of a write on loopback). With
	// nothing else to run this returns at once. bench/RESULTS.md,
	// "Seventeenth session": SET -P 16 +28 % with 2.3 -> 1.8 CPU s per
	// million; with appendfsync everysec +12 % with 4.3 -> 3.8. Not while
	// a snapshot is written: a yielded client could wait behind its
	// CPU-bound goroutine for a whole time slice (p99 +12 %, the maximum
	// about twice, during back-to-back BGSAVEs).
	if (c.unsynced || len(c.conn.b) > 0) && !s.eng.Snapshotting() {
		runtime.Gosched()
	}
	if c.unsynced {
		c.unsynced = false
		if err := s.replication().WriteDone(s.ctx); err != nil {
			// Not durable: the client must not see the replies. It sees
			// the connection fail instead of an acknowledgement. At a stop
			// that is what every client sees: nothing to warn about.
			if !s.stopped() {
				s.log.Warn("closing a client whose writes could not be made durable", "id", c.id, "err", err)
			}
			return errNotDurable
		}
	}
	if len(c.conn.b) == 0 {
		return nil
	}
	_, err := c.lc.Write(c.conn.b)
	c.conn.reset()
	return err
}

// errNotDurable ends a connection whose writes WriteDone refused.
var errNotDurable = errors.New("writes not durable")

// closeClient closes c's socket, which frees its slot among maxclients,
// and forgets the client. err is why its loop ended (nil: a command closed
// it, or the server stopped).
func (s *Server) closeClient(c *client, err error) {
	// Logged before the socket closes, so that a client seeing it close
	// finds the line in the log.
	switch {
	case errors.Is(err, errIdle):
		s.log.Debug("closing idle client", "id", c.id, "addr", c.addr)
	case errors.Is(err, errOutputLimit):
		s.log.Warn("client closed for overcoming of output buffer limits", "id", c.id, "addr", c.addr)
	}
	c.closed = true
	c.gone.Store(true)
	s.track.disable(c)
	s.endTx(c)
	s.unmonitor(c)
	s.stopPush(c)
	_ = c.lc.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Under s.mu, as totalCommands reads them: its commands move from the
	// client to the total in one step, never counted twice.
	s.closedCmds.Add(c.commands.Load())
	delete(s.clients, c.id)
	s.closeDrainedLocked()
}
