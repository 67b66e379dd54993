package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/redcon"
)

// chunkConn is a client in memory that sends data in the chunk sizes a
// seed chooses, then EOF, and keeps what the server writes.
type chunkConn struct {
	data []byte
	rng  uint64
	max  int
	out  bytes.Buffer
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	// xorshift: chunks of 1 to max bytes.
	c.rng ^= c.rng << 13
	c.rng ^= c.rng >> 7
	c.rng ^= c.rng << 17
	n := min(1+int(c.rng%uint64(c.max)), len(c.data), len(p))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func (c *chunkConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *chunkConn) Close() error                     { return nil }
func (c *chunkConn) LocalAddr() net.Addr              { return benchAddr }
func (c *chunkConn) RemoteAddr() net.Addr             { return benchAddr }
func (c *chunkConn) SetDeadline(time.Time) error      { return nil }
func (c *chunkConn) SetReadDeadline(time.Time) error  { return nil }
func (c *chunkConn) SetWriteDeadline(time.Time) error { return nil }

// readOutcome is what a connection's read side made of a stream: the
// commands, in order, and how it ended: "" at the end of the input, else
// the error reply (of the parser or of the input guard).
type readOutcome struct {
	cmds [][]string
	end  string
}

// readAll runs data, cut into chunks of 1 to maxChunk bytes chosen by seed,
// through a connection's read side as the loop does (limitConn with its
// input guard, requests.fill, requests.next), with limits l.
func readAll(l *limits, data []byte, seed uint64, maxChunk int) readOutcome {
	cc := &chunkConn{data: data, rng: seed | 1, max: maxChunk}
	var read, open atomic.Int64
	lc := newLimitConn(cc, l, &read, &open)
	var q requests
	var out readOutcome
	for {
		_, err := q.fill(lc, lc.expecting())
		for {
			args, protoErr := q.next(lc.partial())
			if protoErr != "" {
				out.end = protoErr
				return out
			}
			if args == nil {
				break
			}
			cmd := make([]string, len(args))
			for i, a := range args {
				cmd[i] = string(a)
			}
			out.cmds = append(out.cmds, cmd)
		}
		if err != nil {
			if errors.Is(err, errLimit) {
				out.end = strings.TrimSuffix(strings.TrimPrefix(cc.out.String(), "-"), "\r\n")
				if out.end == "" {
					out.end = "(closed by a limit)"
				}
			}
			return out
		}
	}
}

// referenceParse parses data whole with redcon's own server reader, which
// the loop replaced: the commands before the first malformed read, and
// whether the stream ended cleanly.
func referenceParse(data []byte) (cmds [][]string, clean bool) {
	rd := redcon.NewReader(bytes.NewReader(data))
	for {
		cs, err := rd.ReadCommands()
		for _, c := range cs {
			cmd := make([]string, len(c.Args))
			for i, a := range c.Args {
				cmd[i] = string(a)
			}
			cmds = append(cmds, cmd)
		}
		if err != nil {
			return cmds, errors.Is(err, io.EOF)
		}
	}
}

// hasInline reports whether data holds an inline command, or anything
// that is not a sequence of well-framed multibulk requests.
func hasInline(data []byte) bool {
	line := func() (string, bool) {
		nl := bytes.IndexByte(data, '\n')
		if nl < 1 || data[nl-1] != '\r' {
			return "", false
		}
		l := string(data[:nl-1])
		data = data[nl+1:]
		return l, true
	}
	for len(data) > 0 {
		if data[0] != '*' {
			return true
		}
		l, ok := line()
		if !ok {
			return true
		}
		n, err := strconv.Atoi(l[1:])
		if err != nil {
			return true
		}
		for range n {
			if len(data) == 0 || data[0] != '$' {
				return true
			}
			l, ok := line()
			if !ok {
				return true
			}
			size, err := strconv.Atoi(l[1:])
			if err != nil || size < 0 || size+2 > len(data) {
				return true
			}
			data = data[size+2:]
		}
	}
	return false
}

// FuzzConnRead feeds arbitrary bytes, cut into arbitrary chunks, through a
// connection's read side (input guard, read buffer, parser). It must never
// panic or hang; it must parse the same commands, and end the same way,
// whatever the chunking; and, for multibulk requests, those commands must
// be what redcon's server reader (the parser before the loop was ours)
// reads from the same bytes:
// equal when neither refused anything, and one a prefix of the other when
// the guard or a protocol error stopped one of them.
func FuzzConnRead(f *testing.F) {
	for _, s := range []string{
		mb("SET", "k", "v") + mb("GET", "k"),
		mb("PING") + "PING\r\n" + mb("ECHO", strings.Repeat("x", 64)),
		"SET k \"a b\\n\\x\" 'c'\r\nGET k\n   \r\n",
		"SET \"a\r\n",
		"$3 GET\r\n",
		"\r\n\r\n*1\r\n$4\r\nPING\r\n",
		"*0\r\n", "*-1\r\n", "*1\r\n$-1\r\n", "*1\r\n$5\r\nhelloXY*1\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval",
		mb("ECHO", strings.Repeat("y", 40000)) + mb("PING"),
		"*1\r\n$0004\r\nPING\r\n",
	} {
		f.Add([]byte(s), uint64(1), uint8(7))
		f.Add([]byte(s), uint64(99), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, maxChunk uint8) {
		// A hang is a failure: the panic kills the worker, and the fuzzer
		// keeps the input.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("FuzzConnRead hangs on %q", data)) })
		defer watchdog.Stop()
		l := newLimits(64<<10, 256<<10)
		whole := readAll(l, data, seed, len(data)+1)
		chunked := readAll(l, data, seed, int(maxChunk)+1)
		if !equalOutcomes(whole, chunked) {
			t.Fatalf("chunking changes the outcome of %q:\nwhole   %q end %q\nchunked %q end %q",
				data, whole.cmds, whole.end, chunked.cmds, chunked.end)
		}
		// redcon's reader loops once per announced argument even when the
		// bytes are not there: skip counts the input cannot satisfy.
		for _, m := range countRE.FindAllSubmatch(data, -1) {
			if n, err := strconv.Atoi(string(m[1])); err != nil || n > len(data) {
				return
			}
		}
		// Redis skips "*0" and negative counts, which redcon's reader
		// refuses: no reference for inputs that have one. Inline commands
		// are split as Redis splits them, not as redcon did: the
		// reference holds for multibulk requests only.
		if emptyCountRE.Match(data) || hasInline(data) {
			return
		}
		ref, clean := referenceParse(data)
		n := min(len(ref), len(whole.cmds))
		for i := range n {
			if !equalCmd(ref[i], whole.cmds[i]) {
				t.Fatalf("command %d of %q: loop %q, redcon %q", i, data, whole.cmds[i], ref[i])
			}
		}
		switch {
		case clean && whole.end == "" && len(ref) != len(whole.cmds):
			t.Fatalf("%q: loop parsed %d commands, redcon %d", data, len(whole.cmds), len(ref))
		case !clean && whole.end == "":
			t.Fatalf("%q: redcon refused it, the loop did not (%q)", data, whole.cmds)
		case clean && whole.end != "" && len(whole.cmds) > len(ref):
			t.Fatalf("%q: loop parsed more than redcon", data)
		}
	})
}

func equalOutcomes(a, b readOutcome) bool {
	if a.end != b.end || len(a.cmds) != len(b.cmds) {
		return false
	}
	for i := range a.cmds {
		if !equalCmd(a.cmds[i], b.cmds[i]) {
			return false
		}
	}
	return true
}

func equalCmd(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
