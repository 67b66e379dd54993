package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBadCommands(t *testing.T) {
	t.Parallel()
	scriptTest(t, map[string][]step{
		"unknown and arity": {
			{cmd: []any{"FOOBAR", "a", "b"}, err: "ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' "},
			{cmd: []any{"FOOBAR"}, err: "ERR unknown command 'FOOBAR', with args beginning with: "},
			{cmd: []any{"foobar", "x"}, err: "ERR unknown command 'foobar', with args beginning with: 'x' "},
			{cmd: []any{"GET"}, err: wrongArgs("get")},
			{cmd: []any{"get", "a", "b"}, err: wrongArgs("get")},
			{cmd: []any{"SET", "a"}, err: wrongArgs("set")},
			{cmd: []any{"PING"}, want: "PONG"},
		},
	})
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()

	for _, tc := range []struct {
		name  string
		input string
		want  string
	}{
		{"bulk length not a number", "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length"},
		{"multibulk length garbage", "*-5x\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"multibulk length not a number", "*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"bulk above proto-max-bulk-len", "*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length"},
		{"unbalanced quotes inline", "SET \"a\r\n", "-ERR Protocol error: unbalanced quotes in request"},
		{"a byte above 0x7f where '$' belongs", "*1\r\n\xff\r\n", "-ERR Protocol error: expected '$', got '\xff'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bystander := dialRaw(t, s.Addr())
			bystander.send("*1\r\n$4\r\nPING\r\n")
			require.Equal(t, "+PONG", bystander.readLine())

			r := dialRaw(t, s.Addr())
			r.send("*1\r\n$4\r\nPING\r\n")
			require.Equal(t, "+PONG", r.readLine())
			r.send(tc.input)
			require.Equal(t, tc.want, r.readLine())
			r.requireEOF(5 * time.Second)

			bystander.send("*2\r\n$4\r\nECHO\r\n$5\r\nstill\r\n")
			require.Equal(t, "$5", bystander.readLine())
			require.Equal(t, "still", bystander.readLine())
			require.NoError(t, c.Set(ctx, "alive", "yes", 0).Err())
		})
	}

	t.Run("inline commands", func(t *testing.T) {
		r := dialRaw(t, s.Addr())
		r.send("SET inline \"hello world\"\r\nGET inline\r\nPING\n")
		require.Equal(t, "+OK", r.readLine())
		require.Equal(t, "$11", r.readLine())
		require.Equal(t, "hello world", r.readLine())
		require.Equal(t, "+PONG", r.readLine())
		// As many spaces and arguments as fit in an inline line.
		r.send("ECHO" + strings.Repeat(" ", 1025) + "x\r\nDEL" + strings.Repeat(" k", 2000) + "\r\n")
		require.Equal(t, "$1", r.readLine())
		require.Equal(t, "x", r.readLine())
		require.Equal(t, ":0", r.readLine())
	})

	t.Run("pipelined and split writes", func(t *testing.T) {
		r := dialRaw(t, s.Addr())
		msg := "*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$3\r\nabc\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n"
		for i := 0; i < len(msg); i += 7 {
			r.send(msg[i:min(i+7, len(msg))])
		}
		require.Equal(t, "+OK", r.readLine())
		require.Equal(t, "$3", r.readLine())
		require.Equal(t, "abc", r.readLine())
	})
}
