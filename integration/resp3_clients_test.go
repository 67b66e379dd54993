package integration

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestRESP3GoRedis drives go-redis v9 with Protocol: 3 (HELLO 3 at
// connect, no fallback): strings, a pipeline, a transaction, a WATCH
// abort and pub/sub.
func TestRESP3GoRedis(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	newClient := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 3, DisableIdentity: true})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	c := newClient()

	info, err := c.ClientInfo(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, 3, info.Resp)
	hello, err := c.Do(ctx, "HELLO", 3).Result()
	require.NoError(t, err)
	require.IsType(t, map[any]any{}, hello, "HELLO 3 answers a map")
	require.Equal(t, int64(3), hello.(map[any]any)["proto"])

	t.Run("strings", func(t *testing.T) {
		require.NoError(t, c.Set(ctx, "gr:k", "v", 0).Err())
		require.Equal(t, "v", c.Get(ctx, "gr:k").Val())
		require.ErrorIs(t, c.Get(ctx, "gr:nokey").Err(), redis.Nil)
		vals, err := c.MGet(ctx, "gr:k", "gr:nokey").Result()
		require.NoError(t, err)
		require.Equal(t, []any{"v", nil}, vals)
		require.Equal(t, int64(5), c.IncrBy(ctx, "gr:n", 5).Val())
		require.Equal(t, 6.5, c.IncrByFloat(ctx, "gr:n", 1.5).Val())
		require.ErrorIs(t, c.SetArgs(ctx, "gr:new", "w", redis.SetArgs{Mode: "NX", Get: true}).Err(), redis.Nil, "no old value: a null")
		prev, err := c.SetArgs(ctx, "gr:k", "w", redis.SetArgs{Get: true}).Result()
		require.NoError(t, err)
		require.Equal(t, "v", prev)
		require.Equal(t, map[string]string{"maxmemory": "0"}, c.ConfigGet(ctx, "maxmemory").Val())
		raw, err := c.Do(ctx, "CONFIG", "GET", "maxmemory").Result()
		require.NoError(t, err)
		require.Equal(t, map[any]any{"maxmemory": "0"}, raw, "a RESP3 map")
		inf, err := c.Info(ctx, "server").Result()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(inf, "# Server\r\n"), "the verbatim string's text, without txt: %q", inf[:min(len(inf), 40)])
		requireRedisErr(t, c.Incr(ctx, "gr:k").Err(), "ERR value is not an integer or out of range")
	})

	t.Run("pipeline", func(t *testing.T) {
		p := c.Pipeline()
		set := p.Set(ctx, "gr:p", "1", 0)
		incr := p.Incr(ctx, "gr:p")
		get := p.Get(ctx, "gr:p")
		miss := p.Get(ctx, "gr:pnokey")
		bad := p.Do(ctx, "NOSUCHCOMMAND")
		_, err := p.Exec(ctx)
		require.Error(t, err, "the pipeline reports its first error")
		require.Equal(t, "OK", set.Val())
		require.Equal(t, int64(2), incr.Val())
		require.Equal(t, "2", get.Val())
		require.ErrorIs(t, miss.Err(), redis.Nil)
		requireRedisErr(t, bad.Err(), "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: ")
	})

	t.Run("TxPipeline", func(t *testing.T) {
		tx := c.TxPipeline()
		set := tx.Set(ctx, "gr:t", "10", 0)
		incr := tx.IncrBy(ctx, "gr:t", 5)
		miss := tx.Get(ctx, "gr:tnokey")
		_, err := tx.Exec(ctx)
		require.ErrorIs(t, err, redis.Nil, "the null GET inside EXEC")
		require.Equal(t, "OK", set.Val())
		require.Equal(t, int64(15), incr.Val())
		require.ErrorIs(t, miss.Err(), redis.Nil)
	})

	t.Run("WATCH abort", func(t *testing.T) {
		other := newClient()
		require.NoError(t, c.Set(ctx, "gr:w", "1", 0).Err())
		err := c.Watch(ctx, func(tx *redis.Tx) error {
			require.NoError(t, other.Set(ctx, "gr:w", "2", 0).Err())
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "gr:w", "3", 0)
				return nil
			})
			return err
		}, "gr:w")
		require.ErrorIs(t, err, redis.TxFailedErr)
		require.Equal(t, "2", c.Get(ctx, "gr:w").Val())
	})

	t.Run("pubsub", func(t *testing.T) {
		ps := c.Subscribe(ctx, "gr:ch")
		defer ps.Close()
		sub, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, &redis.Subscription{Kind: "subscribe", Channel: "gr:ch", Count: 1}, sub)
		require.NoError(t, ps.PSubscribe(ctx, "gr:p*"))
		sub, err = ps.ReceiveTimeout(ctx, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, &redis.Subscription{Kind: "psubscribe", Channel: "gr:p*", Count: 2}, sub)

		require.Equal(t, int64(1), c.Publish(ctx, "gr:ch", "hello").Val())
		msg, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, "gr:ch", msg.(*redis.Message).Channel)
		require.Equal(t, "hello", msg.(*redis.Message).Payload)

		require.Equal(t, int64(1), c.Publish(ctx, "gr:px", "pat").Val())
		msg, err = ps.ReceiveTimeout(ctx, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, &redis.Message{Channel: "gr:px", Pattern: "gr:p*", Payload: "pat"}, msg)

		// In RESP3 a subscribed connection answers PING with +PONG, not
		// RESP2's ["pong", ""].
		require.NoError(t, ps.Ping(ctx))
		pong, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		require.NoError(t, err)
		require.Equal(t, &redis.Pong{Payload: "PONG"}, pong)

		ch := ps.Channel()
		for i := range 50 {
			require.Equal(t, int64(1), c.Publish(ctx, "gr:ch", strconv.Itoa(i)).Val())
		}
		for i := range 50 {
			select {
			case m := <-ch:
				require.Equal(t, strconv.Itoa(i), m.Payload)
			case <-time.After(5 * time.Second):
				t.Fatalf("message %d did not arrive", i)
			}
		}
	})
}

// TestRESP3RedisCLI runs redis-cli -3, which opens with HELLO 3 and
// prints RESP3 types its own way.
func TestRESP3RedisCLI(t *testing.T) {
	t.Parallel()
	cli := requireTool(t, "redis-cli")
	s := startServer(t)
	port := strconv.Itoa(s.Port)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"SET", []string{"SET", "cli:k", "v"}, "OK\n"},
		{"GET", []string{"GET", "cli:k"}, "\"v\"\n"},
		{"null", []string{"GET", "cli:nokey"}, "(nil)\n"},
		{"MGET", []string{"MGET", "cli:k", "cli:nokey"}, "1) \"v\"\n2) (nil)\n"},
		{"map", []string{"CONFIG", "GET", "maxmemory"}, "1# \"maxmemory\" => \"0\"\n"},
		{"HELLO proto", []string{"HELLO", "3"}, ""},
		{"client info", []string{"CLIENT", "INFO"}, ""},
		{"error", []string{"INCR", "cli:k"}, "(error) ERR value is not an integer or out of range\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runTool(t, "", cli, append([]string{"-3", "--no-raw", "-p", port}, tc.args...)...)
			require.Zero(t, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			switch tc.name {
			case "HELLO proto":
				require.Contains(t, out, "3# \"proto\" => (integer) 3\n")
			case "client info":
				require.Regexp(t, `^id=\d+ .* resp=3[ \n]`, out, "the verbatim string's text")
			default:
				require.Equal(t, tc.want, out, "stderr:\n%s", errOut)
			}
		})
	}
	t.Run("subscribe", func(t *testing.T) {
		// redis-cli -3 SUBSCRIBE prints push messages until killed: run it
		// in the background and publish until a message shows.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out lockedBuffer
		cmd := exec.CommandContext(ctx, cli, "-3", "-p", port, "SUBSCRIBE", "cli:ch")
		cmd.Stdout, cmd.Stderr = &out, &out
		setPdeathsig(cmd)
		require.NoError(t, cmd.Start())
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		pub := s.Client()
		require.Eventually(t, func() bool {
			return pub.Publish(ctx, "cli:ch", "hello").Val() == 1
		}, 10*time.Second, 20*time.Millisecond, "redis-cli never subscribed")
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "hello") }, 10*time.Second, 20*time.Millisecond)
		// Not on a terminal, redis-cli prints raw: one element a line.
		require.True(t, strings.HasPrefix(out.String(), "subscribe\ncli:ch\n1\nmessage\ncli:ch\nhello\n"), "%q", out.String())
	})
}
