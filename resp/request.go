package resp

import (
	"bytes"
	"io"
	"strconv"

	"github.com/tidwall/redcon"
)

// readBufSize is a connection's read buffer: one read takes up to this
// much of a pipeline (Redis's PROTO_IOBUF_LEN). A command that does not
// fit makes the buffer grow; it shrinks back once emptied.
const readBufSize = 16 << 10

// growStep bounds how much a full read buffer grows by when no large
// argument is announced.
const growStep = 1 << 20

// argsKeepCap is the largest argument slice kept between reads.
const argsKeepCap = 1024

// requests is a connection's read side: a buffer that reads append to and
// commands are parsed from in place. The arguments next returns point into
// the buffer and are valid only until the next call to next or fill: a
// handler that keeps an argument beyond its command must copy it (the
// engine copies every key and value it stores). Only the connection
// goroutine uses it.
type requests struct {
	buf        []byte
	start, end int      // buf[start:end]: read and not parsed yet
	args       [][]byte // reused for every command's arguments
}

// fill reads once from r after what is buffered, first making room: the
// buffer is rewound when everything was parsed (and shrunk back to
// readBufSize if a large command grew it), compacted when a partial
// command sits at its end, and grown when that command fills it: to hold
// the want more bytes the argument being read announced when that is
// more than doubling gives, so a large value is copied once into a buffer
// its size (as Redis reads a big argument), and otherwise by up to a
// megabyte more (doubling while smaller), so the buffer never ends far
// larger than the command.
func (q *requests) fill(r io.Reader, want int) (int, error) {
	switch {
	case q.buf == nil:
		q.buf = make([]byte, readBufSize)
	case q.start == q.end:
		q.start, q.end = 0, 0
		if len(q.buf) > readBufSize {
			q.buf = make([]byte, readBufSize)
		}
		if cap(q.args) > argsKeepCap {
			q.args = nil
		}
	case q.end == len(q.buf):
		if q.start > 0 {
			q.end = copy(q.buf, q.buf[q.start:q.end])
			q.start = 0
		}
		if q.end == len(q.buf) {
			nb := make([]byte, q.end+max(want, min(len(q.buf), growStep)))
			copy(nb, q.buf[:q.end])
			q.buf = nb
		}
	}
	n, err := r.Read(q.buf[q.end:])
	q.end += n
	return n, err
}

// next parses the next complete command. It returns nil arguments when the
// buffer holds no complete command, and a protocol error reply (errors.go)
// when the input is malformed; the connection must then be closed, since
// the stream can no longer be framed. Multibulk requests are parsed by
// redcon.ReadNextCommand; inline ones by parseInline, which reads them as
// redcon's server did (ReadNextCommand would take a line that starts with
// '$' for Tile38's protocol). Empty inline lines are skipped. partial is
// how many bytes at the end of the buffer the input guard knows to be an
// unfinished command (limitConn.partial): they are not parsed again.
func (q *requests) next(partial int) (args [][]byte, protoErr string) {
	for q.end-q.start > partial {
		p := q.buf[q.start:q.end]
		if p[0] != '*' {
			args, n, perr := parseInline(p, q.args[:0])
			if perr != "" {
				return nil, perr
			}
			if n == 0 {
				return nil, "" // no complete line yet
			}
			q.args = args[:0]
			q.start += n
			if len(args) == 0 {
				continue
			}
			return args, ""
		}
		if n := emptyMultibulk(p); n > 0 {
			q.start += n // "*0" or a negative count: nothing to run
			continue
		}
		complete, args, _, left, err := redcon.ReadNextCommand(p, q.args[:0])
		if err != nil {
			return nil, errProtocol(err)
		}
		if !complete {
			return nil, ""
		}
		q.args = args[:0]
		q.start = q.end - len(left)
		if len(args) == 0 { // not reached: emptyMultibulk took it
			continue
		}
		return args, ""
	}
	return nil, ""
}

// complete returns what the buffer holds past the parsed commands, less the
// partial bytes at its end that the input guard knows to be an unfinished
// command (see next).
func (q *requests) complete(partial int) []byte {
	return q.buf[q.start:max(q.start, q.end-partial)]
}

// emptyMultibulk returns the length of the line at the head of p when it
// is a multibulk count of zero or less ("*0\r\n", "*-1\r\n"), which Redis
// skips without a reply, and 0 otherwise (another count, or a line not
// complete yet, which the parser handles). The count is read as Redis's
// string2ll reads it: an optional minus, no leading zeros, at most 20
// characters.
func emptyMultibulk(p []byte) int {
	end := bytes.IndexByte(p, '\n')
	if end < 3 || p[end-1] != '\r' {
		return 0
	}
	count := p[1 : end-1]
	switch {
	case len(count) == 1 && count[0] == '0':
		return end + 1
	case len(count) < 2 || len(count) > 20 || count[0] != '-' || count[1] < '1' || count[1] > '9':
		return 0
	}
	if _, err := strconv.ParseInt(string(count), 10, 64); err != nil {
		return 0
	}
	return end + 1
}
