package integration

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// slowSubscriber subscribes to channel on a connection it never reads
// again, with a small receive buffer, so that what the kernel holds for it
// stays small next to the limits tested.
func slowSubscriber(t *testing.T, addr, channel string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
	_, err = c.Write([]byte(respCommand([]string{"SUBSCRIBE", channel})))
	require.NoError(t, err)
}

// publishUntilDropped publishes msg to channel until it has no subscriber
// left and returns how many bytes it published; it fails the test past
// max bytes.
func publishUntilDropped(t *testing.T, rdb *redis.Client, channel, msg string, max int) int {
	t.Helper()
	ctx := context.Background()
	require.Eventually(t, func() bool { return rdb.PubSubNumSub(ctx, channel).Val()[channel] == 1 }, 10*time.Second, 10*time.Millisecond)
	sent := 0
	for {
		n, err := rdb.Publish(ctx, channel, msg).Result()
		require.NoError(t, err)
		if n == 0 {
			return sent
		}
		sent += len(msg)
		require.LessOrEqual(t, sent, max, "the slow subscriber is still subscribed")
	}
}

// TestPubSubOutputLimitConfig holds for redis-server too: CONFIG SET
// client-output-buffer-limit pubsub sets the hard limit at which a
// subscriber that reads nothing is disconnected (far below the default
// 32mb), and the soft limit, which disconnects it once it has stayed over
// for longer than its seconds.
func TestPubSubOutputLimitConfig(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	defer rdb.Close()
	ctx := context.Background()
	msg := strings.Repeat("x", 64<<10)

	require.NoError(t, rdb.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 2mb 0 0").Err())
	require.Contains(t, rdb.ConfigGet(ctx, "client-output-buffer-limit").Val()["client-output-buffer-limit"], "pubsub 2097152 0 0")
	slowSubscriber(t, s.Addr(), "hard")
	sent := publishUntilDropped(t, rdb, "hard", msg, 16<<20)
	// The kernel's socket buffers hold some of it: the limit applies to
	// what is left.
	require.GreaterOrEqual(t, sent, 2<<20, "disconnected below the hard limit")
	t.Logf("disconnected after %d bytes published", sent)

	// Soft limit: over 1mb for more than a second.
	require.NoError(t, rdb.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 0 1mb 1").Err())
	slowSubscriber(t, s.Addr(), "soft")
	require.Eventually(t, func() bool { return rdb.PubSubNumSub(ctx, "soft").Val()["soft"] == 1 }, 10*time.Second, 10*time.Millisecond)
	start := time.Now()
	for range 8 * 16 { // 8 MiB at once: over the soft limit
		require.NoError(t, rdb.Publish(ctx, "soft", msg).Err())
	}
	if time.Since(start) < 800*time.Millisecond {
		require.Equal(t, int64(1), rdb.PubSubNumSub(ctx, "soft").Val()["soft"], "disconnected before the soft limit's second")
	}
	// The soft limit is checked as messages come: keep publishing small
	// ones until the subscriber is gone.
	require.Eventually(t, func() bool { return rdb.Publish(ctx, "soft", "x").Val() == 0 }, 20*time.Second, 50*time.Millisecond)
	require.GreaterOrEqual(t, time.Since(start), time.Second)
}

// TestMonitorOutputLimitClass holds for redis-server too: a MONITOR client
// is held to client-output-buffer-limit normal, not pubsub. With a small
// pubsub limit a monitor that reads nothing stays connected through 8 MiB
// of lines; with the same normal limit it is disconnected.
func TestMonitorOutputLimitClass(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	defer rdb.Close()
	ctx := context.Background()
	val := strings.Repeat("x", 64<<10)
	monitors := func() int {
		list, err := rdb.ClientList(ctx).Result()
		require.NoError(t, err)
		return strings.Count(list, " flags=O ")
	}
	slowMonitor := func() {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
		_, err = c.Write([]byte(respCommand([]string{"MONITOR"})))
		require.NoError(t, err)
		require.Eventually(t, func() bool { return monitors() == 1 }, 10*time.Second, 10*time.Millisecond)
	}

	require.NoError(t, rdb.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 1mb 0 0").Err())
	slowMonitor()
	for range 8 * 16 {
		require.NoError(t, rdb.Set(ctx, "k", val, 0).Err())
	}
	require.Equal(t, 1, monitors(), "a monitor is not held to the pubsub limit")

	require.NoError(t, rdb.ConfigSet(ctx, "client-output-buffer-limit", "normal 1mb 0 0 pubsub 32mb 8mb 60").Err())
	sent := 0
	for monitors() == 1 {
		require.NoError(t, rdb.Set(ctx, "k", val, 0).Err())
		sent += len(val)
		require.LessOrEqual(t, sent, 64<<20, "the monitor is still connected")
	}
}
