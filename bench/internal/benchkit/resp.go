package benchkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reply is one RESP2 reply. Kind is the type byte: '+', '-', ':', '$', '*'.
type Reply struct {
	Kind  byte
	Str   string // simple string, error text or bulk string
	Num   int64  // integer
	Null  bool   // null bulk string or null array
	Elems []Reply
}

// Client is a minimal RESP2 client on one TCP connection. It is not safe for
// concurrent use.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	buf  []byte
}

// Dial connects to addr with TCP_NODELAY set.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &Client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

// Close closes the connection; it may be called more than once.
func (c *Client) Close() { _ = c.conn.Close() }

// Conn is the underlying connection, for raw pipelined writes.
func (c *Client) Conn() net.Conn { return c.conn }

// SetDeadline sets the connection's read and write deadline.
func (c *Client) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// Send buffers one command; Flush sends what is buffered.
func (c *Client) Send(args ...string) error {
	c.buf = AppendCommand(c.buf[:0], args...)
	_, err := c.w.Write(c.buf)
	return err
}

// Flush writes the buffered commands to the connection.
func (c *Client) Flush() error { return c.w.Flush() }

// Receive reads one reply, for commands pipelined with Send and Flush. An
// error reply is returned as a Reply, not as an error.
func (c *Client) Receive() (Reply, error) { return ReadReply(c.r) }

// Do sends one command and returns its reply; an error reply is returned
// together with an error.
func (c *Client) Do(args ...string) (Reply, error) {
	if err := c.Send(args...); err != nil {
		return Reply{}, err
	}
	if err := c.Flush(); err != nil {
		return Reply{}, err
	}
	rep, err := ReadReply(c.r)
	if err != nil {
		return Reply{}, fmt.Errorf("%s: %w", args[0], err)
	}
	if rep.Kind == '-' {
		return rep, fmt.Errorf("%s: server error: %s", args[0], rep.Str)
	}
	return rep, nil
}

// DoString runs a command whose reply is a simple string, a bulk string or
// an integer (returned in decimal). A nil reply is an error.
func (c *Client) DoString(args ...string) (string, error) {
	rep, err := c.Do(args...)
	if err != nil {
		return "", err
	}
	switch {
	case rep.Kind == ':':
		return strconv.FormatInt(rep.Num, 10), nil
	case rep.Null:
		return "", fmt.Errorf("%s: nil reply", args[0])
	case rep.Kind == '+' || rep.Kind == '$':
		return rep.Str, nil
	}
	return "", fmt.Errorf("%s: unexpected reply type %q", args[0], rep.Kind)
}

// Command runs one command on a fresh connection that must finish within
// timeout, and returns its reply as DoString does.
func Command(addr string, timeout time.Duration, args ...string) (string, error) {
	c, err := Dial(addr, min(timeout, 2*time.Second))
	if err != nil {
		return "", err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	return c.DoString(args...)
}

// AppendCommand appends args as a RESP array of bulk strings to buf.
func AppendCommand(buf []byte, args ...string) []byte {
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// AppendSet appends SET key value to buf without converting to strings.
func AppendSet(buf, key, value []byte) []byte {
	buf = append(buf, "*3\r\n$3\r\nSET\r\n$"...)
	buf = strconv.AppendInt(buf, int64(len(key)), 10)
	buf = append(buf, '\r', '\n')
	buf = append(buf, key...)
	buf = append(buf, "\r\n$"...)
	buf = strconv.AppendInt(buf, int64(len(value)), 10)
	buf = append(buf, '\r', '\n')
	buf = append(buf, value...)
	return append(buf, '\r', '\n')
}

// ReadReply reads one RESP2 reply, arrays included.
func ReadReply(r *bufio.Reader) (Reply, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return Reply{}, fmt.Errorf("read reply: %w", err)
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return Reply{}, fmt.Errorf("malformed reply line %q", line)
	}
	kind, body := line[0], string(line[1:len(line)-2])
	switch kind {
	case '+', '-':
		return Reply{Kind: kind, Str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return Reply{}, fmt.Errorf("bad integer reply %q", body)
		}
		return Reply{Kind: kind, Num: n}, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return Reply{}, fmt.Errorf("bad bulk length %q", body)
		}
		if n < 0 {
			return Reply{Kind: kind, Null: true}, nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return Reply{}, fmt.Errorf("read bulk: %w", err)
		}
		return Reply{Kind: kind, Str: string(data[:n])}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return Reply{}, fmt.Errorf("bad array length %q", body)
		}
		if n < 0 {
			return Reply{Kind: kind, Null: true}, nil
		}
		rep := Reply{Kind: kind, Elems: make([]Reply, n)}
		for i := range rep.Elems {
			if rep.Elems[i], err = ReadReply(r); err != nil {
				return Reply{}, err
			}
		}
		return rep, nil
	}
	return Reply{}, fmt.Errorf("unknown reply type in %q", line)
}

// ReadOKs reads n replies and fails on the first that is not +OK.
func ReadOKs(r *bufio.Reader, n int) error {
	for i := range n {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reply %d of %d: %w", i+1, n, err)
		}
		if string(line) != "+OK\r\n" {
			return errors.New("reply " + strconv.Itoa(i+1) + " to SET: " + strings.TrimSpace(string(line)))
		}
	}
	return nil
}

// LoadKeys pipelines n SETs of the distinct keys key:000000000, key:000000001,
// ... with distinct valueSize-byte values (the key, padded with 'x') over one
// connection; a second goroutine writes while this one checks that every
// reply is +OK. The whole load must finish within timeout; it stops early
// when ctx ends.
func LoadKeys(ctx context.Context, addr string, n, valueSize int, timeout time.Duration) error {
	c, err := Dial(addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, c.Close)
	defer stop()

	werr := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(c.conn, 256<<10)
		value := []byte(strings.Repeat("x", valueSize))
		var key, buf []byte
		for i := range n {
			key = fmt.Appendf(key[:0], "key:%09d", i)
			copy(value, key) // distinct values, no accidental sharing
			buf = AppendSet(buf[:0], key, value)
			if _, err := w.Write(buf); err != nil {
				werr <- fmt.Errorf("write SET %d: %w", i, err)
				return
			}
		}
		if err := w.Flush(); err != nil {
			werr <- fmt.Errorf("flush SETs: %w", err)
			return
		}
		werr <- nil
	}()
	if err := ReadOKs(c.r, n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return <-werr
}

// ParseInfo turns INFO output into a map of its key:value lines, skipping
// blank lines and "# Section" headers.
func ParseInfo(info string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// ParseFields parses "a=1,b=2" as found in INFO values such as
// nadb_replica0.
func ParseFields(v string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(part, "="); ok {
			m[k] = val
		}
	}
	return m
}

// FieldInt returns m[key] as an integer, or -1 when absent or malformed.
func FieldInt(m map[string]string, key string) int64 {
	n, err := strconv.ParseInt(m[key], 10, 64)
	if err != nil {
		return -1
	}
	return n
}
