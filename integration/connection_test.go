package integration

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestConnection(t *testing.T) {
	t.Parallel()
	scriptTest(t, map[string][]step{
		"PING": {
			{cmd: []any{"PING"}, want: "PONG"},
			{cmd: []any{"ping"}, want: "PONG"},
			{cmd: []any{"PING", "hello world"}, want: "hello world"},
			{cmd: []any{"PING", "a", "b"}, err: wrongArgs("ping")},
		},
		"ECHO": {
			{cmd: []any{"ECHO", "hello"}, want: "hello"},
			{cmd: []any{"ECHO", ""}, want: ""},
			{cmd: []any{"ECHO", "a\r\nb\x00"}, want: "a\r\nb\x00"},
			{cmd: []any{"ECHO"}, err: wrongArgs("echo")},
			{cmd: []any{"ECHO", "a", "b"}, err: wrongArgs("echo")},
		},
		"SELECT": {
			{cmd: []any{"SET", "k", "db0"}, want: "OK"},
			{cmd: []any{"SELECT", 1}, want: "OK"},
			{cmd: []any{"GET", "k"}, want: nilReply{}},
			{cmd: []any{"SET", "k", "db1"}, want: "OK"},
			{cmd: []any{"SELECT", 15}, want: "OK"},
			{cmd: []any{"DBSIZE"}, want: 0},
			{cmd: []any{"SELECT", 0}, want: "OK"},
			{cmd: []any{"GET", "k"}, want: "db0"},
			{cmd: []any{"SELECT", 16}, err: errDBRange},
			{cmd: []any{"SELECT", -1}, err: errDBRange},
			{cmd: []any{"SELECT", "abc"}, err: errNotInt},
			{cmd: []any{"SELECT", "1.5"}, err: errNotInt},
			{cmd: []any{"SELECT"}, err: wrongArgs("select")},
			{cmd: []any{"GET", "k"}, want: "db0"},
		},
		"HELLO errors": {
			{cmd: []any{"HELLO", 4}, err: "NOPROTO unsupported protocol version"},
			{cmd: []any{"HELLO", 1}, err: "NOPROTO unsupported protocol version"},
			{cmd: []any{"HELLO", "abc"}, err: "ERR Protocol version is not an integer or out of range"},
			{cmd: []any{"PING"}, want: "PONG"},
		},
	})
}

// pairs turns a RESP3 map or a RESP2 flat array of pairs into a Go map.
func pairs(t *testing.T, reply any) map[string]any {
	t.Helper()
	out := map[string]any{}
	switch v := reply.(type) {
	case map[any]any:
		for k, e := range v {
			ks, ok := k.(string)
			require.True(t, ok, "map key %#v is not a string", k)
			out[ks] = e
		}
	case []any:
		require.Zero(t, len(v)%2, "flat array of pairs has odd length %d: %#v", len(v), v)
		for i := 0; i < len(v); i += 2 {
			ks, ok := v[i].(string)
			require.True(t, ok, "key %#v at %d is not a string", v[i], i)
			out[ks] = v[i+1]
		}
	default:
		require.Failf(t, "not a map", "reply %#v is neither a map nor an array", reply)
	}
	return out
}

func TestHello(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()

	t.Run("HELLO 2", func(t *testing.T) {
		c := s.Conn(t)
		id, err := c.ClientID(ctx).Result()
		require.NoError(t, err)
		reply, err := c.Do(ctx, "HELLO", 2).Result()
		require.NoError(t, err)
		flat, ok := reply.([]any)
		require.True(t, ok, "HELLO 2 must answer a flat array, got %#v", reply)
		require.Len(t, flat, 14, "%#v", flat)
		var keys []string
		for i := 0; i < len(flat); i += 2 {
			keys = append(keys, flat[i].(string))
		}
		require.Equal(t, []string{"server", "version", "proto", "id", "mode", "role", "modules"}, keys)
		m := pairs(t, flat)
		require.NotEmpty(t, m["server"])
		require.Regexp(t, `^\d+\.\d+\.\d+`, m["version"])
		require.Equal(t, int64(2), m["proto"])
		require.Equal(t, id, m["id"])
		require.Equal(t, "standalone", m["mode"])
		require.Equal(t, "master", m["role"])
		require.Equal(t, []any{}, m["modules"])
		require.Equal(t, "PONG", c.Ping(ctx).Val())
	})

	t.Run("default client speaks RESP3", func(t *testing.T) {
		// A default go-redis client opens with HELLO 3 and stays in RESP3.
		c := s.Client()
		require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
		require.Equal(t, "v", c.Get(ctx, "k").Val())
		info, err := c.ClientInfo(ctx).Result()
		require.NoError(t, err)
		require.Equal(t, 3, info.Resp)
	})
}

func TestReset(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	c := s.Conn(t)
	require.NoError(t, c.Select(ctx, 3).Err())
	require.NoError(t, c.ClientSetName(ctx, "before-reset").Err())
	reply, err := c.Do(ctx, "RESET").Result()
	require.NoError(t, err)
	require.Equal(t, "RESET", reply)
	require.ErrorIs(t, c.ClientGetName(ctx).Err(), redis.Nil)
	info, err := c.ClientInfo(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, 0, info.DB)
	require.Equal(t, "", info.Name)
}

func TestQuit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	c.send("*1\r\n$4\r\nPING\r\n")
	require.Equal(t, "+PONG", c.readLine())
	c.send("*1\r\n$4\r\nQUIT\r\n")
	require.Equal(t, "+OK", c.readLine())
	c.requireEOF(5 * time.Second)
	require.Equal(t, "PONG", s.Client().Ping(context.Background()).Val())
}
