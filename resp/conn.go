package resp

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// errIdle is returned by a limitConn read when the client stayed idle for
// longer than timeout; the connection loop then closes the connection.
var errIdle = errors.New("idle client timed out")

// errOutputLimit is returned by a limitConn write that gave up because the
// client does not read its replies (client-output-buffer-limit).
var errOutputLimit = errors.New("client output buffer limit reached")

// limitConn is a client connection: its reads pass through an inputGuard,
// are counted and time out after timeout of idleness; its writes (the
// connection loop's one write of a pipeline's replies) give up when the
// client does not read them within the output buffer limits. It also
// carries whether the client has authenticated, which the guard needs
// before the parser sees a command.
type limitConn struct {
	net.Conn
	limits *limits
	guard  inputGuard
	read   *atomic.Int64 // total bytes read by all clients
	wrote  *atomic.Int64 // total bytes written to all clients (nil: not counted)
	open   *atomic.Int64 // connections open on the server; one less at Close
	failed bool          // input was refused; the next Read fails
	reply  string        // the refusal's error reply ("" closes silently)
	// held are bytes read but not yet handed to the parser: what followed
	// a command that an earlier command of the same chunk (AUTH) may allow.
	held []byte

	authed atomic.Bool // the client has authenticated (or needs not)

	// Output accounting; the connection goroutine only.
	softSince time.Time // when unsent replies went above the soft limit; zero: not above
	writeDL   time.Time // the write deadline set on the socket

	mu       sync.Mutex // serialises read deadlines with SetTimeout
	readFrom time.Time  // when the current (or last) read began
	readDL   bool       // a read deadline is set on the socket
	// untimed: the idle timeout does not apply, as Redis spares blocked,
	// pub/sub and monitoring clients; set by the connection loop before
	// each read and by a blocked client's watch (a deadline set under the
	// watch's read would end the watch, and nothing would notice the
	// client leave).
	untimed atomic.Bool
	closed  atomic.Bool
}

func newLimitConn(nc net.Conn, l *limits, read, open *atomic.Int64) *limitConn {
	c := &limitConn{Conn: nc, limits: l, read: read, open: open}
	c.authed.Store(l.pass.Load() == nil)
	return c
}

// authRequired reports whether the client must authenticate before it may
// run commands: a password is set and the client has not given it.
func (c *limitConn) authRequired() bool {
	return c.limits.pass.Load() != nil && !c.authed.Load()
}

// Close closes the socket once and frees its slot among maxclients.
func (c *limitConn) Close() error {
	if c.closed.CompareAndSwap(false, true) && c.open != nil {
		c.open.Add(-1)
	}
	return c.Conn.Close()
}

// armRead sets the read deadline for a read starting now.
func (c *limitConn) armRead() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.readFrom = time.Now()
	c.setReadDeadlineLocked()
}

// rearm applies a changed timeout to a read in progress.
func (c *limitConn) rearm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setReadDeadlineLocked()
}

func (c *limitConn) setReadDeadlineLocked() {
	var dl time.Time
	if d := time.Duration(c.limits.timeout.Load()); d > 0 && !c.untimed.Load() {
		dl = c.readFrom.Add(d)
	}
	if dl.IsZero() && !c.readDL {
		return // none set, none wanted: spare the runtime's timer
	}
	c.readDL = !dl.IsZero()
	_ = c.Conn.SetReadDeadline(dl)
}

func (c *limitConn) Read(p []byte) (int, error) {
	if c.failed {
		// The commands before the refused one have run and the loop has
		// sent their replies: now answer the refusal and close.
		if c.reply != "" {
			_, _ = c.Conn.Write([]byte("-" + c.reply + "\r\n"))
		}
		return 0, errLimit
	}
	var n int
	var err error
	if len(c.held) > 0 {
		n = copy(p, c.held)
		c.held = c.held[n:]
	} else {
		c.armRead()
		n, err = c.Conn.Read(p)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return n, errIdle
		}
		c.read.Add(int64(n))
	}
	if n > 0 {
		reply, closeOnly := c.guard.feed(p[:n], c.limits, c.authRequired())
		if reply != "" || closeOnly {
			safe := c.guard.safe
			if c.guard.unauthCap && safe > 0 {
				// A command before the refused one may authenticate: run
				// those first and look again at what follows.
				c.held = append(append([]byte(nil), p[safe:n]...), c.held...)
				c.guard = inputGuard{}
				return safe, nil
			}
			c.failed, c.reply = true, reply
			if safe > 0 {
				return safe, nil // the complete commands before it still run
			}
			return c.Read(p)
		}
	}
	return n, err
}

// partial returns how many bytes at the end of what Read has returned
// are the start of a command that is not complete yet, as the input guard
// frames the stream (0 when it stands between commands, or when Read
// holds bytes back). The parser need not look at them again until more
// arrive: parsing a command that comes in many reads from its first byte
// on each read cost the square of its size.
func (c *limitConn) partial() int {
	if c.failed || len(c.held) > 0 || c.guard.state == stCommand {
		return 0
	}
	return int(c.guard.pending)
}

// expecting returns how many more bytes the argument being read announced
// (its body and CRLF; 0 between arguments or when Read holds bytes back),
// so that the read buffer grows once to fit a large argument rather than
// doubling up to it.
func (c *limitConn) expecting() int {
	if c.failed || len(c.held) > 0 || c.guard.state != stBulkBody {
		return 0
	}
	return int(c.guard.body)
}

// clearReadDeadline removes the socket's read deadline (a blocked
// client has no idle timeout); the next Read arms it again.
func (c *limitConn) clearReadDeadline() {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.Conn.SetReadDeadline(time.Time{})
	c.readDL = false
}

// unread keeps bytes read from the socket beside Read (a blocked
// client's watch) for the next Reads, which pass them to the guard.
func (c *limitConn) unread(p []byte) {
	if len(p) == 0 {
		return
	}
	c.read.Add(int64(len(p)))
	c.held = append(c.held, p...)
}

// Write writes a pipeline's replies (the loop sends them in one call). A
// client that reads nothing for timeout, or that keeps more than the soft
// output limit unread for the soft limit's seconds, is given up on.
func (c *limitConn) Write(p []byte) (total int, err error) {
	if c.wrote != nil {
		defer func() { c.wrote.Add(int64(total)) }()
	}
	for len(p) > 0 {
		if dl := c.writeDeadline(int64(len(p))); !dl.Equal(c.writeDL) {
			c.writeDL = dl
			_ = c.Conn.SetWriteDeadline(dl)
		}
		n, err := c.Conn.Write(p)
		total += n
		p = p[n:]
		if err == nil {
			continue
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return total, err
		}
		if c.softExpired(int64(len(p)), time.Now()) {
			return total, errOutputLimit
		}
		if n == 0 {
			return total, errIdle // nothing read for timeout
		}
	}
	c.softSince = time.Time{}
	return total, nil
}

// writeDeadline is the deadline of a write of pending bytes starting now:
// timeout after now, or the soft limit's end, whichever comes first; zero
// (none) without either.
func (c *limitConn) writeDeadline(pending int64) time.Time {
	var dl time.Time
	d := time.Duration(c.limits.timeout.Load())
	ol := c.limits.out.load()
	soft := ol.Soft > 0 && pending > ol.Soft
	if d <= 0 && !soft {
		c.softSince = time.Time{}
		return dl
	}
	now := time.Now()
	if d > 0 {
		dl = now.Add(d)
	}
	if soft {
		if c.softSince.IsZero() {
			c.softSince = now
		}
		// Redis closes once more than SoftSeconds have passed.
		end := c.softSince.Add(time.Duration(ol.SoftSeconds)*time.Second + time.Millisecond)
		if dl.IsZero() || end.Before(dl) {
			dl = end
		}
	} else {
		c.softSince = time.Time{}
	}
	return dl
}

// softExpired reports whether pending bytes have stayed above the soft
// limit for longer than its seconds, starting the clock when they first go
// above it and stopping it when they fall back.
func (c *limitConn) softExpired(pending int64, now time.Time) bool {
	ol := c.limits.out.load()
	if ol.Soft <= 0 || pending <= ol.Soft {
		c.softSince = time.Time{}
		return false
	}
	if c.softSince.IsZero() {
		c.softSince = now
		return false
	}
	return now.Sub(c.softSince) > time.Duration(ol.SoftSeconds)*time.Second
}

// overOutputLimit reports whether pending reply bytes, buffered and not
// yet sent, put the client over the hard limit, or over the soft limit
// for too long.
func (c *limitConn) overOutputLimit(pending int64) bool {
	ol := c.limits.out.load()
	if ol.Hard > 0 && pending > ol.Hard {
		return true
	}
	if ol.Soft <= 0 || pending <= ol.Soft {
		c.softSince = time.Time{}
		return false
	}
	return c.softExpired(pending, time.Now())
}
