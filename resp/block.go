package resp

import (
	"errors"
	"math"
	"os"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; BZPOPMIN,
// BZPOPMAX, BZMPOP). The handler runs inside the write gate: in one engine
// group it tries the command and, when nothing is ready, registers an
// engine.Waiter (see engine/block.go), then returns with c.blocked set.
// The connection loop (handle) then sends the replies of the pipeline so
// far and waits, outside the gate, for the first of: the waiter served
// (the pop was done by the write that made a key ready, in its group),
// the timeout, CLIENT UNBLOCK, the connection closing, the server
// stopping, and the engine becoming a secondary's. Inside MULTI a
// blocking command is its non-blocking form.

// blocking describes one blocking command for runBlocking.
type blocking struct {
	typ     engine.ValueType
	keys    []string
	timeout time.Duration // 0: forever
	// attempt runs the command at once, in the group; it returns the
	// reply to write, or nil when nothing is ready.
	attempt func(tx *engine.Engine) func(*client)
	// serve runs the command on key, which became ready, under the
	// engine lock on the goroutine of the write that readied it; it
	// returns the reply (it must not touch the client).
	serve func(tx *engine.Engine, key string) func(*client)
	// ready, when set, says whether key, holding a value of typ, ends
	// the wait (engine.Waiter.Ready).
	ready func(tx *engine.Engine, key string) bool
	// serveGone: serve also when key no longer holds a value of typ
	// (engine.Waiter.ServeGone).
	serveGone bool
	// empty writes the reply inside MULTI when nothing is ready.
	empty func(*client)
}

// blockWait is a client's wait, set by runBlocking for the loop.
type blockWait struct {
	w        *engine.Waiter
	deadline time.Time // zero: none
	reply    *func(*client)
}

// unblock reasons sent to a blocked client (CLIENT UNBLOCK).
const (
	unblockTimeout uint8 = iota + 1
	unblockError
)

// runBlocking tries b and, when nothing is ready and the client may
// block, registers its wait for the loop.
func (s *Server) runBlocking(c *client, b blocking) {
	var now, later func(*client)
	deny := c.inExec // inside EXEC
	w := &engine.Waiter{DB: c.DB(), Keys: b.keys, Type: b.typ, Ready: b.ready, ServeGone: b.serveGone}
	w.Serve = func(tx *engine.Engine, key string) { later = b.serve(tx, key) }
	c.eng.Group(func(tx *engine.Engine) {
		if now = b.attempt(tx); now == nil && !deny {
			tx.Block(w)
		}
	})
	switch {
	case now != nil:
		now(c)
	case deny:
		b.empty(c)
	default:
		bw := &blockWait{w: w, reply: &later}
		if b.timeout > 0 {
			bw.deadline = time.Now().Add(b.timeout)
		}
		c.blocked = bw
	}
}

// waitBlocked carries out the wait runBlocking registered. An error
// closes the connection (it went, or the server stops).
func (s *Server) waitBlocked(c *client) error {
	bw := c.blocked
	c.blocked = nil
	if err := s.endPipeline(c); err != nil {
		s.eng.Cancel(bw.w)
		return err
	}
	select { // a CLIENT UNBLOCK meant for an earlier wait
	case <-c.unblock:
	default:
	}
	c.isBlocked.Store(true)
	s.blockedClients.Add(1)
	defer func() {
		c.isBlocked.Store(false)
		s.blockedClients.Add(-1)
	}()
	watch := watchConn(c.lc)
	var timer <-chan time.Time
	if !bw.deadline.IsZero() {
		t := time.NewTimer(time.Until(bw.deadline))
		defer t.Stop()
		timer = t.C
	}
	var reason uint8
	var gone error
	select {
	case <-bw.w.Done():
	case <-timer:
		reason = unblockTimeout
	case reason = <-c.unblock:
	case <-watch.gone:
		gone = errClientGone
	case <-s.ctx.Done():
		gone = errClientGone
	}
	state := s.eng.Cancel(bw.w)
	watch.stop(c.lc)
	switch {
	case state == engine.Served && *bw.reply == nil:
		c.conn.WriteNullArray() // served with nothing to say: not reached
	case state == engine.Served:
		c.unsynced = true // its pop is in the group of the write that served it
		(*bw.reply)(c)
	case state == engine.Dropped:
		c.conn.WriteError(errUnblockedRole)
	case gone != nil:
		return gone
	case reason == unblockError:
		c.conn.WriteError(errUnblocked)
	default:
		c.conn.WriteNullArray()
	}
	return nil
}

// errClientGone ends the connection of a blocked client that went away
// or whose server stops.
var errClientGone = errors.New("blocked client gone")

// connWatch reads a blocked client's socket, to learn that it closed;
// what it reads is kept for the commands after the blocked one.
type connWatch struct {
	gone chan struct{} // closed when the connection ended
	done chan struct{} // closed when the reading goroutine returned
	buf  []byte
}

// watchConn starts reading a blocked client's socket. What it reads is
// bounded by client-query-buffer-limit, as any client's unread input is:
// a client that sends more while blocked is closed, as Redis closes one
// whose query buffer passes the limit.
func watchConn(lc *limitConn) *connWatch {
	w := &connWatch{gone: make(chan struct{}), done: make(chan struct{})}
	lc.untimed.Store(true) // no idle timeout while blocked, as in Redis
	lc.clearReadDeadline()
	limit := int(lc.limits.maxQuery.Load())
	go func() {
		defer close(w.done)
		p := make([]byte, 4096)
		for {
			n, err := lc.Conn.Read(p)
			w.buf = append(w.buf, p[:n]...)
			if err != nil {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					close(w.gone)
				}
				return
			}
			if len(w.buf) > limit {
				close(w.gone)
				return
			}
		}
	}()
	return w
}

// stop ends the watch and hands what it read to the connection.
func (w *connWatch) stop(lc *limitConn) {
	_ = lc.Conn.SetReadDeadline(time.Unix(1, 0))
	<-w.done
	lc.clearReadDeadline()
	lc.unread(w.buf)
}

// parseTimeout parses a blocking command's timeout in seconds (a
// double; 0: forever) as Redis does, answering its errors.
func parseTimeout(c *client, b []byte) (time.Duration, bool) {
	// strtold's syntax, as Redis reads it: hexadecimal ("0x1") too.
	f, ok := engine.ParseLongDouble(b)
	if !ok {
		c.conn.WriteError(errTimeoutFloat)
		return 0, false
	}
	if f == 0 && !engine.IsZero(b) && b[0] != '-' {
		// Below a double's range, not a long double's: a moment, not 0
		// (which blocks forever). A tiny negative one rounds up to 0.
		f = math.SmallestNonzeroFloat64
	}
	// Redis rounds up to the millisecond: 0.0001 s waits 1 ms.
	ms := math.Ceil(f * 1000)
	if ms == 1<<63 {
		// Just below 2^63 in Redis's long double, rounded up in a double.
		ms = math.Nextafter(ms, 0)
	}
	// Redis converts to a long long: out of range gives its minimum.
	if math.IsInf(ms, 0) || ms >= math.MaxInt64 || ms < math.MinInt64 || int64(ms) < 0 {
		c.conn.WriteError(errTimeoutNegative)
		return 0, false
	}
	return time.Duration(min(int64(ms), math.MaxInt64/int64(time.Millisecond))) * time.Millisecond, true
}
