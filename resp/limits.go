package resp

import (
	"errors"
	"net"
	"sync/atomic"
)

// errLimit is returned by a limitConn read after it has answered the client
// with a protocol error; redcon then closes the connection.
var errLimit = errors.New("client input limit exceeded")

const (
	inlineMax   = 64 << 10 // Redis's PROTO_INLINE_MAX_SIZE
	maxArgCount = 1<<31 - 1
)

// limits are the input bounds in force; changed at run time by CONFIG SET.
type limits struct {
	maxBulk  atomic.Int64 // proto-max-bulk-len
	maxQuery atomic.Int64 // client-query-buffer-limit
}

// Parser states of inputGuard.
const (
	stCommand     = iota // at the first byte of a command
	stInline             // inside an inline command, up to '\n'
	stCount              // inside "*<count>\r\n"
	stBulkStart          // expecting '$' of the next argument
	stBulkHeader         // inside "$<len>\r\n"
	stBulkBody           // skipping <len> bytes and "\r\n"
	stPassThrough        // malformed input: redcon reports and closes
)

// inputGuard follows the RESP request stream just far enough to see the
// announced sizes before redcon buffers the bytes, so one client cannot make
// the server allocate more than proto-max-bulk-len per argument or
// client-query-buffer-limit per command.
type inputGuard struct {
	state   int
	num     int64 // header number being read
	digits  int
	neg     bool
	args    int64 // arguments still expected
	body    int64 // body bytes (including CRLF) still expected
	pending int64 // bytes of the current command seen so far
}

// feed advances over p and returns the error reply to send, or "" when p is
// acceptable. closeOnly reports a limit that closes without a reply.
func (g *inputGuard) feed(p []byte, l *limits) (reply string, closeOnly bool) {
	maxBulk, maxQuery := l.maxBulk.Load(), l.maxQuery.Load()
	for i := 0; i < len(p); i++ {
		if g.state == stPassThrough {
			return "", false
		}
		c := p[i]
		g.pending++
		switch g.state {
		case stCommand:
			g.pending = 1
			switch c {
			case '*':
				g.state, g.num, g.digits, g.neg = stCount, 0, 0, false
			case '\n', '\r':
				// empty lines between commands are skipped by redcon too
			default:
				g.state = stInline
			}
		case stInline:
			if c == '\n' {
				g.state = stCommand
			} else if g.pending > inlineMax {
				return errProtoInline, false
			}
		case stCount, stBulkHeader:
			switch {
			case c == '\r':
			case c == '\n':
				if g.state == stCount {
					if g.neg || g.num > maxArgCount {
						return errProtoMultiBulk, false
					}
					if g.num <= 0 {
						g.state = stCommand
						continue
					}
					g.args, g.state = g.num, stBulkStart
					continue
				}
				if g.neg || g.num > maxBulk {
					return errProtoBulk, false
				}
				g.body, g.state = g.num+2, stBulkBody
			case c == '-' && g.digits == 0 && !g.neg:
				g.neg = true
			case c >= '0' && c <= '9':
				g.digits++
				if g.digits > 19 {
					if g.state == stCount {
						return errProtoMbulkCount, false
					}
					return errProtoBulk, false
				}
				g.num = g.num*10 + int64(c-'0')
			default:
				g.state = stPassThrough
			}
		case stBulkStart:
			if c != '$' {
				g.state = stPassThrough
				continue
			}
			g.state, g.num, g.digits, g.neg = stBulkHeader, 0, 0, false
		case stBulkBody:
			// Skip the rest of the body at once.
			n := min(g.body, int64(len(p)-i))
			g.body -= n
			g.pending += n - 1
			i += int(n) - 1
			if g.body == 0 {
				g.args--
				if g.args == 0 {
					g.state = stCommand
				} else {
					g.state = stBulkStart
				}
			}
		}
		if g.pending > maxQuery {
			return "", true
		}
	}
	return "", false
}

// limitConn is a client connection whose reads pass through an inputGuard
// and are counted.
type limitConn struct {
	net.Conn
	limits *limits
	guard  inputGuard
	read   *atomic.Int64 // total bytes read by all clients
	failed bool
}

func (c *limitConn) Read(p []byte) (int, error) {
	if c.failed {
		return 0, errLimit
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.read.Add(int64(n))
		if reply, closeOnly := c.guard.feed(p[:n], c.limits); reply != "" || closeOnly {
			c.failed = true
			if reply != "" {
				// redcon writes only from this goroutine and has flushed
				// before reading, so the socket is ours for this write.
				_, _ = c.Conn.Write([]byte("-" + reply + "\r\n"))
			}
			return 0, errLimit
		}
	}
	return n, err
}
