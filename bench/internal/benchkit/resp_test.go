package benchkit

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadReply(t *testing.T) {
	r := bufio.NewReader(strings.NewReader("+OK\r\n$-1\r\n$3\r\nabc\r\n:42\r\n*2\r\n$1\r\na\r\n:1\r\n-ERR x\r\nbad\n"))
	for _, want := range []Reply{
		{Kind: '+', Str: "OK"}, {Kind: '$', Null: true}, {Kind: '$', Str: "abc"}, {Kind: ':', Num: 42},
	} {
		got, err := ReadReply(r)
		if err != nil || got.Kind != want.Kind || got.Str != want.Str || got.Null != want.Null || got.Num != want.Num {
			t.Fatalf("got %+v, %v; want %+v", got, err, want)
		}
	}
	if arr, err := ReadReply(r); err != nil || len(arr.Elems) != 2 || arr.Elems[0].Str != "a" || arr.Elems[1].Num != 1 {
		t.Fatalf("array: %+v, %v", arr, err)
	}
	if e, err := ReadReply(r); err != nil || e.Kind != '-' || e.Str != "ERR x" {
		t.Fatalf("error reply: %+v, %v", e, err)
	}
	if _, err := ReadReply(r); err == nil {
		t.Fatal("no error for a malformed line")
	}
}

func TestAppendCommand(t *testing.T) {
	if got := string(AppendCommand(nil, "SET", "k", "")); got != "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
	if got, want := string(AppendSet([]byte("x"), []byte("key"), []byte("value"))), "x"+string(AppendCommand(nil, "SET", "key", "value")); got != want {
		t.Fatalf("AppendSet %q, want %q", got, want)
	}
}

func TestReadOKs(t *testing.T) {
	if err := ReadOKs(bufio.NewReader(strings.NewReader("+OK\r\n+OK\r\n")), 2); err != nil {
		t.Fatal(err)
	}
	err := ReadOKs(bufio.NewReader(strings.NewReader("+OK\r\n-ERR oom\r\n")), 2)
	if err == nil || err.Error() != "reply 2 to SET: -ERR oom" {
		t.Fatalf("got %v", err)
	}
	if err := ReadOKs(bufio.NewReader(strings.NewReader("+OK\r\n")), 2); err == nil {
		t.Fatal("no error for a missing reply")
	}
}

func TestParseInfo(t *testing.T) {
	m := ParseInfo("# Replication\r\nrole:master\r\n\r\nnadb_replica0:id=1,addr=127.0.0.1:5,acked_seq=7,lag_ops=2,lag_ms=3\r\n")
	f := ParseFields(m["nadb_replica0"])
	if len(m) != 2 || m["role"] != "master" || FieldInt(f, "lag_ops") != 2 || FieldInt(f, "lag_ms") != 3 || f["addr"] != "127.0.0.1:5" {
		t.Fatalf("got %v / %v", m, f)
	}
	if FieldInt(f, "absent") != -1 || FieldInt(map[string]string{"x": "y"}, "x") != -1 {
		t.Fatal("FieldInt of an absent or malformed field is not -1")
	}
}

// fakeServer is a tiny RESP server on a free loopback port: it answers
// PING with +PONG, DBSIZE with the number of SETs seen, SET with +OK and
// anything else with an error.
type fakeServer struct {
	ln   net.Listener
	sets atomic.Int64
}

func startFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *fakeServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	for {
		cmd, err := ReadReply(r)
		if err != nil || len(cmd.Elems) == 0 {
			return
		}
		switch strings.ToUpper(cmd.Elems[0].Str) {
		case "PING":
			w.WriteString("+PONG\r\n")
		case "SET":
			s.sets.Add(1)
			w.WriteString("+OK\r\n")
		case "DBSIZE":
			w.WriteString(":" + strconv.FormatInt(s.sets.Load(), 10) + "\r\n")
		default:
			w.WriteString("-ERR unknown command\r\n")
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func TestClientAndCommand(t *testing.T) {
	s := startFakeServer(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port()))
	if got, err := Command(addr, time.Second, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING: %q, %v", got, err)
	}
	c, err := Dial(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := c.DoString("SET", "k", "v"); err != nil || got != "OK" {
		t.Fatalf("SET: %q, %v", got, err)
	}
	if got, err := c.DoString("DBSIZE"); err != nil || got != "1" {
		t.Fatalf("DBSIZE: %q, %v", got, err)
	}
	if rep, err := c.Do("NOPE"); err == nil || rep.Kind != '-' {
		t.Fatalf("unknown command: %+v, %v", rep, err)
	}
}

func TestLoadKeys(t *testing.T) {
	s := startFakeServer(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port()))
	if err := LoadKeys(context.Background(), addr, 5000, 100, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := s.sets.Load(); n != 5000 {
		t.Fatalf("server saw %d SETs, want 5000", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := LoadKeys(ctx, addr, 1000000, 100, 10*time.Second); err == nil {
		t.Fatal("no error for a cancelled load")
	}
}
