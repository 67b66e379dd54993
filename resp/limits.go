package resp

import (
	"errors"
	"math"
	"sync/atomic"
)

// errLimit is returned by a limitConn read after it has answered the client
// with a protocol error; the connection loop then closes the connection.
var errLimit = errors.New("client input limit exceeded")

const (
	inlineMax = 64 << 10 // Redis's PROTO_INLINE_MAX_SIZE
	// maxArgCount bounds a multibulk count. Redis allows up to INT_MAX;
	// the parser (redcon.ReadNextCommand) sizes its argument slice by the
	// announced count, and walks the command once more for every read
	// that ends inside its last bytes (limitConn.partial spares it the
	// others).
	maxArgCount = 1 << 20
	// unauthMaxArgs and unauthMaxBulk cap what a client that must still
	// authenticate may send, as Redis does (networking.c): more arguments
	// or a longer argument closes the connection.
	unauthMaxArgs = 10
	unauthMaxBulk = 16384
)

// limits are the bounds in force for every connection; changed at run time
// by CONFIG SET.
type limits struct {
	maxBulk  atomic.Int64 // proto-max-bulk-len
	maxQuery atomic.Int64 // client-query-buffer-limit
	timeout  atomic.Int64 // timeout, in nanoseconds; 0: never
	out      outputLimits // client-output-buffer-limit normal
	pubsub   outputLimits // client-output-buffer-limit pubsub
	pass     atomic.Pointer[[32]byte]
}

// Parser states of inputGuard.
const (
	stCommand    = iota // at the first byte of a command
	stInline            // inside an inline command, up to '\n'
	stCount             // inside "*<count>\r\n"
	stBulkStart         // expecting '$' of the next argument
	stBulkHeader        // inside "$<len>\r\n"
	stBulkBody          // skipping <len> bytes and "\r\n"
)

// inputGuard follows the RESP request stream just far enough to see the
// announced sizes before the read buffer takes the bytes, so one client
// cannot make the server allocate more than proto-max-bulk-len per argument
// or client-query-buffer-limit per command. It frames commands exactly as
// the parser (requests.next) does and refuses, with Redis's error text,
// every header the parser would read differently from Redis (a '+' sign,
// leading zeros, overflow).
type inputGuard struct {
	state   int
	num     int64 // header number being read
	digits  int
	neg     bool
	cr      bool  // the header's '\r' was seen
	args    int64 // arguments still expected
	body    int64 // body bytes (including CRLF) still expected
	pending int64 // bytes of the current command seen so far
	// safe is set when feed refuses: how many bytes of the chunk precede
	// the refused command and may still be executed.
	safe int
	// unauthCap is set when feed refused a header only because the client
	// had not authenticated: a command before it in the same chunk (AUTH)
	// may change that.
	unauthCap bool
}

// feed advances over p and returns the error reply to send, or "" when p is
// acceptable. closeOnly reports a limit that closes without a reply. unauth
// applies the caps of a client that has not authenticated.
func (g *inputGuard) feed(p []byte, l *limits, unauth bool) (reply string, closeOnly bool) {
	maxBulk, maxQuery := l.maxBulk.Load(), l.maxQuery.Load()
	start := 0 // index in p where the current command began
	g.unauthCap = false
	refuse := func(r string) (string, bool) {
		g.safe = start
		return r, r == ""
	}
	refuseUnauth := func(r string) (string, bool) {
		g.unauthCap = true
		return refuse(r)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if g.state == stCommand && c == '*' {
			// Most commands arrive whole and plain: checked in one pass.
			if n := plainCommand(p[i:], maxBulk, maxQuery, unauth); n > 0 {
				i += n - 1
				continue
			}
		}
		g.pending++
		switch g.state {
		case stCommand:
			start, g.pending = i, 1
			switch c {
			case '*':
				g.state = stCount
				g.num, g.digits, g.neg, g.cr = 0, 0, false, false
			case '\n':
				// an empty line: the parser skips it
			default:
				g.state = stInline
			}
		case stInline:
			switch {
			case c == '\n':
				g.state = stCommand
			case g.pending > inlineMax:
				return refuse(errProtoInline)
			}
		case stCount, stBulkHeader:
			bad := errProtoBulk
			if g.state == stCount {
				bad = errProtoMultiBulk
			}
			switch {
			case g.cr:
				if c != '\n' {
					return refuse(bad)
				}
				if g.state == stCount {
					switch {
					case g.neg && g.num == 0: // "-0", as Redis's string2ll
						return refuse(bad)
					case g.neg || g.num == 0:
						g.state = stCommand // skipped, as Redis does
					case g.num > maxArgCount:
						return refuse(bad)
					case unauth && g.num > unauthMaxArgs:
						return refuseUnauth(errProtoUnauthMultiBulk)
					default:
						g.args, g.state = g.num, stBulkStart
					}
					continue
				}
				if g.neg || g.num > maxBulk {
					return refuse(bad)
				}
				if unauth && g.num > unauthMaxBulk {
					return refuseUnauth(errProtoUnauthBulk)
				}
				g.body, g.state = g.num+2, stBulkBody
			case c == '\r':
				if g.digits == 0 {
					return refuse(bad)
				}
				g.cr = true
			case c == '-' && g.digits == 0 && !g.neg:
				g.neg = true
			case c >= '0' && c <= '9':
				d := int64(c - '0')
				if (g.digits > 0 && g.num == 0) || g.num > (math.MaxInt64-d)/10 {
					return refuse(bad) // leading zero or overflow
				}
				g.num = g.num*10 + d
				g.digits++
			default:
				return refuse(bad)
			}
		case stBulkStart:
			if c != '$' {
				return refuse(errProtoExpectedBulk(c))
			}
			g.state = stBulkHeader
			g.num, g.digits, g.neg, g.cr = 0, 0, false, false
		case stBulkBody:
			if g.body > 2 {
				// Skip the rest of the body at once, up to its CRLF.
				n := min(g.body-2, int64(len(p)-i))
				g.body -= n
				g.pending += n - 1
				i += int(n) - 1
				break
			}
			// The body must end in CRLF, which the parser checks too:
			// refused here, its error is the same however the bytes
			// arrive (the parser sees a body only once it is whole).
			if (g.body == 2 && c != '\r') || (g.body == 1 && c != '\n') {
				return refuse(errProtoBulk)
			}
			if g.body--; g.body == 0 {
				g.args--
				if g.args == 0 {
					g.state = stCommand
				} else {
					g.state = stBulkStart
				}
			}
		}
		if g.pending > maxQuery {
			return refuse("")
		}
	}
	return "", false
}

// plainCommand returns the length of the multibulk command at the start of
// p when all of it is in p and the byte-by-byte walk of feed would accept
// it: a count from 1 to maxArgCount, every argument a "$<len>\r\n" header
// and its body and CRLF, numbers without sign or leading zero, and nothing
// over a limit. Otherwise it returns 0 and feed walks the bytes, which
// finds the same commands acceptable and gives the errors. It is feed's
// fast path: a SET at -P 16 spent 3 % of the server's time in that walk.
func plainCommand(p []byte, maxBulk, maxQuery int64, unauth bool) int {
	count, i := plainNumber(p, 1)
	if count <= 0 || count > maxArgCount || (unauth && count > unauthMaxArgs) {
		return 0
	}
	for range count {
		if i >= len(p) || p[i] != '$' {
			return 0
		}
		var n int64
		if n, i = plainNumber(p, i+1); n < 0 || n > maxBulk || (unauth && n > unauthMaxBulk) {
			return 0
		}
		end := int64(i) + n
		if end+2 > int64(len(p)) || p[end] != '\r' || p[end+1] != '\n' {
			return 0
		}
		i = int(end) + 2
	}
	if int64(i) > maxQuery {
		return 0
	}
	return i
}

// plainNumber reads the decimal number at p[i:] that ends in "\r\n": at
// most 18 digits, no sign, no leading zero. It returns the number and the
// index after the CRLF, or -1 when there is no such number.
func plainNumber(p []byte, i int) (int64, int) {
	var n int64
	start := i
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		if i-start == 18 || (i > start && n == 0) {
			return -1, i // too long for this path, or a leading zero
		}
		n = n*10 + int64(p[i]-'0')
	}
	if i == start || i+1 >= len(p) || p[i] != '\r' || p[i+1] != '\n' {
		return -1, i
	}
	return n, i + 2
}
