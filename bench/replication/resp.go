package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// reply is one RESP2 reply. kind is the type byte: '+', '-', ':', '$', '*'.
type reply struct {
	kind  byte
	str   string // simple string, error text or bulk string
	num   int64  // integer
	null  bool   // null bulk string or null array
	elems []reply
}

// client is a minimal RESP2 client on one TCP connection. It is not safe for
// concurrent use.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	buf  []byte
}

func dial(addr string, timeout time.Duration) (*client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

func (c *client) close() { _ = c.conn.Close() }

// send buffers one command.
func (c *client) send(args ...string) error {
	c.buf = appendCommand(c.buf[:0], args...)
	_, err := c.w.Write(c.buf)
	return err
}

func (c *client) flush() error { return c.w.Flush() }

// do sends one command and returns its reply; an error reply becomes an error.
func (c *client) do(args ...string) (reply, error) {
	if err := c.send(args...); err != nil {
		return reply{}, err
	}
	if err := c.flush(); err != nil {
		return reply{}, err
	}
	rep, err := readReply(c.r)
	if err != nil {
		return reply{}, fmt.Errorf("%s: %w", args[0], err)
	}
	if rep.kind == '-' {
		return rep, fmt.Errorf("%s: server error: %s", args[0], rep.str)
	}
	return rep, nil
}

// doString runs a command whose reply is a simple, bulk or integer string.
func (c *client) doString(args ...string) (string, error) {
	rep, err := c.do(args...)
	if err != nil {
		return "", err
	}
	switch {
	case rep.kind == ':':
		return strconv.FormatInt(rep.num, 10), nil
	case rep.null:
		return "", fmt.Errorf("%s: nil reply", args[0])
	case rep.kind == '+' || rep.kind == '$':
		return rep.str, nil
	}
	return "", fmt.Errorf("%s: unexpected reply type %q", args[0], rep.kind)
}

// command runs one command on a fresh connection with a deadline.
func command(addr string, timeout time.Duration, args ...string) (string, error) {
	c, err := dial(addr, min(timeout, 2*time.Second))
	if err != nil {
		return "", err
	}
	defer c.close()
	if err := c.conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	return c.doString(args...)
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(buf []byte, args ...string) []byte {
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

// appendSet appends SET key value without going through strings.
func appendSet(buf, key, value []byte) []byte {
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

// readReply reads one RESP2 reply, arrays included.
func readReply(r *bufio.Reader) (reply, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return reply{}, fmt.Errorf("read reply: %w", err)
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return reply{}, fmt.Errorf("malformed reply line %q", line)
	}
	kind, body := line[0], string(line[1:len(line)-2])
	switch kind {
	case '+', '-':
		return reply{kind: kind, str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return reply{}, fmt.Errorf("bad integer reply %q", body)
		}
		return reply{kind: kind, num: n}, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return reply{}, fmt.Errorf("bad bulk length %q", body)
		}
		if n < 0 {
			return reply{kind: kind, null: true}, nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return reply{}, fmt.Errorf("read bulk: %w", err)
		}
		return reply{kind: kind, str: string(data[:n])}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return reply{}, fmt.Errorf("bad array length %q", body)
		}
		if n < 0 {
			return reply{kind: kind, null: true}, nil
		}
		rep := reply{kind: kind, elems: make([]reply, n)}
		for i := range rep.elems {
			if rep.elems[i], err = readReply(r); err != nil {
				return reply{}, err
			}
		}
		return rep, nil
	}
	return reply{}, fmt.Errorf("unknown reply type in %q", line)
}

// readOKs reads n replies and fails on the first that is not +OK.
func readOKs(r *bufio.Reader, n int) error {
	for i := range n {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reply %d of %d: %w", i+1, n, err)
		}
		if string(line) != "+OK\r\n" {
			return errors.New("reply to SET: " + strings.TrimSpace(string(line)))
		}
	}
	return nil
}

// parseInfo turns INFO output into a map of its key:value lines.
func parseInfo(info string) map[string]string {
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

// parseFields parses "a=1,b=2" as found in INFO values such as nadb_replica0.
func parseFields(v string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(part, "="); ok {
			m[k] = val
		}
	}
	return m
}

// fieldInt returns m[key] as an integer, or -1 when absent or malformed.
func fieldInt(m map[string]string, key string) int64 {
	n, err := strconv.ParseInt(m[key], 10, 64)
	if err != nil {
		return -1
	}
	return n
}
